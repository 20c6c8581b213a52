package webhook

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kwh-cli/kwh/internal/kibo"
)

// Push is the JSON body Kibo POSTs to a subscription's endpoint, with Kibo's
// field names in Kibo's order (webhooks.json).
type Push struct {
	EventID            string             `json:"eventId"`
	Topic              string             `json:"topic"`
	EntityID           string             `json:"entityId"`
	Timestamp          string             `json:"timestamp"`
	CorrelationID      string             `json:"correlationId"`
	IsTest             bool               `json:"isTest"`
	ExtendedProperties []ExtendedProperty `json:"extendedProperties,omitempty"`
}

// ExtendedProperty is one key/value of a push body.
type ExtendedProperty struct {
	Key   string `json:"key"`
	Value any    `json:"value"`
}

// Context is what travels beside a push body as headers: x-vol-tenant,
// x-vol-site and x-vol-correlation.
type Context struct {
	Tenant      string
	Site        string
	Correlation string
}

// Marshal encodes a push body as Kibo does: compact, no HTML escaping.
func (p Push) Marshal() []byte {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(p)
	return []byte(strings.TrimSuffix(b.String(), "\n"))
}

// FormatTimestamp writes a push body timestamp: ISO 8601 UTC with milliseconds.
func FormatTimestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// DashedID turns a pull/summary id (32 hex) into the push body's dashed GUID.
// Other spellings are returned lower-cased, unchanged otherwise.
func DashedID(id string) string {
	if u, err := uuid.Parse(id); err == nil {
		return u.String()
	}
	return strings.ToLower(id)
}

// CanonicalID is the spelling-independent form of an event id: 32 hex digits,
// lower case. A dashed GUID and its 32-hex form give the same result.
func CanonicalID(id string) string {
	if u, err := uuid.Parse(strings.TrimSpace(id)); err == nil {
		return strings.ReplaceAll(u.String(), "-", "")
	}
	return strings.ToLower(strings.TrimSpace(id))
}

// NewEventID returns a fresh dashed GUID.
func NewEventID() string { return uuid.NewString() }

// FromEvent rebuilds the push body of a pull-queue event.
func FromEvent(e kibo.Event) (Push, Context) {
	p := Push{EventID: DashedID(e.ID), Topic: e.Topic, EntityID: e.EntityID, CorrelationID: e.CorrelationID, ExtendedProperties: props(e.ExtendedProperties)}
	if e.IsTest != nil {
		p.IsTest = *e.IsTest
	}
	if e.AuditInfo != nil && e.AuditInfo.CreateDate != nil {
		p.Timestamp = FormatTimestamp(e.AuditInfo.CreateDate.Time)
	}
	return p, Context{Tenant: intString(e.TenantID), Site: intString(e.SiteID), Correlation: e.CorrelationID}
}

// FromSummary rebuilds the push body of a delivery summary's event. The
// summary does not say whether the event was a test; it is sent as false.
func FromSummary(s kibo.EventSummary) (Push, Context) {
	p := Push{EventID: DashedID(s.EventID), Topic: s.Topic, EntityID: s.EntityID, CorrelationID: s.CorrelationID, ExtendedProperties: props(s.ExtendedProperties)}
	if s.CreateDate != nil {
		p.Timestamp = FormatTimestamp(s.CreateDate.Time)
	}
	return p, Context{Tenant: intString(s.TenantID), Site: intString(s.SiteID), Correlation: s.CorrelationID}
}

func props(in []kibo.ExtendedProperty) []ExtendedProperty {
	var out []ExtendedProperty
	for _, p := range in {
		key := ""
		if p.Key != nil {
			key = *p.Key
		}
		out = append(out, ExtendedProperty{Key: key, Value: p.Value})
	}
	return out
}

func intString(n *int32) string {
	if n == nil {
		return ""
	}
	return fmt.Sprint(*n)
}

// ParsePush reads a push body. It fails on anything that is not a JSON
// object with an eventId and a topic.
func ParsePush(body []byte) (Push, error) {
	var p Push
	if err := json.Unmarshal(body, &p); err != nil {
		return Push{}, fmt.Errorf("not a Kibo event: %w", err)
	}
	if p.EventID == "" || p.Topic == "" {
		return Push{}, fmt.Errorf("not a Kibo event: eventId and topic are required")
	}
	return p, nil
}
