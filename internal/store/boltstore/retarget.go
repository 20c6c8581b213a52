package boltstore

import (
	"encoding/json"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
)

// Retarget implements store.ListenStore.
func (s *Store) Retarget(p store.Pending, to []string, note string, at time.Time) error {
	raw, err := json.Marshal(store.ForwardState{Dropped: true, Error: note, At: at})
	if err != nil {
		return err
	}
	s.markUnapplied(p.DeliveryID, 1)
	if err := s.write(&entry{kind: entryRetarget, id: p.DeliveryID, target: p.Target, targets: to, topic: p.Topic, state: raw}); err != nil {
		s.markUnapplied(p.DeliveryID, -1)
		return err
	}
	return nil
}

// retarget drops the old forward (keeping its attempts and last status) and
// spools the new ones, each shown as pending until its first attempt.
func (b buckets) retarget(e *entry) error {
	old := spoolKey(e.id, e.target)
	var st, prev store.ForwardState
	if err := json.Unmarshal(e.state, &st); err != nil {
		return err
	}
	if raw := b.fwd.Get(old); raw != nil {
		_ = json.Unmarshal(raw, &prev)
	}
	prev.Dropped, prev.Error, prev.At = true, st.Error, st.At
	raw, err := json.Marshal(prev)
	if err != nil {
		return err
	}
	if err := b.fwd.Put(old, raw); err != nil {
		return err
	}
	if err := b.spool.Delete(old); err != nil {
		return err
	}
	for _, t := range e.targets {
		key := spoolKey(e.id, t)
		if b.fwd.Get(key) != nil {
			continue // it already went there (or is already spooled there)
		}
		fresh, _ := json.Marshal(store.ForwardState{At: st.At})
		if err := b.fwd.Put(key, fresh); err != nil {
			return err
		}
		if err := b.spool.Put(key, []byte(e.topic)); err != nil {
			return err
		}
	}
	return nil
}
