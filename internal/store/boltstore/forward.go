package boltstore

import (
	"encoding/binary"

	bolt "go.etcd.io/bbolt"

	"github.com/kwh-cli/kwh/internal/store"
)

func spoolKey(id uint64, target string) []byte { return append(itob(id), target...) }

// forward logs an attempt. Attempts are counted when the entry reaches
// bbolt; until then Get flushes for this delivery (see unapplied).
func (s *Store) forward(p store.Pending, st store.ForwardState) error {
	st.Attempts = 0
	raw, err := st.AppendJSON(make([]byte, 0, 96))
	if err != nil {
		return err
	}
	s.markUnapplied(p.DeliveryID, 1)
	if err := s.write(&entry{kind: entryForward, id: p.DeliveryID, target: p.Target, state: raw, fwd: &st}); err != nil {
		s.markUnapplied(p.DeliveryID, -1)
		return err
	}
	return nil
}

// markUnapplied counts forward entries of a delivery not yet in bbolt.
func (s *Store) markUnapplied(id uint64, n int) {
	s.recentMu.Lock()
	defer s.recentMu.Unlock()
	if s.unapplied[id] += n; s.unapplied[id] <= 0 {
		delete(s.unapplied, id)
	}
}

// Claim implements store.ListenStore.
func (s *Store) Claim() ([]store.Pending, error) {
	if err := s.ap.flush(); err != nil {
		return nil, err
	}
	var out []store.Pending
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(spoolBucket).ForEach(func(k, v []byte) error {
			if len(k) < 8 {
				return nil
			}
			out = append(out, store.Pending{DeliveryID: binary.BigEndian.Uint64(k[:8]), Target: string(k[8:]), Topic: string(v)})
			return nil
		})
	})
	return out, err
}
