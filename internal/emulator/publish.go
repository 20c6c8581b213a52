package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/kwh-cli/kwh/internal/webhook"
)

// PublishRequest asks the emulator to create events, as something happening
// on the tenant would.
type PublishRequest struct {
	Topic              string                     `json:"topic"`
	EntityID           string                     `json:"entityId,omitempty"`
	Count              int                        `json:"count,omitempty"`
	IsTest             bool                       `json:"isTest,omitempty"`
	ExtendedProperties []webhook.ExtendedProperty `json:"extendedProperties,omitempty"`
}

// Published is one created event and the pushes it started.
type Published struct {
	EventID    string        `json:"eventId"` // 32 hex, as the pull queue spells it
	Topic      string        `json:"topic"`
	EntityID   string        `json:"entityId"`
	Deliveries []DeliveryRef `json:"deliveries"`
}

// DeliveryRef names a delivery summary: kwh dlq show SUBSCRIPTION PROCESS.
type DeliveryRef struct {
	SubscriptionID string `json:"subscriptionId"`
	ProcessID      int    `json:"processId"`
	Endpoint       string `json:"endpoint"`
}

// Publish creates events: each lands in the pull queue and, with push
// enabled, is pushed to every active subscription to its topic.
func (e *Emulator) Publish(req PublishRequest) ([]Published, error) {
	if req.Topic == "" {
		return nil, fmt.Errorf("a topic is required")
	}
	count := max(req.Count, 1)
	var out []Published
	var started []*delivery
	e.mu.Lock()
	clock := Clock(realClock{})
	if e.push != nil {
		clock = e.push.o.Clock
	}
	tenant, site := e.defaultContext()
	for i := range count {
		entity := req.EntityID
		if entity == "" {
			entity = fmt.Sprintf("%d", 100000+len(e.seed.Events))
		} else if count > 1 {
			entity = fmt.Sprintf("%s-%d", req.EntityID, i+1)
		}
		now := clock.Now()
		id, corr := newID(), newID()
		props := make([]any, 0, len(req.ExtendedProperties))
		for _, p := range req.ExtendedProperties {
			props = append(props, map[string]any{"key": p.Key, "value": p.Value})
		}
		e.seed.Events = append(e.seed.Events, map[string]any{
			"id": id, "tenantId": tenant, "masterCatalogId": 1, "catalogId": 1, "siteId": site,
			"topic": req.Topic, "entityId": entity, "isTest": req.IsTest, "correlationId": corr,
			"extendedProperties": nilIfNone(props),
			"auditInfo":          map[string]any{"createDate": stamp(now), "updateDate": stamp(now), "createBy": nil, "updateBy": nil},
		})
		pub := Published{EventID: id, Topic: req.Topic, EntityID: entity, Deliveries: []DeliveryRef{}}
		push := webhook.Push{EventID: webhook.DashedID(id), Topic: req.Topic, EntityID: entity, Timestamp: webhook.FormatTimestamp(now),
			CorrelationID: corr, IsTest: req.IsTest, ExtendedProperties: req.ExtendedProperties}
		for _, s := range e.seed.Subscriptions {
			endpoint, _ := s["endpoint"].(string)
			if endpoint == "" || !subscribes(s, req.Topic) || !pushesTo(s, tenant, site) {
				continue
			}
			d := e.newDelivery(s, push, now, tenant, site, props)
			pub.Deliveries = append(pub.Deliveries, DeliveryRef{SubscriptionID: d.subID, ProcessID: intOf(d.summary["id"]), Endpoint: endpoint})
			started = append(started, d)
		}
		out = append(out, pub)
	}
	p := e.push
	e.mu.Unlock()
	if p != nil {
		p.start(started)
	}
	return out, nil
}

// newDelivery records a pending delivery summary. Callers hold e.mu.
func (e *Emulator) newDelivery(s map[string]any, push webhook.Push, now time.Time, tenant, site int, props []any) *delivery {
	e.process++
	subID := fmt.Sprint(s["id"])
	summary := map[string]any{
		"id": 1000 + e.process, "deliveryStatus": "Pending", "isRunning": false,
		"eventSummary": map[string]any{
			"eventId": strings.ReplaceAll(push.EventID, "-", ""), "tenantId": tenant, "masterCatalogId": 1, "catalogId": 1, "siteId": site,
			"entityId": push.EntityID, "topic": push.Topic, "extendedProperties": nilIfNone(props), "correlationId": push.CorrelationID, "createDate": stamp(now),
		},
		"lastExecutionDate": nil, "nextExecutionDate": stamp(now), "retriesRemaining": e.retries(),
		"createDate": stamp(now), "updateDate": stamp(now), "deliveryAttempts": []any{},
	}
	e.seed.DeliveryAttempts[subID] = append(e.seed.DeliveryAttempts[subID], summary)
	endpoint, _ := s["endpoint"].(string)
	return &delivery{subID: subID, endpoint: endpoint, summary: summary, push: push,
		ctx: webhook.Context{Tenant: fmt.Sprint(tenant), Site: fmt.Sprint(site), Correlation: push.CorrelationID}}
}

// defaultContext is the first seeded tenant and its first site. Callers hold e.mu.
func (e *Emulator) defaultContext() (int, int) {
	tenant, site := 0, 0
	if len(e.seed.Tenants) > 0 {
		t := e.seed.Tenants[0]
		tenant = intOf(t["id"])
		if sites, ok := t["sites"].([]any); ok && len(sites) > 0 {
			if s, ok := sites[0].(map[string]any); ok {
				site = intOf(s["id"])
			}
		}
	}
	return tenant, site
}

func nilIfNone(v []any) any {
	if len(v) == 0 {
		return nil
	}
	return v
}

func (e *Emulator) handlePublish(w http.ResponseWriter, r *http.Request) {
	var req PublishRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "The body must be a JSON publish request.")
		return
	}
	if req.Count > 10000 {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "count is at most 10000.")
		return
	}
	out, err := e.Publish(req)
	if err != nil {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": out})
}

// Info is what GET /_kwh/emulator answers: enough for kwh to know it found one.
type Info struct {
	Emulator      bool   `json:"emulator"`
	ClientID      string `json:"clientId"`
	Tenant        int    `json:"tenant"`
	Site          int    `json:"site"`
	Subscriptions int    `json:"subscriptions"`
	Events        int    `json:"events"`
	Push          bool   `json:"push"`
}

func (e *Emulator) handleInfo(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	info := Info{Emulator: true, Subscriptions: len(e.seed.Subscriptions), Events: len(e.seed.Events), Push: e.push != nil}
	info.Tenant, info.Site = e.defaultContext()
	if len(e.seed.Apps) > 0 {
		info.ClientID = e.seed.Apps[0].ClientID
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, info)
}
