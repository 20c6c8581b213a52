package boltstore

import (
	"github.com/kwh-cli/kwh/internal/store"

	"encoding/binary"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The applier moves logged entries into bbolt in the background, in large
// transactions: when applyBatch entries are waiting or applyAfter has passed
// since the first, or at once when a reader asks (flush).
const applyBatch = 4096

var applyAfter = 100 * time.Millisecond // a variable for tests

var appliedKey = []byte("applied")

// logged is an entry with its place in the log. An entry the log holds
// but that does not decode has e nil, its raw bytes and why (bad). A live
// entry was built by this process from typed values, so its inbox record
// need not be parsed again to know the inbox can read it back; an entry
// replayed from the log file is checked.
type logged struct {
	lsn  uint64
	e    *entry
	raw  []byte
	bad  error
	live bool
}

type applier struct {
	s       *Store
	applied uint64 // the last LSN in bbolt; read by the committer only at its start

	mu    sync.Mutex
	queue []logged

	kick    chan struct{} // the queue became non-empty
	full    chan struct{} // the queue reached applyBatch
	flushes chan chan error
	quit    chan bool // true: apply what is queued first
	done    chan error
}

func newApplier(s *Store) *applier {
	a := &applier{s: s, kick: make(chan struct{}, 1), full: make(chan struct{}, 1),
		flushes: make(chan chan error), quit: make(chan bool), done: make(chan error, 1)}
	_ = s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(stateBucket).Get(appliedKey); len(v) == 8 {
			a.applied = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return a
}

// add queues entries the committer made durable, in log order.
func (a *applier) add(items []logged) {
	a.mu.Lock()
	wasEmpty := len(a.queue) == 0
	a.queue = append(a.queue, items...)
	isFull := len(a.queue) >= applyBatch
	a.mu.Unlock()
	if wasEmpty {
		signal(a.kick)
	}
	if isFull {
		signal(a.full)
	}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// flush applies everything queued so far and reports how it went.
func (a *applier) flush() error {
	reply := make(chan error, 1)
	a.flushes <- reply
	return <-reply
}

// stop ends the applier, first applying what is queued when apply is true
// (a crash test passes false).
func (a *applier) stop(apply bool) error {
	a.quit <- apply
	return <-a.done
}

func (a *applier) run() {
	timer := time.NewTimer(applyAfter)
	timer.Stop()
	for {
		select {
		case <-a.kick:
			timer.Reset(applyAfter)
			continue
		case <-timer.C:
		case <-a.full:
		case reply := <-a.flushes:
			reply <- a.applyQueued()
			continue
		case apply := <-a.quit:
			var err error
			if apply {
				err = a.applyQueued()
			}
			a.done <- err
			return
		}
		// A failure leaves the entries queued (and in the log): the next
		// round, a flush or the next start retries them.
		_ = a.applyQueued()
	}
}

func (a *applier) applyQueued() error {
	a.mu.Lock()
	items := a.queue
	a.queue = nil
	a.mu.Unlock()
	if len(items) == 0 {
		return nil
	}
	if err := a.apply(items); err != nil {
		a.mu.Lock()
		a.queue = append(items, a.queue...)
		a.mu.Unlock()
		return err
	}
	a.s.applied(items)
	return nil
}

// apply writes entries (all beyond what bbolt holds, in log order) to bbolt
// in one transaction and records the last one. An entry that cannot be
// applied is set aside (aside.go), never allowed to block the rest.
func (a *applier) apply(items []logged) error {
	if err := a.applyAll(items); err != nil {
		return err
	}
	a.applied = items[len(items)-1].lsn
	return nil
}

// buckets are the listen store's buckets within one transaction.
type buckets struct{ seen, inbox, body, fwd, spool *bolt.Bucket }

func bucketsOf(tx *bolt.Tx) buckets {
	return buckets{tx.Bucket(seenBucket), tx.Bucket(inboxBucket), tx.Bucket(bodyBucket), tx.Bucket(fwdBucket), tx.Bucket(spoolBucket)}
}

func (b buckets) apply(e *entry, live bool) error {
	switch e.kind {
	case entryAccept:
		return b.accept(e, live)
	case entryForward:
		return b.forward(e)
	case entrySeen:
		return b.mark(e)
	case entryRetarget:
		return b.retarget(e)
	case entryDup:
		return b.duplicate(e)
	}
	return errBadEntry
}

func (b buckets) accept(e *entry, live bool) error {
	// What the inbox cannot read back is set aside rather than stored.
	if !live {
		var rec stored
		if err := json.Unmarshal(e.meta, &rec); err != nil {
			return fmt.Errorf("the inbox record is not readable: %w", err)
		}
	}
	key := itob(e.id)
	if err := b.inbox.Put(key, e.meta); err != nil {
		return err
	}
	if e.id > b.inbox.Sequence() {
		if err := b.inbox.SetSequence(e.id); err != nil {
			return err
		}
	}
	if err := b.body.Put(key, e.body); err != nil {
		return err
	}
	if err := b.mark(e); err != nil {
		return err
	}
	for _, t := range e.targets {
		// The topic rides along so a restart can rebuild lanes without reading every event.
		if err := b.spool.Put(spoolKey(e.id, t), []byte(e.topic)); err != nil {
			return err
		}
	}
	return nil
}

// mark logs a seen key under its expiry, replacing the mark it superseded.
func (b buckets) mark(e *entry) error {
	if e.key == "" {
		return nil
	}
	if e.prevExp != 0 {
		_ = b.seen.Delete(seenKey(e.prevExp, e.key))
	}
	// The value is the first copy's inbox id (0 for a mark on its own), so
	// later copies are counted on it after a restart too.
	return b.seen.Put(seenKey(e.exp, e.key), itob(e.id))
}

// duplicate counts another copy on the first one's inbox record; a record
// pruned meanwhile has nothing to count on.
func (b buckets) duplicate(e *entry) error {
	key := itob(e.id)
	raw := b.inbox.Get(key)
	if raw == nil {
		return nil
	}
	var rec stored
	if err := json.Unmarshal(raw, &rec); err != nil {
		return err
	}
	at := time.Unix(0, e.exp).UTC()
	rec.Duplicates++
	rec.LastDuplicateAt = &at
	meta, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return b.inbox.Put(key, meta)
}

// forward records an attempt, counting it; a delivered or given-up one
// leaves the spool.
func (b buckets) forward(e *entry) error {
	key := spoolKey(e.id, e.target)
	var st store.ForwardState
	if e.fwd != nil {
		st = *e.fwd
	} else if err := json.Unmarshal(e.state, &st); err != nil {
		return err
	}
	var prev struct {
		Attempts int `json:"attempts"`
	}
	if raw := b.fwd.Get(key); raw != nil {
		_ = json.Unmarshal(raw, &prev)
	}
	st.Attempts = prev.Attempts + 1
	raw, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if err := b.fwd.Put(key, raw); err != nil {
		return err
	}
	if st.Delivered || st.GaveUp {
		return b.spool.Delete(key)
	}
	return nil
}
