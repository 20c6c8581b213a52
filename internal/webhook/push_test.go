package webhook

import (
	"strings"
	"testing"
)

func TestCanonicalID(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		{"dashed and 32-hex GUID", "5f1c2e00-0000-0000-0000-000000000001", "5f1c2e00000000000000000000000001", true},
		{"GUID upper and lower", "5F1C2E00-0000-0000-0000-00000000000A", "5f1c2e00-0000-0000-0000-00000000000a", true},
		{"case of a non-GUID id", "Order-ABC", "order-abc", false},
		{"surrounding space", " order-abc ", "order-abc", false},
		{"invalid UTF-8 bytes", "\xffzz", "\xfezz", false},
		{"braced GUID is not a Kibo spelling", "{5f1c2e00-0000-0000-0000-000000000001}", "5f1c2e00-0000-0000-0000-000000000001", false},
		{"urn GUID is not a Kibo spelling", "urn:uuid:5f1c2e00-0000-0000-0000-000000000001", "5f1c2e00-0000-0000-0000-000000000001", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CanonicalID(tt.a) == CanonicalID(tt.b); got != tt.same {
				t.Errorf("CanonicalID(%q)=%q, CanonicalID(%q)=%q: same=%v, want %v", tt.a, CanonicalID(tt.a), tt.b, CanonicalID(tt.b), got, tt.same)
			}
		})
	}
}

func TestParsePushRejectsImplausibleEventID(t *testing.T) {
	tests := []struct {
		name, body, reason string
	}{
		{"longer than bbolt's key limit", `{"eventId":"` + strings.Repeat("a", 32761) + `","topic":"order.opened"}`, "32761 bytes long"},
		{"just over the bound", `{"eventId":"` + strings.Repeat("a", MaxEventIDLen+1) + `","topic":"order.opened"}`, "at most 128"},
		{"invalid UTF-8", "{\"eventId\":\"\xffzz\",\"topic\":\"order.opened\"}", "not valid UTF-8"},
		{"escaped replacement character", `{"eventId":"\ufffdzz","topic":"order.opened"}`, "printable ASCII"},
		{"control character", `{"eventId":"a\u0000b","topic":"order.opened"}`, "printable ASCII"},
		{"surrounding space", `{"eventId":" order-abc ","topic":"order.opened"}`, "printable ASCII"},
		{"no eventId", `{"topic":"order.opened"}`, "eventId and topic are required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePush([]byte(tt.body))
			if err == nil || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("ParsePush: %v, want an error saying %q", err, tt.reason)
			}
		})
	}
}

func TestParsePushAcceptsKiboIDs(t *testing.T) {
	for _, id := range []string{"5f1c2e00-0000-0000-0000-000000000001", "5f1c2e00000000000000000000000001", "ev-1", strings.Repeat("a", MaxEventIDLen)} {
		p, err := ParsePush([]byte(`{"eventId":"` + id + `","topic":"order.opened"}`))
		if err != nil || p.EventID != id {
			t.Errorf("ParsePush(%q): %+v, %v", id, p, err)
		}
	}
}
