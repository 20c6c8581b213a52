package boltstore

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
)

// A log write that fails (a full disk) fails that write only: the next one
// succeeds without a restart, and a crash afterwards loses nothing that was
// acknowledged (the failed batch's place in the log is taken again).
func TestFailedLogWriteDoesNotPoisonTheStore(t *testing.T) {
	holdApplies(t)
	file := filepath.Join(t.TempDir(), "listen.db")
	st, err := Open(file)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	acc := func(id string) error {
		_, err := st.Accept(store.Accept{Delivery: delivery(id, "order.opened", "http://app"), DedupeKey: id, TTL: time.Hour, MarkSeen: true, Now: now})
		return err
	}
	if err := acc("before"); err != nil {
		t.Fatal(err)
	}
	good := st.log.f
	broken, err := os.Open(file + "-wal") // read-only: writes fail
	if err != nil {
		t.Fatal(err)
	}
	st.log.f = broken
	if err := acc("refused"); err == nil {
		t.Fatal("a write to a failing log was acknowledged")
	}
	st.log.f = good
	broken.Close()
	if err := acc("after"); err != nil {
		t.Fatalf("the store stayed failed after the disk recovered: %v", err)
	}
	if seen, _ := st.Seen("refused", now); seen {
		t.Fatal("a refused event is marked seen: Kibo's retry would be dropped")
	}
	st.crash()
	st, err = Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, id := range []string{"before", "after"} {
		if seen, _ := st.Seen(id, now); !seen {
			t.Fatalf("%s: acknowledged, lost after a crash", id)
		}
	}
}
