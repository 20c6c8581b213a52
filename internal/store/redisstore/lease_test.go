package redisstore

import (
	"slices"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/store/redisstore/redistest"
)

func lease(t *testing.T, st *Store, ttl time.Duration) ([]int, int) {
	t.Helper()
	held, share, err := st.Lease(ttl)
	if err != nil {
		t.Fatal(err)
	}
	return held, share
}

// Partitions have one holder at a time: a replica alone takes them all, a
// second one takes what the first gives up, a replica leaving hands its
// partitions over at once, and one that stops renewing loses them within
// its lease time.
func TestLeasesHaveOneHolder(t *testing.T) {
	srv := redistest.Start(t)
	a, b := open(t, srv.URL(), "kwh"), open(t, srv.URL(), "kwh")
	if held, share := lease(t, a, time.Minute); len(held) != store.LanePartitions || share != store.LanePartitions {
		t.Fatalf("a replica alone: holds %d, share %d, want every partition", len(held), share)
	}
	if held, share := lease(t, b, time.Minute); len(held) != 0 || share != store.LanePartitions/2 {
		t.Fatalf("a second replica while the first holds all: %d, share %d", len(held), share)
	}
	heldA, share := lease(t, a, time.Minute)
	if share != store.LanePartitions/2 || len(heldA) != store.LanePartitions {
		t.Fatalf("the first replica renews all it holds and learns its share: %d, %d", len(heldA), share)
	}
	if err := a.Release(heldA[share:], false); err != nil {
		t.Fatal(err)
	}
	heldB, _ := lease(t, b, time.Minute)
	if heldA, _ = lease(t, a, time.Minute); len(heldA) != share || len(heldB) != share {
		t.Fatalf("after a gave up its excess: a %d, b %d, want %d each", len(heldA), len(heldB), share)
	}
	for _, p := range heldA {
		if slices.Contains(heldB, p) {
			t.Fatalf("partition %d held by both", p)
		}
	}
	if err := a.Release(heldA, true); err != nil {
		t.Fatal(err)
	}
	if heldB, share = lease(t, b, time.Minute); len(heldB) != store.LanePartitions || share != store.LanePartitions {
		t.Fatalf("after a left: b holds %d (share %d), want all", len(heldB), share)
	}

	// b stops renewing a short lease: a takes everything once it lapses.
	lease(t, b, 50*time.Millisecond)
	deadline := time.Now().Add(10 * time.Second)
	for {
		held, _ := lease(t, a, time.Minute)
		if len(held) == store.LanePartitions {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("b's lapsed partitions never went to a: a holds %d", len(held))
		}
	}
}

// SpoolAfter reads what was spooled after an id, with each forward's
// topic and entity id, and nothing that left the spool.
func TestSpoolAfter(t *testing.T) {
	srv := redistest.Start(t)
	st := open(t, srv.URL(), "kwh")
	var ids []uint64
	for i, entity := range []string{"A", "B", "A"} {
		d := &store.Delivery{EventID: string(rune('a' + i)), Topic: "order.opened", EntityID: entity, ReceivedAt: t0, Targets: []string{"http://app", "http://audit"}}
		if _, err := st.Accept(store.Accept{Delivery: d, DedupeKey: d.EventID, TTL: time.Hour, MarkSeen: true, Now: t0}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
	}
	if err := st.Complete(store.Pending{DeliveryID: ids[0], Target: "http://app"}, store.ForwardState{Status: 200}); err != nil {
		t.Fatal(err)
	}
	all, err := st.SpoolAfter(0, 100)
	if err != nil || len(all) != 5 {
		t.Fatalf("whole spool: %+v %v, want 5 forwards", all, err)
	}
	if all[0] != (store.Pending{DeliveryID: ids[0], Target: "http://audit", Topic: "order.opened", EntityID: "A"}) {
		t.Errorf("first: %+v", all[0])
	}
	if all[2].EntityID != "B" || all[2].DeliveryID != ids[1] {
		t.Errorf("third: %+v", all[2])
	}
	later, err := st.SpoolAfter(ids[1], 100)
	if err != nil || len(later) != 2 || later[0].DeliveryID != ids[2] {
		t.Fatalf("after %d: %+v %v", ids[1], later, err)
	}
	if page, err := st.SpoolAfter(0, 2); err != nil || len(page) != 3 || page[2].DeliveryID != ids[1] {
		t.Fatalf("a page of 2 never cuts a delivery's forwards: %+v %v, want the 3 of the first two deliveries", page, err)
	}
}
