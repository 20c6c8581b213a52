// Package store keeps what kwh must not forget between runs: the replay
// ledger here, and listen's dedupe, spool and inbox. The default backend is
// an embedded go.etcd.io/bbolt file. It never imports cobra, viper or the terminal.
package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
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

// BoltLedger is a Ledger in a bbolt file.
type BoltLedger struct{ db *bolt.DB }

// OpenLedger opens (or creates) the ledger file, mode 0600.
func OpenLedger(path string) (*BoltLedger, error) {
	db, err := openBolt(path)
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
	return &BoltLedger{db: db}, nil
}

func openBolt(path string, opts ...func(*bolt.Options)) (*bolt.DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	o := &bolt.Options{Timeout: 3 * time.Second}
	for _, opt := range opts {
		opt(o)
	}
	db, err := bolt.Open(path, 0o600, o)
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("%s is in use by another kwh process", path)
	}
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	return db, nil
}

// Get returns the last outcome recorded under key.
func (l *BoltLedger) Get(key string) (Outcome, bool, error) {
	var o Outcome
	found := false
	err := l.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(ledgerBucket).Get([]byte(key))
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
func (l *BoltLedger) Record(o Outcome) error {
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
func (l *BoltLedger) Close() error { return l.db.Close() }
