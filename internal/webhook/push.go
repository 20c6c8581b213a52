package webhook

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

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

// FormatTimestamp writes a push body timestamp: ISO 8601 UTC with seven
// fractional digits, as Kibo (.NET) stamps them.
func FormatTimestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }

// DashedID turns a pull/summary id (32 hex) into the push body's dashed GUID.
// Other spellings are returned lower-cased, unchanged otherwise.
func DashedID(id string) string {
	if u, err := uuid.Parse(id); err == nil {
		return u.String()
	}
	return strings.ToLower(id)
}

// CanonicalID is the key two spellings of one event share. Kibo spells a
// GUID two ways (dashed in a push body, 32 hex in the pull queue and delivery
// summaries); both give its 32 lower-case hex digits. Every other id is its
// own key, byte for byte: folding case or space would make distinct ids collide.
func CanonicalID(id string) string {
	if isGUIDSpelling(id) {
		if u, err := uuid.Parse(id); err == nil {
			return strings.ReplaceAll(u.String(), "-", "")
		}
	}
	return id
}

// isGUIDSpelling is true for Kibo's two GUID spellings only (36 dashed or 32
// hex characters), not the urn: and braced forms uuid.Parse also reads.
func isGUIDSpelling(id string) bool {
	switch len(id) {
	case 32:
		return !strings.Contains(id, "-")
	case 36:
		return true
	}
	return false
}

// MaxEventIDLen bounds an eventId that is not a GUID. Kibo's ids are GUIDs
// (36 characters); the headroom is for ids hand-written in tests and tools.
const MaxEventIDLen = 128

// CheckEventID says why an eventId is not a plausible Kibo id: it must be 1
// to MaxEventIDLen printable ASCII characters (a GUID is). Anything else
// would be stored, deduplicated and shown on trust.
func CheckEventID(id string) error {
	if id == "" {
		return fmt.Errorf("eventId is required")
	}
	if len(id) > MaxEventIDLen {
		return fmt.Errorf("eventId is %d bytes long: a Kibo id is a GUID, at most %d characters are accepted", len(id), MaxEventIDLen)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("eventId has %q at byte %d: a Kibo id is a GUID, only printable ASCII without spaces is accepted", rune(c), i)
		}
	}
	return nil
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
// object with a plausible eventId (CheckEventID) and a topic.
func ParsePush(body []byte) (Push, error) {
	if !utf8.Valid(body) {
		// encoding/json would turn the bad bytes into U+FFFD, so two distinct
		// ids could decode to one.
		return Push{}, fmt.Errorf("not a Kibo event: the body is not valid UTF-8")
	}
	var p Push
	if err := json.Unmarshal(body, &p); err != nil {
		return Push{}, fmt.Errorf("not a Kibo event: %w", err)
	}
	if p.EventID == "" || p.Topic == "" {
		return Push{}, fmt.Errorf("not a Kibo event: eventId and topic are required")
	}
	if err := CheckEventID(p.EventID); err != nil {
		return Push{}, fmt.Errorf("not a Kibo event: %w", err)
	}
	return p, nil
}
