package store

import (
	"net/http"
	"time"
)

// Delivery is one request kwh listen received, kept in the inbox.
type Delivery struct {
	ID         uint64      `json:"id"`
	ReceivedAt time.Time   `json:"receivedAt"`
	EventID    string      `json:"eventId"`
	Topic      string      `json:"topic"`
	EntityID   string      `json:"entityId"`
	Method     string      `json:"method"`
	Path       string      `json:"path"`
	Host       string      `json:"host"`
	Remote     string      `json:"remote"`
	Header     http.Header `json:"header"`
	Body       []byte      `json:"-"`
	Verified   bool        `json:"verified"`
	Duplicate  bool        `json:"duplicate,omitempty"`
	Skipped    bool        `json:"skipped,omitempty"`
	// Targets are the URLs this delivery is (or was) to be forwarded to.
	Targets  []string                `json:"targets,omitempty"`
	Forwards map[string]ForwardState `json:"-"`
}

// ForwardState is how forwarding one delivery to one target went.
type ForwardState struct {
	Status    int  `json:"status,omitempty"`
	Attempts  int  `json:"attempts"`
	Delivered bool `json:"delivered"`
	// GaveUp means kwh stopped trying (--max-attempts): it leaves the spool undelivered.
	GaveUp bool      `json:"gaveUp,omitempty"`
	Error  string    `json:"error,omitempty"`
	At     time.Time `json:"at"`
}

// Pending is a delivery still to be forwarded to a target.
type Pending struct {
	DeliveryID uint64
	Target     string
	Topic      string // empty when the store does not know it
}

// Accept describes one received request to store.
type Accept struct {
	Delivery *Delivery // ID is assigned by the store
	// DedupeKey is the spelling-independent event id; "" skips deduplication.
	DedupeKey string
	TTL       time.Duration
	// MarkSeen records the key as seen (false in --sync mode until the app said 2xx).
	MarkSeen bool
	Now      time.Time
}

// InboxQuery selects inbox entries, newest first.
type InboxQuery struct {
	Topics []string // names or globs
	Since  time.Time
	Until  time.Time
	Limit  int
}

// ListenStore is what kwh listen keeps: seen ids with expiry, the spool of
// pending forwards, and the inbox of everything received. Writes are durable
// when a method returns.
type ListenStore interface {
	// Accept stores the delivery and, unless its key was seen within the TTL,
	// marks the key seen and spools a forward per target, in one durable
	// write. It reports whether the event was a duplicate.
	Accept(a Accept) (duplicate bool, err error)
	// Seen reports whether a key is marked seen and not expired.
	Seen(key string, now time.Time) (bool, error)
	// MarkSeen records a key as seen until now+ttl.
	MarkSeen(key string, ttl time.Duration, now time.Time) error
	// Forwarded records an attempt; a delivered or given-up one leaves the spool.
	Forwarded(p Pending, st ForwardState) error
	// Pending lists spooled forwards in arrival order.
	Pending() ([]Pending, error)
	// Get returns one inbox entry.
	Get(id uint64) (*Delivery, error)
	// Inbox lists entries, newest first.
	Inbox(q InboxQuery) ([]Delivery, error)
	// Sweep forgets seen keys that expired before now.
	Sweep(now time.Time) (int, error)
	// Prune drops inbox entries received before a time, except those still
	// waiting to be forwarded.
	Prune(before time.Time) (int, error)
	Close() error
}

// Record is a Delivery with its body and forward states, in the JSON form
// the store and kwh listen's local admin API exchange.
type Record struct {
	Delivery
	Body     []byte                  `json:"body,omitempty"`
	Forwards map[string]ForwardState `json:"forwards,omitempty"`
}

// Record returns d's full JSON form.
func (d Delivery) Record() Record { return Record{Delivery: d, Body: d.Body, Forwards: d.Forwards} }

// Full returns the Delivery with its body and forward states.
func (r Record) Full() *Delivery {
	d := r.Delivery
	d.Body, d.Forwards = r.Body, r.Forwards
	return &d
}

// InboxReader is what kwh inbox reads: the store file, or a running kwh
// listen through its local admin API.
type InboxReader interface {
	Get(id uint64) (*Delivery, error)
	Inbox(q InboxQuery) ([]Delivery, error)
	Close() error
}
