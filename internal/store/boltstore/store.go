// Package boltstore is the listen store (store.ListenStore) in an embedded
// go.etcd.io/bbolt file behind a write-ahead log: kwh listen's default
// backend, for one process at a time. It never imports cobra, viper or the
// terminal.
package boltstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/store/boltfile"
)

var (
	// seen ids are kept in memory and logged under keys that sort by expiry
	// (expiry ns + id): inserts append to the end of the tree instead of
	// dirtying a random page per event, and sweeping trims the front.
	seenBucket  = []byte("seenlog")
	inboxBucket = []byte("inbox") // id → delivery metadata (JSON, no body)
	bodyBucket  = []byte("body")  // id → raw body bytes
	fwdBucket   = []byte("fwd")   // id+target → store.ForwardState (JSON)
	spoolBucket = []byte("spool") // id+target → topic: forwards still to do
	stateBucket = []byte("state") // "applied" → the last log entry bbolt holds
)

// The inbox bucket holds a store.Record without body and forwards: those live in
// their own buckets, so a forward result rewrites a few bytes rather than the
// whole request. (Records written with a body are still read.)
type stored = store.Record

// Store is the bbolt store.ListenStore. A change is durable once it is in the
// log (wal.go): concurrent writers are group-committed, one write and one
// fdatasync for all the changes waiting at that moment, so an idle store
// commits at once and a busy one amortises fsyncs over many requests (and
// spaces its commits: commitWait). The
// applier (apply.go) moves logged changes into bbolt in the
// background; what it has not moved yet is served from memory.
type Store struct {
	store.ForwardRecorder // Fail, Complete, GiveUp: s.forward

	db  *bolt.DB
	log *wal
	ap  *applier

	seenMu sync.Mutex
	seen   map[string]time.Time // key → expiry
	origin map[string]uint64    // key → the inbox id of its first copy, when known

	lastID atomic.Uint64 // the inbox id given last

	recentMu  sync.RWMutex
	recent    map[uint64]*store.Delivery // accepted, not yet in bbolt
	unapplied map[uint64]int             // delivery → forward entries not yet in bbolt

	mu     sync.RWMutex // writers hold it shared while queueing; Close exclusively
	closed bool
	ops    chan *op
	wg     sync.WaitGroup

	pause   func(time.Duration) // waits out commitSpacing: time.Sleep but in tests
	commits atomic.Uint64       // group commits so far
	// The committer's own: when its last commit started, how many changes.
	lastStart time.Time
	lastBatch int
}

type op struct {
	raw  []byte // the encoded entry
	e    *entry
	err  error
	done chan struct{}
}

const maxBatch = 512

// commitSpacing is the least time between the starts of two group commits
// of a busy store, one whose last commit carried several changes: a commit
// that follows such a one closely waits out the rest, so that a busy store
// fsyncs at most ~1,000 times a second with more changes each (every fsync
// costs the disk a flush and, on a virtual machine, an exit to the host). A
// store that was idle, or that one writer uses a change at a time (kwh
// inbox drop), commits at once.
var commitSpacing = time.Millisecond

// busyBatch is how many changes a commit carries when the store is busy:
// fewer, and the next commit does not wait (at 1,000 pushes a second a
// commit carries one or two, and waiting would only add to every ack).
const busyBatch = 4

// commitWait is how long the next commit waits: the rest of commitSpacing
// after a commit of several changes that started since ago, else nothing.
func commitWait(lastBatch int, since time.Duration) time.Duration {
	if lastBatch < busyBatch || since >= commitSpacing {
		return 0
	}
	return commitSpacing - since
}

// walLimit is how far the log is written before bbolt takes all of it and
// writing starts again from the beginning (a variable for tests).
var walLimit int64 = 64 << 20

// Open opens (or creates) the listen store file, mode 0600, and its
// log beside it (file + "-wal"), redoing whatever a crash left in the log.
func Open(file string) (*Store, error) {
	db, err := boltfile.Open(file, func(o *bolt.Options) {
		// Large pages: the applier's big transactions write far fewer of
		// them (one pwrite each). Only a new file takes the size.
		o.PageSize = os.Getpagesize() * 16
		o.NoFreelistSync = true
		o.FreelistType = bolt.FreelistMapType
	})
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, ops: make(chan *op, maxBatch), seen: map[string]time.Time{}, origin: map[string]uint64{}, recent: map[uint64]*store.Delivery{}, unapplied: map[uint64]int{}, pause: time.Sleep}
	s.ForwardRecorder = s.forward
	if err := s.open(file + "-wal"); err != nil {
		db.Close()
		return nil, err
	}
	s.wg.Add(1)
	go s.committer()
	return s, nil
}

func (s *Store) open(logPath string) error {
	if err := s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{seenBucket, inboxBucket, bodyBucket, fwdBucket, spoolBucket, stateBucket, asideBucket} {
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
	if err := s.redoLog(); err != nil {
		log.close()
		return fmt.Errorf("recovering from %s: %w", logPath, err)
	}
	if err := s.loadSeen(); err != nil {
		log.close()
		return err
	}
	go s.ap.run()
	return nil
}

// redoLog applies what the log holds beyond bbolt's last applied entry, then
// clears the log.
func (s *Store) redoLog() error {
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
			// Intact in the log yet unreadable: set aside, not fatal.
			todo = append(todo, logged{lsn: f.lsn, raw: f.entry, bad: fmt.Errorf("log entry %d: %w", f.lsn, err)})
			continue
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
func (s *Store) committer() {
	defer s.wg.Done()
	lsn := s.ap.applied
	durable := lsn
	var buf []byte
	for first := range s.ops {
		if wait := commitWait(s.lastBatch, time.Since(s.lastStart)); wait > 0 {
			s.pause(wait)
		}
		s.lastStart = time.Now()
		batch := s.drain([]*op{first})
		s.lastBatch = len(batch)
		s.commits.Add(1)
		buf = buf[:0]
		items := make([]logged, len(batch))
		for i, o := range batch {
			lsn++
			buf = appendFrame(buf, lsn, o.raw)
			items[i] = logged{lsn: lsn, e: o.e, live: true}
		}
		err := s.log.write(buf)
		if err == nil {
			s.ap.add(items)
			durable = lsn
		} else {
			// Nothing of this batch is acknowledged: its LSNs are given
			// again and its frames overwritten by the next write, so the
			// log stays one unbroken run. A full disk heals by itself.
			lsn = durable
			err = fmt.Errorf("writing the store's log: %w", err)
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

func (s *Store) drain(batch []*op) []*op {
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
// log keeps growing and redoLog covers it at the next open.
func (s *Store) emptyLog() {
	if s.ap.flush() == nil {
		s.log.rewind()
	}
}

// write logs e in the next group commit and waits until it is durable.
func (s *Store) write(e *entry) error {
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

// Close stops the committer after pending writes, moves the log into bbolt
// and closes both files.
func (s *Store) Close() error {
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
func (s *Store) stopWriters() bool {
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
