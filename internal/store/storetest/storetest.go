// Package storetest is the conformance suite of the listen store contract
// (store.ListenStore): every backend runs it from its own tests, with a
// Backend that opens and crashes its stores.
package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
)

// Backend opens stores for the suite.
type Backend struct {
	// Open opens the store called name, creating it empty the first time;
	// opening the same name again (after Close or Crash) sees what it kept.
	// Each test uses a fresh name.
	Open func(t *testing.T, name string) store.ListenStore
	// Crash abandons a store the way a killed process would: nothing more
	// is written, and what it holds (files, locks, connections) is
	// released. The suite does not use a crashed store again.
	Crash func(st store.ListenStore)
}

// Run runs every conformance test against b.
func Run(t *testing.T, b Backend) {
	tests := []struct {
		name string
		fn   func(*testing.T, *suite)
	}{
		{"DedupeWithinTheTTLAndAcrossRestarts", testDedupe},
		{"DuplicatesAreCountedNotStoredNorSpooled", testDuplicatesNotSpooled},
		{"SeenOnlyOnceMarked", testMarkSeenLater},
		{"ClaimCompleteFailGiveUp", testForwards},
		{"RetargetMovesOrDropsASpooledForward", testRetarget},
		{"GetMissingIsErrNotFound", testGetMissing},
		{"InboxQuery", testInboxQuery},
		{"PruneKeepsWhatIsStillToBeForwarded", testPrune},
		{"ConcurrentAcceptsAreDurableAndDeduped", testConcurrentAccepts},
		{"ACrashLosesNothingAcknowledged", testCrash},
		{"IDsKeepGrowingAcrossRestarts", testIDsAcrossRestarts},
	}
	tests = append(tests, hostile...)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, &suite{t: t, b: b, name: fmt.Sprintf("conformance-%d", i)})
		})
	}
}

// suite is one test's view of the backend: a store it opens, closes or
// crashes, and opens again.
type suite struct {
	t    *testing.T
	b    Backend
	name string
	cur  store.ListenStore // closed at the end of the test
}

func (s *suite) open() store.ListenStore {
	s.t.Helper()
	if s.cur == nil {
		s.t.Cleanup(func() {
			if s.cur != nil {
				_ = s.cur.Close()
			}
		})
	}
	s.cur = s.b.Open(s.t, s.name)
	return s.cur
}

// restart closes the store cleanly and opens it again.
func (s *suite) restart() store.ListenStore {
	s.t.Helper()
	if err := s.cur.Close(); err != nil {
		s.t.Fatal(err)
	}
	return s.open()
}

// crash crashes the store and opens it again.
func (s *suite) crash() store.ListenStore {
	s.t.Helper()
	s.b.Crash(s.cur)
	return s.open()
}

var t0 = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func delivery(id, topic string, at time.Time, targets ...string) *store.Delivery {
	return &store.Delivery{EventID: id, Topic: topic, EntityID: "e-" + id, ReceivedAt: at, Method: "POST", Path: "/",
		Body: []byte(`{"eventId":"` + id + `"}`), Targets: targets}
}

// accept stores a delivery of id, marked seen for an hour.
func accept(t *testing.T, st store.ListenStore, id, topic string, at time.Time, targets ...string) (*store.Delivery, bool) {
	t.Helper()
	d := delivery(id, topic, at, targets...)
	dup, err := st.Accept(store.Accept{Delivery: d, DedupeKey: id, TTL: time.Hour, MarkSeen: true, Now: at})
	if err != nil {
		t.Fatal(err)
	}
	return d, dup
}

func claim(t *testing.T, st store.ListenStore) []store.Pending {
	t.Helper()
	p, err := st.Claim()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func testDedupe(t *testing.T, s *suite) {
	st := s.open()
	if _, dup := accept(t, st, "e1", "order.opened", t0, "http://app"); dup {
		t.Fatal("first delivery reported as a duplicate")
	}
	if _, dup := accept(t, st, "e1", "order.opened", t0.Add(59*time.Minute), "http://app"); !dup {
		t.Fatal("a redelivery within the TTL was not a duplicate")
	}
	st = s.restart()
	if seen, err := st.Seen("e1", t0.Add(30*time.Minute)); err != nil || !seen {
		t.Fatalf("seen ids must survive a restart (%v)", err)
	}
	if _, dup := accept(t, st, "e1", "order.opened", t0.Add(30*time.Minute), "http://app"); !dup {
		t.Fatal("a redelivery after a restart was not a duplicate")
	}
	if _, dup := accept(t, st, "e1", "order.opened", t0.Add(61*time.Minute), "http://app"); dup {
		t.Fatal("after the TTL the event counts as new")
	}
	if n, err := st.Sweep(t0.Add(3 * time.Hour)); err != nil || n != 1 {
		t.Errorf("sweep removed %d expired ids (%v), want 1", n, err)
	}
	if seen, _ := st.Seen("e1", t0.Add(90*time.Minute)); seen {
		t.Error("a swept id is still seen")
	}
	ds, err := st.Inbox(store.InboxQuery{})
	if err != nil || len(ds) != 2 || ds[0].Duplicates != 0 || ds[1].Duplicates != 2 || ds[1].LastDuplicateAt == nil {
		t.Fatalf("inbox (newest first) %d entries, %v: want the copy after the TTL, then the first copy counting 2 duplicates", len(ds), err)
	}
}

// testDuplicatesNotSpooled: a redelivery is counted on the first copy (a
// count and its last arrival), not stored again nor spooled, across a crash.
func testDuplicatesNotSpooled(t *testing.T, s *suite) {
	st := s.open()
	first, _ := accept(t, st, "e1", "order.opened", t0, "http://app")
	again, dup := accept(t, st, "e1", "order.opened", t0.Add(time.Minute), "http://app")
	if !dup || again.ID != first.ID || !again.Duplicate {
		t.Fatalf("duplicate: dup %v id %d (first %d) flag %v", dup, again.ID, first.ID, again.Duplicate)
	}
	if p := claim(t, st); len(p) != 1 || p[0].DeliveryID != first.ID {
		t.Fatalf("spool %v: want only the first copy", p)
	}
	check := func(st store.ListenStore, when string) {
		t.Helper()
		got, err := st.Get(first.ID)
		if err != nil || got.Duplicates != 1 || got.LastDuplicateAt == nil || !got.LastDuplicateAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("%s: the first copy %+v, %v: want 1 duplicate, last at %s", when, got, err, t0.Add(time.Minute))
		}
		if ds, err := st.Inbox(store.InboxQuery{}); err != nil || len(ds) != 1 {
			t.Fatalf("%s: %d inbox entries, %v: a duplicate is not stored again", when, len(ds), err)
		}
	}
	check(st, "running")
	check(s.crash(), "after a crash")
}

// testMarkSeenLater is --sync: an event is stored unseen until the app took it.
func testMarkSeenLater(t *testing.T, s *suite) {
	st := s.open()
	d := delivery("e1", "order.opened", t0)
	if dup, err := st.Accept(store.Accept{Delivery: d, DedupeKey: "e1", TTL: time.Hour, MarkSeen: false, Now: t0}); err != nil || dup {
		t.Fatalf("accept: %v %v", dup, err)
	}
	if seen, _ := st.Seen("e1", t0); seen {
		t.Fatal("seen without MarkSeen")
	}
	if err := st.MarkSeen("e1", time.Hour, t0); err != nil {
		t.Fatal(err)
	}
	if seen, _ := st.Seen("e1", t0.Add(59*time.Minute)); !seen {
		t.Fatal("not seen after MarkSeen")
	}
	if seen, _ := st.Seen("e1", t0.Add(61*time.Minute)); seen {
		t.Fatal("still seen after the TTL")
	}
	if dup, err := st.Accept(store.Accept{Delivery: delivery("e2", "t", t0), Now: t0}); err != nil || dup {
		t.Fatalf("no dedupe key: %v %v", dup, err)
	}
}

func testForwards(t *testing.T, s *suite) {
	st := s.open()
	d, _ := accept(t, st, "e1", "order.opened", t0, "http://a", "http://b", "http://c")
	p := claim(t, st)
	if len(p) != 3 || p[0].DeliveryID != d.ID {
		t.Fatalf("spool %v", p)
	}
	for _, q := range p {
		if q.Topic != "" && q.Topic != "order.opened" {
			t.Fatalf("spooled topic %q", q.Topic)
		}
	}
	to := func(target string) store.Pending { return store.Pending{DeliveryID: d.ID, Target: target} }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.Fail(to("http://a"), store.ForwardState{Status: 503, Error: "503 Service Unavailable", At: t0}))
	must(st.Fail(to("http://b"), store.ForwardState{Error: "connection refused", At: t0}))
	if p := claim(t, st); len(p) != 3 {
		t.Fatalf("failed attempts left the spool: %v", p)
	}
	must(st.Complete(to("http://a"), store.ForwardState{Status: 200, At: t0}))
	must(st.GiveUp(to("http://b"), store.ForwardState{Error: "connection refused", At: t0}))
	// Read your writes: at once, without a restart.
	got, err := st.Get(d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a := got.Forwards["http://a"]; !a.Delivered || a.GaveUp || a.Attempts != 2 || a.Status != 200 {
		t.Errorf("http://a: %+v, want delivered on attempt 2", a)
	}
	if b := got.Forwards["http://b"]; b.Delivered || !b.GaveUp || b.Attempts != 2 || b.Error == "" {
		t.Errorf("http://b: %+v, want given up after 2 attempts", b)
	}
	if string(got.Body) != string(d.Body) || got.Topic != "order.opened" || got.EntityID != "e-e1" || len(got.Targets) != 3 {
		t.Errorf("get: %+v", got)
	}
	if p := claim(t, st); len(p) != 1 || p[0].Target != "http://c" {
		t.Fatalf("after a delivery and a give-up, spool %v: want http://c", p)
	}
	st = s.restart()
	if p := claim(t, st); len(p) != 1 || p[0].Target != "http://c" {
		t.Fatalf("after a restart, spool %v: want http://c", p)
	}
	if got, _ := st.Get(d.ID); got == nil || got.Forwards["http://a"].Attempts != 2 {
		t.Fatalf("attempts lost in a restart: %+v", got)
	}
}

func testGetMissing(t *testing.T, s *suite) {
	st := s.open()
	if _, err := st.Get(999); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get of a missing id: %v, want store.ErrNotFound", err)
	}
}

func testInboxQuery(t *testing.T, s *suite) {
	st := s.open()
	topics := []string{"order.opened", "order.closed", "product.created", "Order.Opened"}
	for i, topic := range topics {
		accept(t, st, fmt.Sprint(i), topic, t0.Add(time.Duration(i)*time.Hour))
	}
	ids := func(q store.InboxQuery) string {
		ds, err := st.Inbox(q)
		if err != nil {
			t.Fatal(err)
		}
		out := ""
		for _, d := range ds {
			out += d.EventID
		}
		return out
	}
	tests := []struct {
		name string
		q    store.InboxQuery
		want string
	}{
		{"all, newest first", store.InboxQuery{}, "3210"},
		{"a glob, any case", store.InboxQuery{Topics: []string{"order.*"}}, "310"},
		{"two topics", store.InboxQuery{Topics: []string{"order.closed", "product.created"}}, "21"},
		{"since is inclusive", store.InboxQuery{Since: t0.Add(time.Hour)}, "321"},
		{"until is exclusive", store.InboxQuery{Until: t0.Add(2 * time.Hour)}, "10"},
		{"limit", store.InboxQuery{Limit: 2}, "32"},
		{"limit after the filter", store.InboxQuery{Topics: []string{"order.opened"}, Limit: 1}, "3"},
	}
	for _, tt := range tests {
		if got := ids(tt.q); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func testPrune(t *testing.T, s *suite) {
	st := s.open()
	var ids []uint64
	for i := range 4 {
		d, _ := accept(t, st, fmt.Sprint(i), "t", t0.Add(time.Duration(i)*24*time.Hour), "http://app")
		ids = append(ids, d.ID)
	}
	for _, id := range []uint64{ids[0], ids[2], ids[3]} { // ids[1] is still to be forwarded
		if err := st.Complete(store.Pending{DeliveryID: id, Target: "http://app"}, store.ForwardState{Status: 200}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := st.Prune(t0.Add(60 * time.Hour)) // older than 2.5 days: ids 0, 1, 2
	if err != nil || n != 2 {
		t.Fatalf("pruned %d (%v), want 2: the pending one stays", n, err)
	}
	ds, _ := st.Inbox(store.InboxQuery{})
	if len(ds) != 2 || ds[0].ID != ids[3] || ds[1].ID != ids[1] {
		t.Errorf("left %d entries, want ids %d and %d", len(ds), ids[3], ids[1])
	}
	if _, err := st.Get(ids[0]); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a pruned entry: %v", err)
	}
}

// testConcurrentAccepts: many writers send the same events; each is new
// exactly once whatever the interleaving.
func testConcurrentAccepts(t *testing.T, s *suite) {
	st := s.open()
	var wg sync.WaitGroup
	var mu sync.Mutex
	fresh := map[string]int{}
	for range 16 {
		wg.Go(func() {
			for i := range 50 {
				id := fmt.Sprintf("e%d", i)
				dup, err := st.Accept(store.Accept{Delivery: delivery(id, "t", t0, "http://app"), DedupeKey: id, TTL: time.Hour, MarkSeen: true, Now: t0})
				if err != nil {
					t.Error(err)
				}
				if !dup {
					mu.Lock()
					fresh[id]++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	for i := range 50 {
		if n := fresh[fmt.Sprintf("e%d", i)]; n != 1 {
			t.Errorf("e%d accepted as new %d times, want once", i, n)
		}
	}
	if p := claim(t, st); len(p) != 50 {
		t.Errorf("%d spooled, want 50", len(p))
	}
}
