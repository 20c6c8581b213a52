package kibo

import (
	"strings"
	"time"
)

// Filter describes what a listing selects; Build turns it into Kibo's filter
// syntax (field op value, joined with and/or).
type Filter struct {
	TopicField  string   // e.g. "topic"
	Topics      []string // names or globs (order.*)
	EntityField string
	EntityID    string
	DateField   string // e.g. "auditInfo.createDate"
	Since       time.Time
	Until       time.Time
	Raw         string // a user's own filter, joined with and
}

// Build returns the filter string and whether topics must also be matched
// client-side (a glob Kibo's operators cannot express, such as *.created).
//
// Several topics are alternatives, everything else must hold as well. The
// result is in disjunctive form, (t1 and rest) or (t2 and rest), so it needs
// no parentheses and reads the same under Kibo's and-before-or precedence.
func (f Filter) Build() (filter string, clientTopics bool) {
	var rest []string
	if f.EntityID != "" {
		rest = append(rest, f.EntityField+" eq "+quoteValue(f.EntityID))
	}
	if !f.Since.IsZero() {
		rest = append(rest, f.DateField+" ge "+FormatFilterTime(f.Since))
	}
	if !f.Until.IsZero() {
		rest = append(rest, f.DateField+" lt "+FormatFilterTime(f.Until))
	}
	if raw := strings.TrimSpace(f.Raw); raw != "" {
		if strings.Contains(strings.ToLower(raw), " or ") && len(rest)+len(f.Topics) > 0 {
			raw = "(" + raw + ")"
		}
		rest = append(rest, raw)
	}
	var topicTerms []string
	for _, t := range f.Topics {
		term, ok := topicTerm(f.TopicField, t)
		if !ok {
			topicTerms, clientTopics = nil, true
			break
		}
		topicTerms = append(topicTerms, term)
	}
	if len(topicTerms) == 0 {
		return strings.Join(rest, " and "), clientTopics
	}
	alts := make([]string, len(topicTerms))
	for i, term := range topicTerms {
		alts[i] = strings.Join(append([]string{term}, rest...), " and ")
	}
	return strings.Join(alts, " or "), false
}

// topicTerm turns a topic or a prefix glob into a condition; other globs
// cannot be expressed.
func topicTerm(field, topic string) (string, bool) {
	if !strings.ContainsAny(topic, "*?[") {
		return field + " eq " + quoteValue(topic), true
	}
	prefix, ok := strings.CutSuffix(topic, "*")
	if !ok || strings.ContainsAny(prefix, "*?[") || prefix == "" {
		return "", false
	}
	return field + " sw " + quoteValue(prefix), true
}

func quoteValue(v string) string {
	if strings.ContainsAny(v, " \t()'") {
		return `"` + v + `"`
	}
	return v
}

// FormatFilterTime writes a time as Kibo's filters expect: ISO 8601 UTC.
func FormatFilterTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
