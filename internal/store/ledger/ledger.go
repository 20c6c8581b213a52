// Package ledger is dlq retry's memory: the outcome of each replayed
// delivery, in a bbolt file, so a rerun skips what already succeeded. It
// never imports cobra, viper or the terminal.
package ledger

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kwh-cli/kwh/internal/store/boltfile"
)

// Outcome is what happened the last time a delivery was replayed.
type Outcome struct {
	Key       string    `json:"key"`
	EventID   string    `json:"eventId"`
	URL       string    `json:"url"`
	Delivered bool      `json:"delivered"`
	Status    int       `json:"status,omitempty"`
	Error     string    `json:"error,omitempty"`
	Attempts  int       `json:"attempts"`
	At        time.Time `json:"at"`
}

// Ledger remembers replay outcomes so a rerun skips what already succeeded.
type Ledger interface {
	Get(key string) (Outcome, bool, error)
	Record(o Outcome) error
	Close() error
}

var ledgerBucket = []byte("replay")

// Bolt is a Ledger in a bbolt file.
type Bolt struct{ db *bolt.DB }

// Open opens (or creates) the ledger file, mode 0600.
func Open(path string) (*Bolt, error) {
	db, err := boltfile.Open(path, nil)
	if err != nil {
		return nil, err
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(ledgerBucket)
		return err
	}); err != nil {
		db.Close()
		return nil, err
	}
	db.MaxBatchDelay = time.Millisecond // replays wait on this; fsync is the real cost
	return &Bolt{db: db}, nil
}

// OpenReadOnly opens an existing ledger to read it beside a running replay
// (a shared lock); found is false when nothing was ever replayed.
func OpenReadOnly(path string) (l *Bolt, found bool, err error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	db, err := boltfile.Open(path, func(o *bolt.Options) { o.ReadOnly = true })
	if err != nil {
		return nil, false, err
	}
	return &Bolt{db: db}, true, nil
}

// Get returns the last outcome recorded under key.
func (l *Bolt) Get(key string) (Outcome, bool, error) {
	var o Outcome
	found := false
	err := l.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(ledgerBucket)
		if b == nil {
			return nil
		}
		raw := b.Get([]byte(key))
		if raw == nil {
			return nil
		}
		found = true
		return json.Unmarshal(raw, &o)
	})
	return o, found, err
}

// Record stores an outcome, counting attempts. Concurrent calls share one
// transaction and one fsync (bbolt's Batch): group commit.
func (l *Bolt) Record(o Outcome) error {
	return l.db.Batch(func(tx *bolt.Tx) error {
		b := tx.Bucket(ledgerBucket)
		var prev Outcome
		if raw := b.Get([]byte(o.Key)); raw != nil {
			_ = json.Unmarshal(raw, &prev)
		}
		o.Attempts = prev.Attempts + 1
		raw, err := json.Marshal(o)
		if err != nil {
			return err
		}
		return b.Put([]byte(o.Key), raw)
	})
}

// Close closes the file.
func (l *Bolt) Close() error { return l.db.Close() }
