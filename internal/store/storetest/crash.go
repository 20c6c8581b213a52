package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
)

// testCrash: what a method acknowledged survives a kill, whatever the
// backend had yet to do in the background.
func testCrash(t *testing.T, s *suite) {
	st := s.open()
	var ds []*store.Delivery
	for i := range 40 {
		d, _ := accept(t, st, fmt.Sprintf("ev-%d", i), "order.opened", t0, "http://app")
		ds = append(ds, d)
		var err error
		switch i % 4 {
		case 0:
			err = st.Complete(store.Pending{DeliveryID: d.ID, Target: "http://app"}, store.ForwardState{Status: 200, At: t0})
		case 1:
			err = st.Fail(store.Pending{DeliveryID: d.ID, Target: "http://app"}, store.ForwardState{Status: 500, At: t0})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := st.MarkSeen("late", time.Hour, t0); err != nil {
		t.Fatal(err)
	}
	st = s.crash()
	for i, d := range ds {
		got, err := st.Get(d.ID)
		if err != nil {
			t.Fatalf("event %d lost: %v", i, err)
		}
		if string(got.Body) != string(d.Body) || got.EventID != d.EventID {
			t.Fatalf("event %d came back as %q / %q", i, got.EventID, got.Body)
		}
		f := got.Forwards["http://app"]
		if (i%4 == 0) != f.Delivered || (i%4 < 2) != (f.Attempts == 1) {
			t.Fatalf("event %d forward state %+v", i, f)
		}
		if seen, _ := st.Seen(d.EventID, t0.Add(time.Minute)); !seen {
			t.Fatalf("event %d no longer seen", i)
		}
	}
	if seen, _ := st.Seen("late", t0.Add(time.Minute)); !seen {
		t.Fatal("a MarkSeen was lost")
	}
	if p := claim(t, st); len(p) != 30 {
		t.Fatalf("%d spooled after the crash, want 30", len(p))
	}
	if _, dup := accept(t, st, "ev-3", "order.opened", t0.Add(time.Minute), "http://app"); !dup {
		t.Fatal("a redelivery after the crash was not a duplicate")
	}
}

func testIDsAcrossRestarts(t *testing.T, s *suite) {
	st := s.open()
	a, _ := accept(t, st, "a", "t", t0)
	b, _ := accept(t, st, "b", "t", t0)
	if b.ID <= a.ID {
		t.Fatalf("ids %d then %d: want growing", a.ID, b.ID)
	}
	st = s.crash()
	c, _ := accept(t, st, "c", "t", t0)
	if c.ID <= b.ID {
		t.Fatalf("after a restart id %d, want above %d", c.ID, b.ID)
	}
}
