package inspector

import "testing"

// A browser that does not read never holds up the engine: past its buffer
// it is marked to reload its list instead.
func TestSlowBrowserIsDroppedNotWaitedFor(t *testing.T) {
	h := newHub()
	slow, fast := h.join(), h.join()
	for i := range clientBuffer + 10 {
		h.publish(uint64(i + 1))
		<-fast.ids
	}
	if !slow.lagged.Load() || fast.lagged.Load() {
		t.Fatalf("lagged: slow %v, fast %v", slow.lagged.Load(), fast.lagged.Load())
	}
	if len(slow.ids) != clientBuffer {
		t.Fatalf("the slow browser holds %d updates, want %d", len(slow.ids), clientBuffer)
	}
	h.leave(slow)
	h.publish(1)
	if len(h.clients) != 1 {
		t.Fatalf("%d clients after one left", len(h.clients))
	}
}

func TestAttemptLogIsBounded(t *testing.T) {
	l := newAttemptLog()
	for id := range uint64(maxLoggedDeliveries + 5) {
		l.add(id+1, attempt{Target: "t"})
	}
	if len(l.byID) != maxLoggedDeliveries || len(l.of(1)) != 0 || len(l.of(maxLoggedDeliveries+5)) != 1 {
		t.Fatalf("%d deliveries kept", len(l.byID))
	}
	for range maxLoggedAttempts + 3 {
		l.add(7, attempt{Target: "t"})
	}
	if n := len(l.of(7)); n != maxLoggedAttempts {
		t.Fatalf("%d attempts kept, want %d", n, maxLoggedAttempts)
	}
}

func TestBrowsersAreBounded(t *testing.T) {
	h := newHub()
	for range maxBrowsers {
		if h.join() == nil {
			t.Fatal("refused a browser below the bound")
		}
	}
	if h.join() != nil {
		t.Fatalf("took a browser past %d", maxBrowsers)
	}
}
