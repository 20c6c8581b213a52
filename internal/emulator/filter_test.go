package emulator

import (
	"strings"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/kibo"
)

// A filter is hostile input: deep nesting is refused before it costs a
// stack frame per parenthesis (300,000 of them once took 231 MB).
func TestFilterDepthIsBounded(t *testing.T) {
	tests := []struct {
		name   string
		filter string
		ok     bool
	}{
		{"nesting at the bound", strings.Repeat("(", maxFilterDepth) + "topic eq x" + strings.Repeat(")", maxFilterDepth), true},
		{"one level deeper", strings.Repeat("(", maxFilterDepth+1) + "topic eq x" + strings.Repeat(")", maxFilterDepth+1), false},
		{"300,000 opening parentheses", strings.Repeat("(", 300000), false},
		{"siblings do not add depth", strings.Repeat("(topic eq x) or ", maxFilterDepth*2) + "(topic eq y)", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseFilter(tt.filter)
			if (err == nil) != tt.ok {
				t.Fatalf("parseFilter: %v, want ok=%v", err, tt.ok)
			}
			if !tt.ok && !strings.Contains(err.Error(), "deeper than") {
				t.Fatalf("error %q does not say the filter is too deep", err)
			}
		})
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"", "topic eq order.opened", "(topic eq a or topic eq b) and isTest eq false", "entityId eq 'SKU 1'", "auditInfo.createDate ge 2026-11-21T00:00:00Z", "((((", "topic eq 'x", "a eq b or"} {
		f.Add(s)
	}
	item := map[string]any{"topic": "order.opened", "entityId": "1", "isTest": false, "tenantId": 5.0}
	f.Fuzz(func(t *testing.T, s string) {
		pred, err := parseFilter(s)
		if err == nil {
			pred(item)
		}
	})
}

// What kwh's filter builder writes, the emulator (playing Kibo) can read.
func FuzzBuiltFilterParses(f *testing.F) {
	f.Add("order.opened", "100234", int64(1763640000))
	f.Add("order.*", "SKU 1", int64(0))
	f.Add("product.created,order.*", "a(b)", int64(-5))
	f.Fuzz(func(t *testing.T, topics, entity string, since int64) {
		if strings.ContainsAny(topics+entity, "\"'") || strings.TrimSpace(entity) != entity {
			t.Skip("quotes inside a value have no escape in Kibo's filter syntax")
		}
		fl := kibo.Filter{TopicField: "topic", EntityField: "entityId", EntityID: entity, DateField: "createDate"}
		for _, tp := range strings.Split(topics, ",") {
			if tp = strings.TrimSpace(tp); tp != "" && !strings.ContainsAny(tp, " \t()") {
				fl.Topics = append(fl.Topics, tp)
			}
		}
		if since != 0 {
			fl.Since = time.Unix(since%(1<<34), 0)
		}
		s, _ := fl.Build()
		if _, err := parseFilter(s); err != nil {
			t.Fatalf("kibo built %q, the emulator refused it: %v", s, err)
		}
	})
}
