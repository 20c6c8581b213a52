package kibo

import (
	"strings"
	"testing"
	"time"
)

func FuzzFilterBuild(f *testing.F) {
	f.Add("order.opened", "", "", int64(0), int64(0))
	f.Add("order.*", "SKU 1", "isTest eq false", int64(1763640000), int64(1763726400))
	f.Add("*.created", "a'b", "topic eq x or topic eq y", int64(0), int64(-1))
	f.Add("[", "(", ")", int64(1<<40), int64(0))
	f.Fuzz(func(t *testing.T, topic, entity, raw string, since, until int64) {
		fl := Filter{TopicField: "topic", EntityField: "entityId", EntityID: entity, DateField: "createDate", Raw: raw}
		if topic != "" {
			fl.Topics = strings.Split(topic, ",")
		}
		if since != 0 {
			fl.Since = time.Unix(since%(1<<34), 0)
		}
		if until != 0 {
			fl.Until = time.Unix(until%(1<<34), 0)
		}
		got, client := fl.Build()
		again, client2 := fl.Build()
		if got != again || client != client2 {
			t.Fatalf("Build is not deterministic: %q then %q", got, again)
		}
		if client && len(fl.Topics) == 0 {
			t.Fatalf("client-side topic matching asked for without topics")
		}
	})
}
