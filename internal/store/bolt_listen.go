package store

import (
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
	seenBucket  = []byte("seen")
	inboxBucket = []byte("inbox")
	spoolBucket = []byte("spool")
)

// ErrNotFound is returned for an inbox id that does not exist.
var ErrNotFound = errors.New("no such delivery in the inbox")

// BoltListen is the bbolt ListenStore. Concurrent writes are group-committed:
// a single goroutine applies every write waiting at that moment in one
// transaction and one fsync, so an idle store commits at once and a busy one
// amortises fsyncs over many requests.
type BoltListen struct {
	db *bolt.DB

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
		for _, b := range [][]byte{seenBucket, inboxBucket, spoolBucket} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		db.Close()
		return nil, err
	}
	s := &BoltListen{db: db, ops: make(chan *op, maxBatch)}
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

func expiryOf(v []byte) time.Time {
	if len(v) != 8 {
		return time.Time{}
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(v)))
}

// Accept implements ListenStore.
func (s *BoltListen) Accept(a Accept) (bool, error) {
	var dup bool
	err := s.write(func(tx *bolt.Tx) error {
		dup = false
		seen := tx.Bucket(seenBucket)
		if a.DedupeKey != "" {
			if exp := expiryOf(seen.Get([]byte(a.DedupeKey))); exp.After(a.Now) {
				dup = true
			}
		}
		inbox := tx.Bucket(inboxBucket)
		id, err := inbox.NextSequence()
		if err != nil {
			return err
		}
		d := *a.Delivery
		d.ID, d.Duplicate = id, dup
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
		a.Delivery.ID, a.Delivery.Duplicate = id, dup
		if dup {
			return nil
		}
		if a.MarkSeen && a.DedupeKey != "" {
			if err := seen.Put([]byte(a.DedupeKey), itob(uint64(a.Now.Add(a.TTL).UnixNano()))); err != nil {
				return err
			}
		}
		spool := tx.Bucket(spoolBucket)
		for _, t := range d.Targets {
			if err := spool.Put(spoolKey(id, t), nil); err != nil {
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
	var seen bool
	err := s.db.View(func(tx *bolt.Tx) error {
		seen = expiryOf(tx.Bucket(seenBucket).Get([]byte(key))).After(now)
		return nil
	})
	return seen, err
}

// MarkSeen implements ListenStore.
func (s *BoltListen) MarkSeen(key string, ttl time.Duration, now time.Time) error {
	return s.write(func(tx *bolt.Tx) error {
		return tx.Bucket(seenBucket).Put([]byte(key), itob(uint64(now.Add(ttl).UnixNano())))
	})
}

// Forwarded implements ListenStore.
func (s *BoltListen) Forwarded(p Pending, st ForwardState) error {
	return s.write(func(tx *bolt.Tx) error {
		inbox := tx.Bucket(inboxBucket)
		raw := inbox.Get(itob(p.DeliveryID))
		if raw != nil {
			var d Delivery
			if err := json.Unmarshal(raw, &d); err != nil {
				return err
			}
			if d.Forwards == nil {
				d.Forwards = map[string]ForwardState{}
			}
			st.Attempts = d.Forwards[p.Target].Attempts + 1
			d.Forwards[p.Target] = st
			if raw, err := json.Marshal(d); err != nil {
				return err
			} else if err := inbox.Put(itob(p.DeliveryID), raw); err != nil {
				return err
			}
		}
		if st.Delivered {
			return tx.Bucket(spoolBucket).Delete(spoolKey(p.DeliveryID, p.Target))
		}
		return nil
	})
}

// Pending implements ListenStore.
func (s *BoltListen) Pending() ([]Pending, error) {
	var out []Pending
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(spoolBucket).ForEach(func(k, _ []byte) error {
			if len(k) < 8 {
				return nil
			}
			out = append(out, Pending{DeliveryID: binary.BigEndian.Uint64(k[:8]), Target: string(k[8:])})
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
		d = &Delivery{}
		return json.Unmarshal(raw, d)
	})
	return d, err
}

// Inbox implements ListenStore.
func (s *BoltListen) Inbox(q InboxQuery) ([]Delivery, error) {
	var out []Delivery
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(inboxBucket).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var d Delivery
			if err := json.Unmarshal(v, &d); err != nil {
				return err
			}
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
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if !expiryOf(v).After(now) {
				if err := c.Delete(); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	})
	return n, err
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
