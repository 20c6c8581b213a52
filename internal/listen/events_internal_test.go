package listen

import (
	"testing"
	"time"
)

// Nobody reads the events (stdout is a pipe nobody drains): pushing never
// waits, the queue keeps a bounded backlog, and what it dropped is counted
// in dropped events instead of growing memory without limit.
func TestUnreadEventsAreBoundedAndCounted(t *testing.T) {
	q := newEventQueue(time.Now)
	const sent = 20000
	q.push(Event{Kind: KindReady})
	for range sent {
		q.push(Event{Kind: KindRejected, Status: 400})
	}
	q.push(Event{Kind: KindStopped})
	q.close()
	shown, dropped := 0, 0
	var kinds []Kind
	for e := range q.out {
		kinds = append(kinds, e.Kind)
		switch e.Kind {
		case KindDropped:
			dropped += e.Dropped
		case KindRejected:
			shown++
		}
	}
	if shown+dropped != sent || dropped == 0 {
		t.Fatalf("%d shown + %d dropped, want %d in all with some dropped", shown, dropped, sent)
	}
	if limit := 2*maxQueuedEvents + cap(q.out); shown > limit {
		t.Fatalf("%d events held for the display, want at most %d", shown, limit)
	}
	if kinds[0] != KindReady || kinds[len(kinds)-1] != KindStopped {
		t.Fatalf("ready and stopped must never be dropped: first %s, last %s", kinds[0], kinds[len(kinds)-1])
	}
}
