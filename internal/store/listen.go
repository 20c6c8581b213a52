// Package store is the listen store's contract: what kwh listen keeps (seen
// event ids, the spool of forwards still to do, the inbox of everything
// received), in the listen engine's terms. Backends live in subpackages
// (boltstore: bbolt behind a write-ahead log) and must pass the conformance
// suite in storetest. It never imports cobra, viper or the terminal.
package store

import (
	"errors"

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
	// Duplicates counts later copies of this event (Kibo's redeliveries);
	// they are not kept one by one, only the last arrival.
	Duplicates      int        `json:"duplicates,omitempty"`
	LastDuplicateAt *time.Time `json:"lastDuplicateAt,omitempty"`
	// SetAside says why the store could not apply this request (it is kept,
	// not deduplicated or forwarded from the store).
	SetAside string `json:"setAside,omitempty"`
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
	GaveUp bool `json:"gaveUp,omitempty"`
	// Dropped means the user moved the forward to other targets or dropped
	// it (Retarget): it was abandoned, not failed.
	Dropped bool      `json:"dropped,omitempty"`
	Error   string    `json:"error,omitempty"`
	At      time.Time `json:"at"`
}

// Pending is a delivery still to be forwarded to a target.
type Pending struct {
	DeliveryID uint64
	Target     string
	Topic      string // empty when the store does not know it
	// EntityID is set by a store.Leaser's SpoolAfter (--order entity
	// lanes need it); empty otherwise.
	EntityID string
}

// Accept describes one received request to store.
type Accept struct {
	Delivery *Delivery // ID is assigned by the store
	// DedupeKey is the spelling-independent event id; "" skips deduplication.
	DedupeKey string
	TTL       time.Duration
	// MarkSeen records the key as seen (false in --sync mode until the app said 200).
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

// ErrNotFound is returned for an inbox id that does not exist.
var ErrNotFound = errors.New("no such delivery in the inbox")

// ListenStore is what kwh listen keeps. Every write is durable when its
// method returns without error: a process killed right after loses none of
// it, and the next Open sees it. Methods are safe for concurrent use.
//
// A store shared by several receivers (Redis) implements the same contract:
// dedupe is decided by the store, so of two concurrent copies of an event
// on two replicas exactly one is new; and it is a store.Leaser, so that
// each replica forwards only the lanes it holds a lease on (Claim still
// returns every spooled forward: kwh inbox drop and the like use it).
type ListenStore interface {
	// Accept stores the delivery, giving it an inbox ID, and, unless its key
	// was seen within the TTL, marks the key seen (a.MarkSeen) and spools a
	// forward per target, in one durable write. It reports whether the
	// event was a duplicate; a duplicate is kept in the inbox, not spooled.
	Accept(a Accept) (duplicate bool, err error)
	// Seen reports whether a key is marked seen and not expired.
	Seen(key string, now time.Time) (bool, error)
	// MarkSeen records a key as seen until now+ttl.
	MarkSeen(key string, ttl time.Duration, now time.Time) error

	// Claim returns the spooled forwards this process is to deliver, in
	// arrival order: every one, for a store only this process holds.
	Claim() ([]Pending, error)
	// Fail records an attempt that did not deliver: the forward stays
	// spooled and its attempts count grows by one.
	Fail(p Pending, st ForwardState) error
	// Complete records the attempt that delivered: the forward leaves the spool.
	Complete(p Pending, st ForwardState) error
	// GiveUp records the last failed attempt (--max-attempts): the forward
	// leaves the spool undelivered.
	GiveUp(p Pending, st ForwardState) error

	// Retarget takes a spooled forward out of the spool, recorded as
	// dropped with note, and spools a forward of the same delivery to each
	// of to (none: it is only dropped), in one durable write. Attempts made
	// so far stay counted on the old target.
	Retarget(p Pending, to []string, note string, at time.Time) error

	// Get returns one inbox entry with its body and forward states, as of
	// every write acknowledged so far.
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

// SetAside is a logged change a store could not apply and kept aside, so
// that it never stops the store from opening.
type SetAside struct {
	LSN    uint64    `json:"lsn"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
	Size   int       `json:"size"` // bytes of the entry kept
}

// AsideLister is a store that may set entries aside; kwh listen reports them.
type AsideLister interface {
	SetAside() ([]SetAside, error)
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
