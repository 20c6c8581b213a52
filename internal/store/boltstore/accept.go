package boltstore

import (
	"github.com/kwh-cli/kwh/internal/store"
)

// Accept implements store.ListenStore. The dedupe decision is taken in memory, so
// of two concurrent copies of an event exactly one is new.
func (s *Store) Accept(a store.Accept) (bool, error) {
	d := *a.Delivery
	e := &entry{kind: entryAccept}
	var m *seenMark
	var first uint64
	if a.DedupeKey != "" {
		s.seenMu.Lock()
		d.Duplicate = s.seen[a.DedupeKey].After(a.Now)
		first = s.origin[a.DedupeKey]
		if !d.Duplicate && a.MarkSeen {
			m = s.markLocked(a.DedupeKey, a.Now.Add(a.TTL))
			m.into(e)
			d.ID = s.lastID.Add(1)
			s.origin[a.DedupeKey] = d.ID
		}
		s.seenMu.Unlock()
	}
	if d.Duplicate && first != 0 {
		return true, s.countDuplicate(a, first)
	}
	if d.Duplicate {
		d.Targets = nil
	}
	if d.ID == 0 {
		d.ID = s.lastID.Add(1)
	}
	d.Forwards = nil
	meta, err := d.AppendJSON(make([]byte, 0, 1024)) // = json.Marshal(stored{Delivery: d})
	if err == nil {
		e.id, e.topic, e.targets, e.meta, e.body = d.ID, d.Topic, d.Targets, meta, d.Body
		s.setRecent(d.ID, &d)
		err = s.write(e)
	}
	if err != nil {
		if m != nil {
			s.unmark(m)
			s.seenMu.Lock()
			if s.origin[a.DedupeKey] == d.ID {
				delete(s.origin, a.DedupeKey)
			}
			s.seenMu.Unlock()
		}
		s.dropRecent([]uint64{d.ID})
		return false, err
	}
	a.Delivery.ID, a.Delivery.Duplicate = d.ID, d.Duplicate
	return d.Duplicate, nil
}

// countDuplicate logs another copy of an event against its first copy: a
// count and the last arrival, not another body (a storm of redeliveries
// would otherwise write every copy to disk).
func (s *Store) countDuplicate(a store.Accept, first uint64) error {
	s.markUnapplied(first, 1) // Get reads the count from bbolt
	if err := s.write(&entry{kind: entryDup, id: first, exp: a.Now.UnixNano()}); err != nil {
		s.markUnapplied(first, -1)
		return err
	}
	a.Delivery.ID, a.Delivery.Duplicate = first, true
	return nil
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
		if it.e == nil {
			continue // set aside, never in memory
		}
		switch it.e.kind {
		case entryAccept:
			delete(s.recent, it.e.id)
		case entryForward, entryRetarget, entryDup:
			if s.unapplied[it.e.id]--; s.unapplied[it.e.id] <= 0 {
				delete(s.unapplied, it.e.id)
			}
		}
	}
}
