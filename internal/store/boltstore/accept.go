package boltstore

import (
	"encoding/json"

	"github.com/kwh-cli/kwh/internal/store"
)

// Accept implements store.ListenStore. The dedupe decision is taken in memory, so
// of two concurrent copies of an event exactly one is new.
func (s *Store) Accept(a store.Accept) (bool, error) {
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

func (s *Store) setRecent(id uint64, d *store.Delivery) {
	s.recentMu.Lock()
	s.recent[id] = d
	s.recentMu.Unlock()
}

func (s *Store) dropRecent(ids []uint64) {
	s.recentMu.Lock()
	for _, id := range ids {
		delete(s.recent, id)
	}
	s.recentMu.Unlock()
}

// applied forgets what bbolt now holds: accepted deliveries and forward
// outcomes.
func (s *Store) applied(items []logged) {
	s.recentMu.Lock()
	defer s.recentMu.Unlock()
	for _, it := range items {
		switch it.e.kind {
		case entryAccept:
			delete(s.recent, it.e.id)
		case entryForward, entryRetarget:
			if s.unapplied[it.e.id]--; s.unapplied[it.e.id] <= 0 {
				delete(s.unapplied, it.e.id)
			}
		}
	}
}
