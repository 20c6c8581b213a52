package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	// seen ids are kept in memory and logged under keys that sort by expiry
	// (expiry ns + id): inserts append to the end of the tree instead of
	// dirtying a random page per event, and sweeping trims the front.
	seenBucket  = []byte("seenlog")
	inboxBucket = []byte("inbox") // id → delivery metadata (JSON, no body)
	bodyBucket  = []byte("body")  // id → raw body bytes
	fwdBucket   = []byte("fwd")   // id+target → ForwardState (JSON)
	spoolBucket = []byte("spool") // id+target → topic: forwards still to do
	stateBucket = []byte("state") // "applied" → the last log entry bbolt holds
)

// The inbox bucket holds a Record without body and forwards: those live in
// their own buckets, so a forward result rewrites a few bytes rather than the
// whole request. (Records written with a body are still read.)
type stored = Record

// ErrNotFound is returned for an inbox id that does not exist.
var ErrNotFound = errors.New("no such delivery in the inbox")

// BoltListen is the bbolt ListenStore. A change is durable once it is in the
// log (wal.go): concurrent writers are group-committed, one write and one
// fdatasync for all the changes waiting at that moment, so an idle store
// commits at once and a busy one amortises fsyncs over many requests. The
// applier (listen_apply.go) moves logged changes into bbolt in the
// background; what it has not moved yet is served from memory.
type BoltListen struct {
	db  *bolt.DB
	log *wal
	ap  *applier

	seenMu sync.Mutex
	seen   map[string]time.Time // key → expiry

	lastID atomic.Uint64 // the inbox id given last

	recentMu sync.RWMutex
	recent   map[uint64]*Delivery // accepted, not yet in bbolt

	failed error // set by the committer when the log cannot be written

	mu     sync.RWMutex // writers hold it shared while queueing; Close exclusively
	closed bool
	ops    chan *op
	wg     sync.WaitGroup
}

type op struct {
	raw  []byte // the encoded entry
	e    *entry
	err  error
	done chan struct{}
}

const maxBatch = 512

// walLimit is how far the log is written before bbolt takes all of it and
// writing starts again from the beginning (a variable for tests).
var walLimit int64 = 64 << 20

// OpenListen opens (or creates) the listen store file, mode 0600, and its
// log beside it (file + "-wal"), replaying whatever a crash left in the log.
func OpenListen(file string) (*BoltListen, error) {
	db, err := openBolt(file, func(o *bolt.Options) {
		// Large pages: the applier's big transactions write far fewer of
		// them (one pwrite each). Only a new file takes the size.
		o.PageSize = os.Getpagesize() * 16
		o.NoFreelistSync = true
		o.FreelistType = bolt.FreelistMapType
	})
	if err != nil {
		return nil, err
	}
	s := &BoltListen{db: db, ops: make(chan *op, maxBatch), seen: map[string]time.Time{}, recent: map[uint64]*Delivery{}}
	if err := s.open(file + "-wal"); err != nil {
		db.Close()
		return nil, err
	}
	s.wg.Add(1)
	go s.committer()
	return s, nil
}

func (s *BoltListen) open(logPath string) error {
	if err := s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{seenBucket, inboxBucket, bodyBucket, fwdBucket, spoolBucket, stateBucket} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	log, err := openWAL(logPath)
	if err != nil {
		return err
	}
	s.log, s.ap = log, newApplier(s)
	if err := s.replay(); err != nil {
		log.close()
		return fmt.Errorf("replaying %s: %w", logPath, err)
	}
	if err := s.loadSeen(); err != nil {
		log.close()
		return err
	}
	go s.ap.run()
	return nil
}

// replay applies what the log holds beyond bbolt's last applied entry, then
// clears the log.
func (s *BoltListen) replay() error {
	frames, err := s.log.readAll()
	if err != nil {
		return err
	}
	var todo []logged
	for _, f := range frames {
		if f.lsn <= s.ap.applied {
			continue
		}
		e, err := decodeEntry(f.entry)
		if err != nil {
			return fmt.Errorf("entry %d: %w", f.lsn, err)
		}
		todo = append(todo, logged{lsn: f.lsn, e: e})
	}
	if len(todo) > 0 {
		if err := s.ap.apply(todo); err != nil {
			return err
		}
	}
	if err := s.log.clear(); err != nil {
		return err
	}
	return s.db.View(func(tx *bolt.Tx) error {
		s.lastID.Store(tx.Bucket(inboxBucket).Sequence())
		return nil
	})
}

// committer writes queued entries to the log, a batch at a time, and hands
// them to the applier before acknowledging them.
func (s *BoltListen) committer() {
	defer s.wg.Done()
	lsn := s.ap.applied
	var buf []byte
	for first := range s.ops {
		batch := s.drain([]*op{first})
		buf = buf[:0]
		items := make([]logged, len(batch))
		for i, o := range batch {
			lsn++
			buf = appendFrame(buf, lsn, o.raw)
			items[i] = logged{lsn: lsn, e: o.e}
		}
		err := s.failed
		if err == nil {
			err = s.log.write(buf)
		}
		if err == nil {
			s.ap.add(items)
		} else if s.failed == nil {
			// After a failed fsync nothing says what reached the disk: refuse
			// every later write (Kibo retries them) rather than guess.
			s.failed = fmt.Errorf("the store's log failed, restart kwh listen: %w", err)
			err = s.failed
		}
		for _, o := range batch {
			o.err = err
			close(o.done)
		}
		if err == nil && s.log.off >= walLimit {
			s.emptyLog()
		}
	}
}

func (s *BoltListen) drain(batch []*op) []*op {
	for len(batch) < maxBatch {
		select {
		case o, ok := <-s.ops:
			if !ok {
				return batch
			}
			batch = append(batch, o)
		default:
			return batch
		}
	}
	return batch
}

// emptyLog moves everything into bbolt and rewinds the log; on failure the
// log keeps growing and replay covers it.
func (s *BoltListen) emptyLog() {
	if s.ap.flush() == nil {
		s.log.rewind()
	}
}

// write logs e in the next group commit and waits until it is durable.
func (s *BoltListen) write(e *entry) error {
	o := &op{raw: e.encode(nil), e: e, done: make(chan struct{})}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return errors.New("store closed")
	}
	s.ops <- o
	s.mu.RUnlock()
	<-o.done
	return o.err
}

func itob(n uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, n)
	return b
}

func (s *BoltListen) loadSeen() error {
	return s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(seenBucket).ForEach(func(k, _ []byte) error {
			if len(k) > 8 {
				s.seen[string(k[8:])] = time.Unix(0, int64(binary.BigEndian.Uint64(k[:8])))
			}
			return nil
		})
	})
}

func seenKey(exp int64, key string) []byte { return append(itob(uint64(exp)), key...) }

// seenMark is a seen mark taken in memory. Logging it makes it durable; when
// that fails it is taken back.
type seenMark struct {
	key       string
	exp, prev time.Time
	had       bool // prev is the mark it replaced
}

// markLocked marks key seen until exp; the caller holds seenMu.
func (s *BoltListen) markLocked(key string, exp time.Time) *seenMark {
	m := &seenMark{key: key, exp: exp}
	m.prev, m.had = s.seen[key]
	s.seen[key] = exp
	return m
}

// into puts the mark in a log entry, with the mark it replaces so the
// applier can drop that one's key.
func (m *seenMark) into(e *entry) {
	e.key, e.exp = m.key, m.exp.UnixNano()
	if m.had {
		e.prevExp = m.prev.UnixNano()
	}
}

// unmark takes back a mark whose entry could not be logged.
func (s *BoltListen) unmark(m *seenMark) {
	s.seenMu.Lock()
	defer s.seenMu.Unlock()
	if !s.seen[m.key].Equal(m.exp) {
		return // marked again since
	}
	if m.had {
		s.seen[m.key] = m.prev
	} else {
		delete(s.seen, m.key)
	}
}

func (s *BoltListen) isSeen(key string, now time.Time) bool {
	s.seenMu.Lock()
	defer s.seenMu.Unlock()
	return s.seen[key].After(now)
}

// Accept implements ListenStore. The dedupe decision is taken in memory, so
// of two concurrent copies of an event exactly one is new.
func (s *BoltListen) Accept(a Accept) (bool, error) {
	d := *a.Delivery
	e := &entry{kind: entryAccept}
	var m *seenMark
	if a.DedupeKey != "" {
		s.seenMu.Lock()
		d.Duplicate = s.seen[a.DedupeKey].After(a.Now)
		if !d.Duplicate && a.MarkSeen {
			m = s.markLocked(a.DedupeKey, a.Now.Add(a.TTL))
			m.into(e)
		}
		s.seenMu.Unlock()
	}
	if d.Duplicate {
		d.Targets = nil
	}
	d.ID, d.Forwards = s.lastID.Add(1), nil
	meta, err := json.Marshal(stored{Delivery: d})
	if err == nil {
		e.id, e.topic, e.targets, e.meta, e.body = d.ID, d.Topic, d.Targets, meta, d.Body
		s.setRecent(d.ID, &d)
		err = s.write(e)
	}
	if err != nil {
		if m != nil {
			s.unmark(m)
		}
		s.dropRecent([]uint64{d.ID})
		return false, err
	}
	a.Delivery.ID, a.Delivery.Duplicate = d.ID, d.Duplicate
	return d.Duplicate, nil
}

func (s *BoltListen) setRecent(id uint64, d *Delivery) {
	s.recentMu.Lock()
	s.recent[id] = d
	s.recentMu.Unlock()
}

func (s *BoltListen) dropRecent(ids []uint64) {
	s.recentMu.Lock()
	for _, id := range ids {
		delete(s.recent, id)
	}
	s.recentMu.Unlock()
}

func spoolKey(id uint64, target string) []byte { return append(itob(id), target...) }

// Seen implements ListenStore.
func (s *BoltListen) Seen(key string, now time.Time) (bool, error) {
	return s.isSeen(key, now), nil
}

// MarkSeen implements ListenStore.
func (s *BoltListen) MarkSeen(key string, ttl time.Duration, now time.Time) error {
	s.seenMu.Lock()
	m := s.markLocked(key, now.Add(ttl))
	s.seenMu.Unlock()
	e := &entry{kind: entrySeen}
	m.into(e)
	if err := s.write(e); err != nil {
		s.unmark(m)
		return err
	}
	return nil
}

// Forwarded implements ListenStore. Attempts are counted when the entry
// reaches bbolt.
func (s *BoltListen) Forwarded(p Pending, st ForwardState) error {
	st.Attempts = 0
	raw, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return s.write(&entry{kind: entryForward, id: p.DeliveryID, target: p.Target, state: raw})
}

// Pending implements ListenStore.
func (s *BoltListen) Pending() ([]Pending, error) {
	if err := s.ap.flush(); err != nil {
		return nil, err
	}
	var out []Pending
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(spoolBucket).ForEach(func(k, v []byte) error {
			if len(k) < 8 {
				return nil
			}
			out = append(out, Pending{DeliveryID: binary.BigEndian.Uint64(k[:8]), Target: string(k[8:]), Topic: string(v)})
			return nil
		})
	})
	return out, err
}

// Get implements ListenStore.
func (s *BoltListen) Get(id uint64) (*Delivery, error) {
	s.recentMu.RLock()
	r := s.recent[id]
	s.recentMu.RUnlock()
	if r != nil {
		d := *r
		return &d, nil
	}
	var d *Delivery
	err := s.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(inboxBucket).Get(itob(id))
		if raw == nil {
			return fmt.Errorf("%w: %d", ErrNotFound, id)
		}
		got, err := load(tx, raw)
		d = got
		return err
	})
	return d, err
}

// load rebuilds a Delivery from its metadata, body and forward states.
func load(tx *bolt.Tx, meta []byte) (*Delivery, error) {
	var st stored
	if err := json.Unmarshal(meta, &st); err != nil {
		return nil, err
	}
	d := st.Delivery
	key := itob(d.ID)
	d.Body = append([]byte(nil), tx.Bucket(bodyBucket).Get(key)...)
	if st.Body != nil { // written before bodies had their own bucket
		d.Body = st.Body
	}
	c := tx.Bucket(fwdBucket).Cursor()
	for k, v := c.Seek(key); k != nil && bytes.HasPrefix(k, key); k, v = c.Next() {
		var f ForwardState
		if err := json.Unmarshal(v, &f); err != nil {
			return nil, err
		}
		if d.Forwards == nil {
			d.Forwards = map[string]ForwardState{}
		}
		d.Forwards[string(k[8:])] = f
	}
	return &d, nil
}

// Inbox implements ListenStore.
func (s *BoltListen) Inbox(q InboxQuery) ([]Delivery, error) {
	if err := s.ap.flush(); err != nil {
		return nil, err
	}
	var out []Delivery
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(inboxBucket).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			dp, err := load(tx, v)
			if err != nil {
				return err
			}
			d := *dp
			if !q.Since.IsZero() && d.ReceivedAt.Before(q.Since) {
				break // newest first: everything after is older
			}
			if (!q.Until.IsZero() && !d.ReceivedAt.Before(q.Until)) || !topicMatches(q.Topics, d.Topic) {
				continue
			}
			out = append(out, d)
			if q.Limit > 0 && len(out) >= q.Limit {
				break
			}
		}
		return nil
	})
	return out, err
}

func topicMatches(patterns []string, topic string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(topic)); ok {
			return true
		}
	}
	return false
}

// Sweep implements ListenStore.
func (s *BoltListen) Sweep(now time.Time) (int, error) {
	n := 0
	err := s.update(func(tx *bolt.Tx) error {
		c := tx.Bucket(seenBucket).Cursor()
		limit := itob(uint64(now.UnixNano()))
		// Keys sort by expiry: everything expired is at the front.
		for k, _ := c.First(); k != nil && bytes.Compare(k[:8], limit) <= 0; k, _ = c.First() {
			if err := c.Delete(); err != nil {
				return err
			}
			s.seenMu.Lock()
			if exp, ok := s.seen[string(k[8:])]; ok && !exp.After(now) {
				delete(s.seen, string(k[8:]))
			}
			s.seenMu.Unlock()
			n++
		}
		return nil
	})
	return n, err
}

// Prune implements ListenStore. Inbox ids grow with time, so it walks from
// the oldest and stops at the first entry young enough to keep.
func (s *BoltListen) Prune(before time.Time) (int, error) {
	n := 0
	err := s.update(func(tx *bolt.Tx) error {
		inbox, spool := tx.Bucket(inboxBucket), tx.Bucket(spoolBucket).Cursor()
		c := inbox.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var meta struct{ ReceivedAt time.Time }
			if err := json.Unmarshal(v, &meta); err != nil {
				return err
			}
			if !meta.ReceivedAt.Before(before) {
				return nil
			}
			if sk, _ := spool.Seek(k); sk != nil && bytes.HasPrefix(sk, k) {
				continue // still to be forwarded: keep it
			}
			if err := deletePrefix(tx.Bucket(fwdBucket), k); err != nil {
				return err
			}
			if err := tx.Bucket(bodyBucket).Delete(k); err != nil {
				return err
			}
			if err := c.Delete(); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

func deletePrefix(b *bolt.Bucket, prefix []byte) error {
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// update changes bbolt directly, after everything logged has reached it.
func (s *BoltListen) update(fn func(tx *bolt.Tx) error) error {
	if err := s.ap.flush(); err != nil {
		return err
	}
	return s.db.Update(fn)
}

// Close stops the committer after pending writes, moves the log into bbolt
// and closes both files.
func (s *BoltListen) Close() error {
	if !s.stopWriters() {
		return nil
	}
	err := s.ap.stop(true)
	if err == nil {
		err = s.log.clear()
	}
	return errors.Join(err, s.log.close(), s.db.Close())
}

// stopWriters refuses new writes and waits for the queued ones; false if the
// store was already closed.
func (s *BoltListen) stopWriters() bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	s.closed = true
	close(s.ops)
	s.mu.Unlock()
	s.wg.Wait()
	return true
}
