package listen

import (
	"container/heap"
	"time"
)

// Backlog is what the forwarder still has to deliver: the forwards spooled
// and not yet delivered (nor given up), and how long the oldest of them has
// waited since it was received. Listener.Backlog reads it at any time
// (metrics gauges); forwarded and failed events, GET /status and /readyz
// carry it.
type Backlog struct {
	Forwards      int
	OldestPending time.Duration // 0 when there is none
}

// backlog counts pending forwards per delivery and finds the oldest one
// (the smallest inbox id: ids grow with arrival). f.mu guards it.
type backlog struct {
	n      int
	byID   map[uint64]*pendingDelivery
	oldest idHeap // ids, some already done: dropped when they reach the top
}

type pendingDelivery struct {
	jobs int
	at   time.Time // received; zero until known for a resumed one
}

func (b *backlog) init() { b.byID = map[uint64]*pendingDelivery{} }

func (b *backlog) add(id uint64, at time.Time) {
	b.n++
	p := b.byID[id]
	if p == nil {
		p = &pendingDelivery{at: at}
		b.byID[id] = p
		heap.Push(&b.oldest, id)
	}
	p.jobs++
}

func (b *backlog) done(id uint64) {
	p := b.byID[id]
	if p == nil {
		return
	}
	b.n--
	if p.jobs--; p.jobs == 0 {
		delete(b.byID, id)
	}
	if len(b.oldest) > 2*len(b.byID)+1024 {
		b.compact() // done ids behind a long-pending one: drop them
	}
}

func (b *backlog) compact() {
	b.oldest = b.oldest[:0]
	for id := range b.byID {
		b.oldest = append(b.oldest, id)
	}
	heap.Init(&b.oldest)
}

func (b *backlog) count() int { return b.n }

// first is the oldest pending delivery: its id and when it was received
// (zero when not known yet); id 0 when none is pending.
func (b *backlog) first() (uint64, time.Time) {
	for b.oldest.Len() > 0 {
		id := b.oldest[0]
		if p := b.byID[id]; p != nil {
			return id, p.at
		}
		heap.Pop(&b.oldest)
	}
	return 0, time.Time{}
}

func (b *backlog) learn(id uint64, at time.Time) {
	if p := b.byID[id]; p != nil {
		p.at = at
	}
}

// idHeap is a min-heap of inbox ids.
type idHeap []uint64

func (h idHeap) Len() int           { return len(h) }
func (h idHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h idHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *idHeap) Push(x any)        { *h = append(*h, x.(uint64)) }
func (h *idHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// snapshot reads the backlog now. A resumed delivery's arrival time is
// looked up in the store the first time it is the oldest.
func (f *forwarder) snapshot() Backlog {
	f.mu.Lock()
	out := Backlog{Forwards: f.backlog.count()}
	id, at := f.backlog.first()
	f.mu.Unlock()
	if id == 0 {
		return out
	}
	if at.IsZero() {
		at = f.cfg.Now() // unreadable: counted from now, not looked up again
		if d, err := f.cfg.Store.Get(id); err == nil {
			at = d.ReceivedAt
		}
		f.mu.Lock()
		f.backlog.learn(id, at)
		f.mu.Unlock()
	}
	out.OldestPending = max(f.cfg.Now().Sub(at), 0)
	return out
}
