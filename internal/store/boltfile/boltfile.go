// Package boltfile opens the bbolt files kwh keeps (the listen store, the
// replay ledger): mode 0600 in a 0700 directory, and a clear error when
// another kwh process holds the file.
package boltfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Open opens (or creates) path; tune, when set, adjusts the options first.
// The folder and an existing file must be the user's and writable by no one
// else (CheckPrivateDir, CheckPrivateFile).
func Open(path string, tune func(*bolt.Options)) (*bolt.DB, error) {
	dir := filepath.Dir(path)
	if err := CheckPrivateDir(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := CheckPrivateFile(path); err != nil {
		return nil, err
	}
	if f, err := CreatePrivate(path); err == nil {
		f.Close() // created here, 0600; bbolt initialises it
	}
	o := &bolt.Options{Timeout: 3 * time.Second}
	if tune != nil {
		tune(o)
	}
	db, err := bolt.Open(path, 0o600, o)
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, &InUseError{Path: path}
	}
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	return db, nil
}

// InUseError is a file another process holds open (bbolt's lock).
type InUseError struct {
	Path string
	PID  int // the holder's process id when known, else 0
}

func (e *InUseError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("%s is in use by another kwh process (pid %d)", e.Path, e.PID)
	}
	return fmt.Sprintf("%s is in use by another kwh process", e.Path)
}
