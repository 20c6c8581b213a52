package storetest

import (
	"testing"

	"github.com/kwh-cli/kwh/internal/store"
)

func testRetarget(t *testing.T, s *suite) {
	st := s.open()
	d, _ := accept(t, st, "e1", "order.opened", t0, "http://old")
	e, _ := accept(t, st, "e2", "order.opened", t0, "http://old")
	old := store.Pending{DeliveryID: d.ID, Target: "http://old", Topic: "order.opened"}
	if err := st.Fail(old, store.ForwardState{Status: 503, Error: "503 Service Unavailable", At: t0}); err != nil {
		t.Fatal(err)
	}
	if err := st.Retarget(old, []string{"http://new"}, "moved to http://new", t0); err != nil {
		t.Fatal(err)
	}
	if err := st.Retarget(store.Pending{DeliveryID: e.ID, Target: "http://old", Topic: "order.opened"}, nil, "dropped", t0); err != nil {
		t.Fatal(err)
	}
	check := func(st store.ListenStore) {
		t.Helper()
		if p := claim(t, st); len(p) != 1 || p[0].DeliveryID != d.ID || p[0].Target != "http://new" || (p[0].Topic != "" && p[0].Topic != "order.opened") {
			t.Fatalf("spool %v: want only e1 to http://new", p)
		}
		got, err := st.Get(d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if o := got.Forwards["http://old"]; !o.Dropped || o.Delivered || o.Attempts != 1 || o.Status != 503 || o.Error != "moved to http://new" {
			t.Errorf("old target: %+v, want dropped after its 1 attempt", o)
		}
		if n, ok := got.Forwards["http://new"]; !ok || n.Delivered || n.GaveUp || n.Dropped || n.Attempts != 0 {
			t.Errorf("new target: %+v (%v), want pending with no attempt", n, ok)
		}
		if got, _ := st.Get(e.ID); got == nil || !got.Forwards["http://old"].Dropped {
			t.Errorf("dropped forward: %+v", got)
		}
	}
	check(st)
	check(s.restart())
	st = s.cur
	if err := st.Complete(store.Pending{DeliveryID: d.ID, Target: "http://new"}, store.ForwardState{Status: 200, At: t0}); err != nil {
		t.Fatal(err)
	}
	if p := claim(t, st); len(p) != 0 {
		t.Errorf("spool after the new target took it: %v", p)
	}
	if got, _ := st.Get(d.ID); got.Forwards["http://new"].Attempts != 1 || !got.Forwards["http://new"].Delivered {
		t.Errorf("new target after delivery: %+v", got.Forwards["http://new"])
	}
}
