package boltstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// Get implements store.ListenStore.
func (s *Store) Get(id uint64) (*store.Delivery, error) {
	s.recentMu.RLock()
	r, dirty := s.recent[id], s.unapplied[id] > 0
	s.recentMu.RUnlock()
	if dirty {
		// A forward outcome is only counted in bbolt: read it from there.
		if err := s.ap.flush(); err != nil {
			return nil, err
		}
		r = nil
	}
	if r != nil {
		d := *r
		return &d, nil
	}
	var d *store.Delivery
	err := s.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(inboxBucket).Get(itob(id))
		if raw == nil {
			return fmt.Errorf("%w: %d", store.ErrNotFound, id)
		}
		got, err := load(tx, raw)
		d = got
		return err
	})
	return d, err
}

// load rebuilds a store.Delivery from its metadata, body and forward states.
func load(tx *bolt.Tx, meta []byte) (*store.Delivery, error) {
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
		var f store.ForwardState
		if err := json.Unmarshal(v, &f); err != nil {
			return nil, err
		}
		if d.Forwards == nil {
			d.Forwards = map[string]store.ForwardState{}
		}
		d.Forwards[string(k[8:])] = f
	}
	return &d, nil
}

// Inbox implements store.ListenStore.
func (s *Store) Inbox(q store.InboxQuery) ([]store.Delivery, error) {
	if err := s.ap.flush(); err != nil {
		return nil, err
	}
	var out []store.Delivery
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
			if (!q.Until.IsZero() && !d.ReceivedAt.Before(q.Until)) || (len(q.Topics) > 0 && !webhook.MatchAnyTopic(q.Topics, d.Topic)) {
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

// Prune implements store.ListenStore. Inbox ids grow with time, so it walks from
// the oldest and stops at the first entry young enough to keep.
func (s *Store) Prune(before time.Time) (int, error) {
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
func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	if err := s.ap.flush(); err != nil {
		return err
	}
	return s.db.Update(fn)
}
