package boltstore

import (
	"bytes"
	"encoding/binary"
	"time"

	bolt "go.etcd.io/bbolt"
)

// loadSeen reads the logged seen marks into memory at open.
func (s *Store) loadSeen() error {
	return s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(seenBucket).ForEach(func(k, v []byte) error {
			if len(k) > 8 {
				s.seen[string(k[8:])] = time.Unix(0, int64(binary.BigEndian.Uint64(k[:8])))
				if len(v) == 8 && binary.BigEndian.Uint64(v) != 0 {
					s.origin[string(k[8:])] = binary.BigEndian.Uint64(v)
				}
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
func (s *Store) markLocked(key string, exp time.Time) *seenMark {
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
func (s *Store) unmark(m *seenMark) {
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

func (s *Store) isSeen(key string, now time.Time) bool {
	s.seenMu.Lock()
	defer s.seenMu.Unlock()
	return s.seen[key].After(now)
}

// Seen implements store.ListenStore.
func (s *Store) Seen(key string, now time.Time) (bool, error) {
	return s.isSeen(key, now), nil
}

// MarkSeen implements store.ListenStore.
func (s *Store) MarkSeen(key string, ttl time.Duration, now time.Time) error {
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

// Sweep implements store.ListenStore.
func (s *Store) Sweep(now time.Time) (int, error) {
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
				delete(s.origin, string(k[8:]))
			}
			s.seenMu.Unlock()
			n++
		}
		return nil
	})
	return n, err
}
