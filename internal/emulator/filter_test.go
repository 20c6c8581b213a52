package emulator

import (
	"strings"
	"testing"
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
