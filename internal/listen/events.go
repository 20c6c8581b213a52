// Package listen owns a listener's whole life (Start, Run, Stop): the
// receiver verifies Kibo's signature, drops redeliveries and keeps every
// event durably; the forwarder sends it to the developer's app, retrying
// while the app is down; the admin API serves the inbox to `kwh inbox`; the
// maintenance forgets expired ids and prunes the inbox. It reports what
// happens as typed events on a channel and never prints. It never imports
// cobra, viper or the terminal.
package listen

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// Kind names what happened.
type Kind string

const (
	KindReady     Kind = "ready"
	KindReceived  Kind = "received"
	KindDuplicate Kind = "duplicate"
	KindRejected  Kind = "rejected"
	KindSkipped   Kind = "skipped"
	KindForwarded Kind = "forwarded"
	KindFailed    Kind = "failed"
	// KindRespooled: at start, spooled forwards went to this run's targets
	// (Target is the old one, Targets the new), or wait for one.
	KindRespooled Kind = "respooled"
	KindStopped   Kind = "stopped"
	// KindDropped stands for events the display lost because it was not read
	// fast enough (Dropped says how many); storing and forwarding went on.
	KindDropped Kind = "dropped"
	// KindSetAside says the store holds entries it could not apply
	// (Pending says how many); they are kept and shown by kwh inbox.
	KindSetAside Kind = "setAside"
	// KindStoreFailing: the store cannot write (Reason says why); pushes
	// get 503 until KindStoreRecovered.
	KindStoreFailing   Kind = "storeFailing"
	KindStoreRecovered Kind = "storeRecovered"
	// KindDurability says, at start, what a crash of a shared store's
	// server (Redis) could lose (Reason), read from its settings; Lossless
	// when nothing acknowledged.
	KindDurability Kind = "durability"
	// KindPacing: acknowledgements are paced (Config.PaceAcks; Reason says
	// at what rate and why) until KindPacingEnded.
	KindPacing      Kind = "pacing"
	KindPacingEnded Kind = "pacingEnded"
)

// Event is one thing the receiver did, in the shape -o ndjson prints.
type Event struct {
	Kind       Kind      `json:"type"`
	Time       time.Time `json:"time"`
	DeliveryID uint64    `json:"deliveryId,omitempty"`
	EventID    string    `json:"eventId,omitempty"`
	Topic      string    `json:"topic,omitempty"`
	EntityID   string    `json:"entityId,omitempty"`
	Remote     string    `json:"remote,omitempty"`
	Verified   bool      `json:"verified,omitempty"`
	Target     string    `json:"target,omitempty"`
	Status     int       `json:"status,omitempty"`
	LatencyMs  float64   `json:"latencyMs,omitempty"` // a forward attempt's; on received, duplicate, skipped: the ack's, store write included
	Attempt    int       `json:"attempt,omitempty"`
	// RetryInMs is set on a failed attempt kwh will try again; GaveUp on
	// one it will not (--max-attempts, or --sync where the sender retries).
	RetryInMs int64  `json:"retryInMs,omitempty"`
	GaveUp    bool   `json:"gaveUp,omitempty"`
	Reason    string `json:"reason,omitempty"`
	Pending   int    `json:"pending,omitempty"`
	// Backlog and OldestPendingMs are set on forwarded and failed: the
	// forwards still to deliver after this one, and how long the oldest
	// of them has waited since it was received (omitted when 0).
	Backlog         int   `json:"backlog,omitempty"`
	OldestPendingMs int64 `json:"oldestPendingMs,omitempty"`
	Dropped         int   `json:"dropped,omitempty"`
	Lossless        bool  `json:"lossless,omitempty"`
	// Shared is set on stopped with a store replicas share: what stays
	// spooled is taken over by the other replicas, not resumed here.
	Shared bool `json:"shared,omitempty"`
	// Set on ready.
	URL     string   `json:"url,omitempty"`
	Targets []string `json:"targets,omitempty"`
	Store   string   `json:"store,omitempty"`
	Sync    bool     `json:"sync,omitempty"`
	// Inspector is the web inspector's URL with its per-run token.
	Inspector string `json:"inspector,omitempty"`
	// Metrics is where Prometheus metrics are scraped (--metrics-addr).
	Metrics string `json:"metrics,omitempty"`
}

// maxQueuedEvents bounds what waits for a slow reader of Events (a stdout
// pipe nobody reads): beyond it events are counted, not kept.
const maxQueuedEvents = 4096

// eventQueue is a bounded FIFO in front of the events channel, so that
// neither a request nor a forward ever waits for the presentation. When the
// reader falls behind, the excess is dropped and reported as one dropped
// event; ready and stopped are always kept.
type eventQueue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	items   []Event
	dropped int
	closed  bool
	out     chan Event
	now     func() time.Time
}

func newEventQueue(now func() time.Time) *eventQueue {
	q := &eventQueue{out: make(chan Event, 256), now: now}
	q.cond = sync.NewCond(&q.mu)
	go q.pump()
	return q
}

func (q *eventQueue) push(e Event) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	if len(q.items) >= maxQueuedEvents && e.Kind != KindReady && e.Kind != KindStopped {
		q.dropped++
		return
	}
	q.items = append(q.items, e)
	q.cond.Signal()
}

// take waits for what is queued, with a dropped event after it when some were
// lost since the last take. It reports false once closed and empty.
func (q *eventQueue) take() ([]Event, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 && q.dropped == 0 && !q.closed {
		q.cond.Wait()
	}
	batch := q.items
	q.items = nil
	if q.dropped > 0 {
		note := Event{Kind: KindDropped, Time: q.now(), Dropped: q.dropped,
			Reason: fmt.Sprintf("%d events not shown: the output was not read fast enough (all were stored and forwarded)", q.dropped)}
		// Events are dropped only while the queue is full, so the lost ones
		// came after everything queued (but a stopped, which is always kept).
		at := len(batch)
		if at > 0 && batch[at-1].Kind == KindStopped {
			at--
		}
		batch = slices.Insert(batch, at, note)
		q.dropped = 0
	}
	return batch, len(batch) > 0 || !q.closed
}

func (q *eventQueue) pump() {
	defer close(q.out)
	for {
		batch, ok := q.take()
		if !ok {
			return
		}
		for _, e := range batch {
			q.out <- e
		}
	}
}

// close lets the pump deliver what is queued, then closes the channel.
func (q *eventQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Signal()
	q.mu.Unlock()
}
