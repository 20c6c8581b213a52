package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
)

// hostile are the conformance tests of what an attacker (or bad luck) can
// put in a store: no single entry may stop it.
var hostile = []struct {
	name string
	fn   func(*testing.T, *suite)
}{
	{"AnEntryTheBackendCannotTakeNeverStopsIt", testUntakeableEntry},
}

// testUntakeableEntry: a dedupe key far beyond any backend's key limit
// (bbolt's is 32,768 bytes) is acknowledged like any other; nothing after it
// is held up, the store reopens after a crash and a clean stop, and the
// event stays visible in the inbox.
func testUntakeableEntry(t *testing.T, s *suite) {
	st := s.open()
	huge := strings.Repeat("k", 40000)
	bad := delivery("huge", "order.opened", t0, "http://app")
	if _, err := st.Accept(store.Accept{Delivery: bad, DedupeKey: huge, TTL: time.Hour, MarkSeen: true, Now: t0}); err != nil {
		t.Logf("refused at Accept (allowed): %v", err)
		bad = nil
	}
	var after []*store.Delivery
	for i := range 5 {
		d, _ := accept(t, st, fmt.Sprintf("after-%d", i), "order.opened", t0, "http://app")
		after = append(after, d)
	}
	if err := st.Complete(store.Pending{DeliveryID: after[0].ID, Target: "http://app"}, store.ForwardState{Status: 200, At: t0}); err != nil {
		t.Fatal(err)
	}
	check := func(st store.ListenStore, when string) {
		t.Helper()
		for i, d := range after {
			got, err := st.Get(d.ID)
			if err != nil || got.EventID != d.EventID {
				t.Fatalf("%s: event %d after the bad one: %v", when, i, err)
			}
			if seen, _ := st.Seen(d.EventID, t0.Add(time.Minute)); !seen {
				t.Fatalf("%s: event %d after the bad one is not seen", when, i)
			}
		}
		if f := mustGet(t, st, after[0].ID).Forwards["http://app"]; !f.Delivered {
			t.Fatalf("%s: a forward outcome after the bad entry was lost: %+v", when, f)
		}
		if bad != nil {
			if _, err := st.Get(bad.ID); err != nil {
				t.Fatalf("%s: the acknowledged bad entry is not in the inbox: %v", when, err)
			}
		}
		if _, err := st.Inbox(store.InboxQuery{}); err != nil {
			t.Fatalf("%s: inbox: %v", when, err)
		}
	}
	check(st, "running")
	check(s.crash(), "after a crash")
	check(s.restart(), "after a clean restart")
}

func mustGet(t *testing.T, st store.ListenStore, id uint64) *store.Delivery {
	t.Helper()
	d, err := st.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
