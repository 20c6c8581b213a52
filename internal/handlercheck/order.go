package handlercheck

import (
	"sort"
	"strings"
)

// Family is one entity family: the topics sharing a prefix (order.*,
// shipment.*), in process order. Kibo keeps one topic's events in process
// order but not the topics of a family against each other (seed 001), which is
// what the out-of-order scenario reverses.
type Family struct {
	Name   string   // the prefix: order, shipment
	Topics []string // in process order
}

// lifeStage places a topic's verb (the part after the dot) in an entity's
// life. The catalog has no order of its own, so it is derived from the verbs
// Kibo uses: births first (created, opened; then the other ways in, imported
// and cloned), then review and authorisation, changes (updated, statuschanged
// and every verb not listed), then the steps that end a flow (fulfilled,
// refunded), then endings (closed, deleted). Within a stage topics sort by
// name, so the order is stable.
var lifeStage = map[string]int{
	"created": 0, "opened": 0, "installed": 0, "activated": 0,
	"imported": 1, "cloned": 1,
	"pendingreview": 2, "authorized": 2, "cartitemallocated": 2, "cartpendingitemcreated": 2,
	"fulfilled": 4, "captured": 4, "refunded": 4, "credited": 4, "voided": 4, "rejected": 4,
	"abandoned": 4, "expiring": 4, "disabled": 4, "deallocate": 4, "published": 4,
	"closed": 5, "cancelled": 5, "deleted": 5, "hard_deleted": 5, "discarded": 5,
	"expired": 5, "deallocated": 5, "uninstalled": 5,
}

const middleStage = 3

// stage is a topic's place in its family's process order.
func stage(topic string) int {
	_, verb, _ := strings.Cut(strings.ToLower(topic), ".")
	if s, ok := lifeStage[verb]; ok {
		return s
	}
	return middleStage
}

// FamilyOf is a topic's entity family: its prefix before the first dot.
func FamilyOf(topic string) string {
	prefix, _, _ := strings.Cut(strings.ToLower(topic), ".")
	return prefix
}

// ProcessOrder sorts topics as an entity lives through them.
func ProcessOrder(topics []string) []string {
	out := append([]string(nil), topics...)
	sort.SliceStable(out, func(i, j int) bool {
		si, sj := stage(out[i]), stage(out[j])
		if si != sj {
			return si < sj
		}
		return out[i] < out[j]
	})
	return out
}

// Families groups topics by family, families by name, topics in process
// order. Duplicate topic names are kept once.
func Families(topics []string) []Family {
	byName := map[string][]string{}
	seen := map[string]bool{}
	for _, t := range topics {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		byName[FamilyOf(t)] = append(byName[FamilyOf(t)], t)
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]Family, len(names))
	for i, n := range names {
		out[i] = Family{Name: n, Topics: ProcessOrder(byName[n])}
	}
	return out
}
