// Package listen owns a listener's whole life (Start, Run, Stop): the
// receiver verifies Kibo's signature, drops redeliveries and keeps every
// event durably; the forwarder sends it to the developer's app, retrying
// while the app is down; the admin API serves the inbox to `kwh inbox`; the
// maintenance forgets expired ids and prunes the inbox. It reports what
// happens as typed events on a channel and never prints. It never imports
// cobra, viper or the terminal.
package listen

import (
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
	KindRetrying  Kind = "retrying"
	KindFailed    Kind = "failed"
	KindStopped   Kind = "stopped"
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
	LatencyMs  float64   `json:"latencyMs,omitempty"`
	Attempt    int       `json:"attempt,omitempty"`
	RetryInMs  int64     `json:"retryInMs,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	Pending    int       `json:"pending,omitempty"`
	// Set on ready.
	URL     string   `json:"url,omitempty"`
	Targets []string `json:"targets,omitempty"`
	Store   string   `json:"store,omitempty"`
	Sync    bool     `json:"sync,omitempty"`
}

// eventQueue is an unbounded FIFO in front of the events channel, so that
// neither a request nor a forward ever waits for the presentation.
type eventQueue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	items  []Event
	closed bool
	out    chan Event
}

func newEventQueue() *eventQueue {
	q := &eventQueue{out: make(chan Event, 256)}
	q.cond = sync.NewCond(&q.mu)
	go q.pump()
	return q
}

func (q *eventQueue) push(e Event) {
	q.mu.Lock()
	if !q.closed {
		q.items = append(q.items, e)
		q.cond.Signal()
	}
	q.mu.Unlock()
}

func (q *eventQueue) pump() {
	defer close(q.out)
	for {
		q.mu.Lock()
		for len(q.items) == 0 && !q.closed {
			q.cond.Wait()
		}
		if len(q.items) == 0 && q.closed {
			q.mu.Unlock()
			return
		}
		batch := q.items
		q.items = nil
		q.mu.Unlock()
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
