package store

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func delivery(id, topic string, targets ...string) *Delivery {
	return &Delivery{EventID: id, Topic: topic, Body: []byte(`{"eventId":"` + id + `"}`), Targets: targets}
}

func TestDedupeWithinTheTTLAndAcrossRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "listen.db")
	st, err := OpenListen(path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	accept := func(st *BoltListen, at time.Time) bool {
		dup, err := st.Accept(Accept{Delivery: delivery("e1", "order.opened", "http://app"), DedupeKey: "e1", TTL: time.Hour, MarkSeen: true, Now: at})
		if err != nil {
			t.Fatal(err)
		}
		return dup
	}
	if accept(st, t0) {
		t.Fatal("first delivery reported as a duplicate")
	}
	if !accept(st, t0.Add(59*time.Minute)) {
		t.Fatal("a redelivery within the TTL was not a duplicate")
	}
	st.Close()

	st, err = OpenListen(path) // a restart
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if seen, _ := st.Seen("e1", t0.Add(30*time.Minute)); !seen {
		t.Fatal("seen ids must survive a restart")
	}
	if !accept(st, t0.Add(30*time.Minute)) {
		t.Fatal("a redelivery after a restart was not a duplicate")
	}
	if accept(st, t0.Add(61*time.Minute)) {
		t.Fatal("after the TTL the event counts as new")
	}
	if n, _ := st.Sweep(t0.Add(3 * time.Hour)); n != 1 {
		t.Errorf("sweep removed %d expired ids, want 1", n)
	}
	ds, _ := st.Inbox(InboxQuery{})
	if len(ds) != 4 || !ds[1].Duplicate || !ds[2].Duplicate || ds[0].Duplicate {
		t.Errorf("inbox: %d entries (newest first), duplicates %v %v %v", len(ds), ds[0].Duplicate, ds[1].Duplicate, ds[2].Duplicate)
	}
}

func TestSpoolAndForwardStates(t *testing.T) {
	st, err := OpenListen(filepath.Join(t.TempDir(), "listen.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	d := delivery("e2", "order.opened", "http://a", "http://b")
	if _, err := st.Accept(Accept{Delivery: d, DedupeKey: "e2", TTL: time.Hour, MarkSeen: true, Now: now}); err != nil {
		t.Fatal(err)
	}
	p, _ := st.Pending()
	if len(p) != 2 || p[0].DeliveryID != d.ID {
		t.Fatalf("pending %v", p)
	}
	st.Forwarded(Pending{DeliveryID: d.ID, Target: "http://a"}, ForwardState{Status: 503, At: now})
	st.Forwarded(Pending{DeliveryID: d.ID, Target: "http://a"}, ForwardState{Status: 200, Delivered: true, At: now})
	p, _ = st.Pending()
	if len(p) != 1 || p[0].Target != "http://b" {
		t.Fatalf("after delivering to a, pending %v", p)
	}
	got, err := st.Get(d.ID)
	if err != nil || string(got.Body) != string(d.Body) || got.Forwards["http://a"].Attempts != 2 || !got.Forwards["http://a"].Delivered {
		t.Fatalf("get: %+v %v", got, err)
	}
	if _, err := st.Get(999); err == nil {
		t.Error("a missing id was found")
	}
}

// TestConcurrentAcceptsAreDurableAndDeduped: many writers, one group commit
// at a time; each event is accepted once whatever the interleaving.
func TestConcurrentAcceptsAreDurableAndDeduped(t *testing.T) {
	st, err := OpenListen(filepath.Join(t.TempDir(), "listen.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var wg sync.WaitGroup
	var mu sync.Mutex
	fresh := 0
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				id := fmt.Sprintf("e%d", i) // every writer sends the same 50 events
				dup, err := st.Accept(Accept{Delivery: delivery(id, "t"), DedupeKey: id, TTL: time.Hour, MarkSeen: true, Now: time.Now()})
				if err != nil {
					t.Error(err)
				}
				if !dup {
					mu.Lock()
					fresh++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if fresh != 50 {
		t.Errorf("%d events accepted as new, want 50", fresh)
	}
}

func TestPruneKeepsWhatIsStillToBeForwarded(t *testing.T) {
	st, err := OpenListen(filepath.Join(t.TempDir(), "listen.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var ids []uint64
	for i := range 4 {
		d := delivery(fmt.Sprint(i), "t", "http://app")
		d.ReceivedAt = t0.Add(time.Duration(i) * 24 * time.Hour)
		if _, err := st.Accept(Accept{Delivery: d, DedupeKey: fmt.Sprint(i), TTL: time.Hour, MarkSeen: true, Now: d.ReceivedAt}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
	}
	for _, id := range []uint64{ids[0], ids[2], ids[3]} { // ids[1] is still pending
		st.Forwarded(Pending{DeliveryID: id, Target: "http://app"}, ForwardState{Status: 200, Delivered: true})
	}
	n, err := st.Prune(t0.Add(60 * time.Hour)) // older than 2.5 days: ids 0, 1, 2
	if err != nil || n != 2 {
		t.Fatalf("pruned %d (%v), want 2: the pending one stays", n, err)
	}
	ds, _ := st.Inbox(InboxQuery{})
	if len(ds) != 2 || ds[0].ID != ids[3] || ds[1].ID != ids[1] {
		t.Errorf("left %v", ds)
	}
	if _, err := st.Get(ids[0]); err == nil {
		t.Error("a pruned entry is still there")
	}
}
