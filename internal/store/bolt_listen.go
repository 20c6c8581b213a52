package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
	"sync"
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
	spoolBucket = []byte("spool") // id+target → nothing: forwards still to do
)

// The inbox bucket holds a Record without body and forwards: those live in
// their own buckets, so a forward result rewrites a few bytes rather than the
// whole request. (Records written with a body are still read.)
type stored = Record

// ErrNotFound is returned for an inbox id that does not exist.
var ErrNotFound = errors.New("no such delivery in the inbox")

// BoltListen is the bbolt ListenStore. Concurrent writes are group-committed:
// a single goroutine applies every write waiting at that moment in one
// transaction and one fsync, so an idle store commits at once and a busy one
// amortises fsyncs over many requests.
type BoltListen struct {
	db *bolt.DB

	seenMu sync.RWMutex
	seen   map[string]time.Time // key → expiry; written only by the committer

	mu     sync.RWMutex // writers hold it shared while queueing; Close exclusively
	closed bool
	ops    chan *op
	wg     sync.WaitGroup
}

type op struct {
	apply func(tx *bolt.Tx) error
	err   error
	done  chan struct{}
}

const maxBatch = 512

// OpenListen opens (or creates) the listen store file, mode 0600.
func OpenListen(file string) (*BoltListen, error) {
	db, err := openBolt(file)
	if err != nil {
		return nil, err
	}
	db.NoFreelistSync = true
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{seenBucket, inboxBucket, bodyBucket, fwdBucket, spoolBucket} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		db.Close()
		return nil, err
	}
	s := &BoltListen{db: db, ops: make(chan *op, maxBatch), seen: map[string]time.Time{}}
	if err := s.loadSeen(); err != nil {
		db.Close()
		return nil, err
	}
	s.wg.Add(1)
	go s.committer()
	return s, nil
}

func (s *BoltListen) committer() {
	defer s.wg.Done()
	for first := range s.ops {
		batch := []*op{first}
	drain:
		for len(batch) < maxBatch {
			select {
			case o, ok := <-s.ops:
				if !ok {
					break drain
				}
				batch = append(batch, o)
			default:
				break drain
			}
		}
		err := s.db.Update(func(tx *bolt.Tx) error {
			for _, o := range batch {
				o.err = o.apply(tx)
			}
			return nil
		})
		for _, o := range batch {
			if err != nil {
				o.err = err
			}
			close(o.done)
		}
	}
}

// write runs apply in the next group commit and waits until it is durable.
func (s *BoltListen) write(apply func(tx *bolt.Tx) error) error {
	o := &op{apply: apply, done: make(chan struct{})}
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

// markSeen logs key as seen until exp, inside a write transaction.
func (s *BoltListen) markSeen(tx *bolt.Tx, key string, exp time.Time) error {
	b := tx.Bucket(seenBucket)
	s.seenMu.Lock()
	prev, had := s.seen[key]
	s.seen[key] = exp
	s.seenMu.Unlock()
	if had {
		_ = b.Delete(seenKey(prev, key))
	}
	return b.Put(seenKey(exp, key), nil)
}

func seenKey(exp time.Time, key string) []byte { return append(itob(uint64(exp.UnixNano())), key...) }

func (s *BoltListen) isSeen(key string, now time.Time) bool {
	s.seenMu.RLock()
	defer s.seenMu.RUnlock()
	return s.seen[key].After(now)
}

// Accept implements ListenStore.
func (s *BoltListen) Accept(a Accept) (bool, error) {
	var dup bool
	err := s.write(func(tx *bolt.Tx) error {
		dup = a.DedupeKey != "" && s.isSeen(a.DedupeKey, a.Now)
		inbox := tx.Bucket(inboxBucket)
		id, err := inbox.NextSequence()
		if err != nil {
			return err
		}
		d := stored{Delivery: *a.Delivery}
		d.ID, d.Duplicate, d.Body, d.Forwards = id, dup, nil, nil
		if dup {
			d.Targets = nil
		}
		raw, err := json.Marshal(d)
		if err != nil {
			return err
		}
		if err := inbox.Put(itob(id), raw); err != nil {
			return err
		}
		if err := tx.Bucket(bodyBucket).Put(itob(id), a.Delivery.Body); err != nil {
			return err
		}
		a.Delivery.ID, a.Delivery.Duplicate = id, dup
		if dup {
			return nil
		}
		if a.MarkSeen && a.DedupeKey != "" {
			if err := s.markSeen(tx, a.DedupeKey, a.Now.Add(a.TTL)); err != nil {
				return err
			}
		}
		spool := tx.Bucket(spoolBucket)
		for _, t := range d.Targets {
			// The topic rides along so a restart can rebuild lanes without reading every event.
			if err := spool.Put(spoolKey(id, t), []byte(d.Topic)); err != nil {
				return err
			}
		}
		return nil
	})
	return dup, err
}

func spoolKey(id uint64, target string) []byte { return append(itob(id), target...) }

// Seen implements ListenStore.
func (s *BoltListen) Seen(key string, now time.Time) (bool, error) {
	return s.isSeen(key, now), nil
}

// MarkSeen implements ListenStore.
func (s *BoltListen) MarkSeen(key string, ttl time.Duration, now time.Time) error {
	return s.write(func(tx *bolt.Tx) error { return s.markSeen(tx, key, now.Add(ttl)) })
}

// Forwarded implements ListenStore.
func (s *BoltListen) Forwarded(p Pending, st ForwardState) error {
	key := spoolKey(p.DeliveryID, p.Target)
	return s.write(func(tx *bolt.Tx) error {
		fwd := tx.Bucket(fwdBucket)
		var prev ForwardState
		if raw := fwd.Get(key); raw != nil {
			_ = json.Unmarshal(raw, &prev)
		}
		st.Attempts = prev.Attempts + 1
		raw, err := json.Marshal(st)
		if err != nil {
			return err
		}
		if err := fwd.Put(key, raw); err != nil {
			return err
		}
		if st.Delivered || st.GaveUp {
			return tx.Bucket(spoolBucket).Delete(spoolKey(p.DeliveryID, p.Target))
		}
		return nil
	})
}

// Pending implements ListenStore.
func (s *BoltListen) Pending() ([]Pending, error) {
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
	err := s.write(func(tx *bolt.Tx) error {
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
	err := s.write(func(tx *bolt.Tx) error {
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

// Close stops the committer after pending writes and closes the file.
func (s *BoltListen) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.ops)
	s.mu.Unlock()
	s.wg.Wait()
	return s.db.Close()
}
