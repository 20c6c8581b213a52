package webhook

import "testing"

func TestMatchTopic(t *testing.T) {
	tests := []struct {
		pattern, topic string
		want           bool
	}{
		{"order.opened", "order.opened", true},
		{"Order.Opened", "order.opened", true},
		{"order.*", "order.opened", true},
		{"order.*", "ORDER.CLOSED", true},
		{"order.*", "orders.opened", false},
		{"*.created", "product.created", true},
		{"order.opene?", "order.opened", true},
		{"order.opened", "order.*", false}, // one way: the topic is a name
		{"[", "[", false},                  // a bad glob matches nothing
		{"", "order.opened", false},
	}
	for _, tt := range tests {
		if got := MatchTopic(tt.pattern, tt.topic); got != tt.want {
			t.Errorf("MatchTopic(%q, %q) = %v, want %v", tt.pattern, tt.topic, got, tt.want)
		}
	}
	if MatchAnyTopic(nil, "order.opened") {
		t.Error("no patterns matched a topic")
	}
	if !MatchAnyTopic([]string{"product.*", "order.*"}, "order.opened") {
		t.Error("the second pattern did not match")
	}
}

// TestSubscriptionTakes is the two-way rule: a subscription may hold a glob.
func TestSubscriptionTakes(t *testing.T) {
	tests := []struct {
		subscribed, filter string
		want               bool
	}{
		{"order.opened", "order.opened", true},
		{"order.opened", "order.*", true},         // a filter glob selects a name
		{"product.*", "product.created", true},    // a subscription glob takes a name
		{"product.*", "product.*", true},          // the same glob
		{"Product.*", "PRODUCT.CREATED", true},    // any case
		{"product.*", "order.opened", false},      // unrelated
		{"order.opened", "order.closed", false},   // different names
		{"product.*", "*.created", false},         // two globs only match as text
		{"product.created", "product.*.x", false}, // no partial segments
	}
	for _, tt := range tests {
		if got := SubscriptionTakes(tt.subscribed, tt.filter); got != tt.want {
			t.Errorf("SubscriptionTakes(%q, %q) = %v, want %v", tt.subscribed, tt.filter, got, tt.want)
		}
	}
}
