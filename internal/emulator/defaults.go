package emulator

import (
	"strings"
	"time"

	"github.com/kwh-cli/kwh/internal/webhook"
)

// DefaultClientID is the application kwh emulator pretends to be.
const DefaultClientID = "kwh.Emulator.1.0.0.Release"

// DefaultSeed is a tenant with one site and one application, no events and
// no subscriptions: what `kwh emulator` starts from without --seed.
func DefaultSeed(secret string) Seed {
	return Seed{
		Apps: []App{{ClientID: DefaultClientID, SharedSecret: secret}},
		Tenants: []map[string]any{{"id": 10000, "name": "kwh emulator", "domain": "",
			"sites": []any{map[string]any{"id": 10001, "name": "Main", "domain": ""}}}},
		DeliveryAttempts: map[string][]map[string]any{},
	}
}

// NewSubscription builds an EventSubscription for endpoint. Globs such as
// order.* become every catalog topic they match, as Dev Center would list
// them; names kwh does not know are kept as given.
func NewSubscription(endpoint string, patterns []string, appID string, tenant int, now time.Time) map[string]any {
	var topics []any
	seen := map[string]bool{}
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			topics = append(topics, t)
		}
	}
	for _, p := range patterns {
		p = strings.TrimSpace(p)
		if !webhook.IsGlob(p) {
			add(p)
			continue
		}
		for _, t := range webhook.Topics() {
			if webhook.MatchTopic(p, t.Name) {
				add(t.Name)
			}
		}
	}
	return map[string]any{
		"id": newID(), "appId": appID, "apiVersion": "1.0", "topics": topics,
		"subscribingTenants":       []any{map[string]any{"subscribingContextLevelType": "Tenant", "tenantId": tenant, "isActive": true, "subscribingSites": nil}},
		"notificationDeliveryType": "Http", "contentType": "Json", "endpoint": endpoint,
		"confirmed": true, "isActive": true, "noCallback": false,
		"createDate": stamp(now), "updateDate": stamp(now), "createBy": "kwh emulator", "updateBy": "kwh emulator",
	}
}

// AddSubscription adds a subscription to a running emulator.
func (e *Emulator) AddSubscription(s map[string]any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seed.Subscriptions = append(e.seed.Subscriptions, s)
}

// Credentials are what kwh needs to talk to the emulator.
func (e *Emulator) Credentials() (clientID, secret string, tenant, site int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.seed.Apps) > 0 {
		clientID, secret = e.seed.Apps[0].ClientID, e.seed.Apps[0].SharedSecret
	}
	tenant, site = e.defaultContext()
	return
}
