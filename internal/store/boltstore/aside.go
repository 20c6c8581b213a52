package boltstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kwh-cli/kwh/internal/store"
)

// No single logged entry may stop the store: one bbolt cannot take (a key
// over its limit, a malformed entry) is set aside instead of applied. It is
// kept in asideBucket with the reason; an accepted request also goes into the
// inbox, marked SetAside, so kwh inbox shows it. The rest goes on.

var asideBucket = []byte("aside") // LSN → setAside (JSON)

type setAside struct {
	LSN    uint64    `json:"lsn"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
	Entry  []byte    `json:"entry"` // the raw log entry
}

// errEntry stops a transaction at the entry that cannot be applied.
var errEntry = errors.New("an entry cannot be applied")

// applyAll applies items in one transaction, setting aside each entry that
// cannot be applied (and retrying without it). Only an error of the
// transaction itself (the disk) is returned: the items stay to be applied.
func (a *applier) applyAll(items []logged) error {
	reasons := map[int]string{}
	for {
		bad, badErr := -1, error(nil)
		err := a.s.db.Update(func(tx *bolt.Tx) error {
			w := bucketsOf(tx)
			for i, it := range items {
				if why, ok := reasons[i]; ok {
					if err := w.setAside(tx, it, why); err != nil {
						return err
					}
					continue
				}
				if err := w.applyLogged(it); err != nil {
					bad, badErr = i, err
					return errEntry
				}
			}
			return tx.Bucket(stateBucket).Put(appliedKey, itob(items[len(items)-1].lsn))
		})
		if bad < 0 || !errors.Is(err, errEntry) {
			return err
		}
		reasons[bad] = badErr.Error()
	}
}

func (b buckets) applyLogged(it logged) error {
	if it.e == nil {
		return it.bad
	}
	return b.apply(it.e, it.live)
}

// setAside keeps an entry that cannot be applied, and shows an accepted
// request in the inbox with the reason (without a seen mark or forwards).
func (b buckets) setAside(tx *bolt.Tx, it logged, why string) error {
	raw := it.raw
	if raw == nil && it.e != nil {
		raw = it.e.encode(nil)
	}
	rec, err := json.Marshal(setAside{LSN: it.lsn, Reason: why, At: time.Now().UTC(), Entry: raw})
	if err != nil {
		return err
	}
	if err := tx.Bucket(asideBucket).Put(itob(it.lsn), rec); err != nil {
		return err
	}
	if it.e == nil || it.e.kind != entryAccept {
		return nil
	}
	var st stored
	if json.Unmarshal(it.e.meta, &st) != nil {
		return nil // kept in asideBucket only
	}
	st.Delivery.ID, st.Delivery.SetAside = it.e.id, why
	meta, err := json.Marshal(st)
	if err != nil {
		return nil
	}
	key := itob(it.e.id)
	// Best effort: what bbolt refuses here stays in asideBucket.
	if b.inbox.Put(key, meta) == nil && it.e.id > b.inbox.Sequence() {
		_ = b.inbox.SetSequence(it.e.id)
	}
	_ = b.body.Put(key, it.e.body)
	return nil
}

// SetAside lists the entries set aside so far, oldest first.
func (s *Store) SetAside() ([]store.SetAside, error) {
	var out []store.SetAside
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(asideBucket).ForEach(func(k, v []byte) error {
			var r setAside
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("set-aside entry %x: %w", k, err)
			}
			out = append(out, store.SetAside{LSN: r.LSN, Reason: r.Reason, At: r.At, Size: len(r.Entry)})
			return nil
		})
	})
	return out, err
}
