// Package webhook knows Kibo's push events: the topic catalog (embedded), and
// the push body and its signature. It never imports cobra, viper or the terminal.
package webhook

import (
	_ "embed"
	"encoding/json"
	"path"
	"sort"
	"strings"
)

// Topic is one event topic Kibo publishes.
type Topic struct {
	Name     string `json:"topic"`
	Category string `json:"category"`
	// EntityID says what the push body's entityId holds for this topic.
	EntityID    string `json:"entityId"`
	Description string `json:"description"`
	// ExtendedProperties are the keys the push body's extendedProperties carry.
	ExtendedProperties []string `json:"extendedProperties"`
	// PushBody is true when Kibo's webhooks spec documents this topic's body.
	PushBody bool `json:"pushBody"`
}

//go:embed topics.json
var topicsJSON []byte

var catalog = mustLoad()

func mustLoad() []Topic {
	var ts []Topic
	if err := json.Unmarshal(topicsJSON, &ts); err != nil {
		panic("webhook: embedded topics.json: " + err.Error())
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
	return ts
}

// Topics returns every known topic, sorted by name.
func Topics() []Topic { return append([]Topic(nil), catalog...) }

// Lookup finds a topic by exact name (case-insensitive).
func Lookup(name string) (Topic, bool) {
	for _, t := range catalog {
		if strings.EqualFold(t.Name, name) {
			return t, true
		}
	}
	return Topic{}, false
}

// IsGlob reports whether a topic argument is a pattern such as order.*.
func IsGlob(s string) bool { return strings.ContainsAny(s, "*?[") }

// MatchTopic reports whether a topic name matches a name or glob
// (order.*), case-insensitively. It is the one topic matcher: --topic
// filters, listen's routes, the inbox and the emulator's subscriptions all
// use it (through MatchAnyTopic and SubscriptionTakes too).
func MatchTopic(pattern, topic string) bool {
	ok, err := path.Match(strings.ToLower(pattern), strings.ToLower(topic))
	return err == nil && ok
}

// MatchAnyTopic reports whether a topic name matches one of the patterns
// (false when there are none).
func MatchAnyTopic(patterns []string, topic string) bool {
	for _, p := range patterns {
		if MatchTopic(p, topic) {
			return true
		}
	}
	return false
}

// SubscriptionTakes reports whether a filter (a name or glob a user typed)
// selects a topic a subscription lists. The rule is two-way because a
// subscription may itself hold a glob (product.*): product.created selects
// it, and so does product.*. Two globs select each other only when one
// matches the other as text (*.created does not select product.*).
func SubscriptionTakes(subscribed, filter string) bool {
	return MatchTopic(filter, subscribed) || MatchTopic(subscribed, filter)
}

// Known reports whether a name is a known topic or a glob matching one.
func Known(pattern string) bool {
	for _, t := range catalog {
		if MatchTopic(pattern, t.Name) {
			return true
		}
	}
	return false
}

// Nearest returns up to n known topic names closest to s, for "did you mean".
func Nearest(s string, n int) []string {
	type scored struct {
		name string
		d    int
	}
	s = strings.ToLower(strings.TrimSuffix(s, "*"))
	var all []scored
	for _, t := range catalog {
		d := distance(s, t.Name)
		if strings.HasPrefix(t.Name, s) || strings.Contains(t.Name, s) {
			d = min(d, 1)
		}
		all = append(all, scored{t.Name, d})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].d < all[j].d })
	var out []string
	for _, sc := range all {
		if len(out) == n || sc.d > max(3, len(s)/2) {
			break
		}
		out = append(out, sc.name)
	}
	return out
}

// distance is the Levenshtein edit distance.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// Categories lists the catalog's categories, sorted.
func Categories() []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range catalog {
		if !seen[t.Category] {
			seen[t.Category] = true
			out = append(out, t.Category)
		}
	}
	sort.Strings(out)
	return out
}

// SampleProperties gives a topic's extendedProperties keys made-up values,
// so a handler sees the shape Kibo sends.
func SampleProperties(topic string) []ExtendedProperty {
	t, ok := Lookup(topic)
	if !ok {
		return nil
	}
	var out []ExtendedProperty
	for _, k := range t.ExtendedProperties {
		out = append(out, ExtendedProperty{Key: k, Value: "sample-" + strings.ToLower(k)})
	}
	return out
}
