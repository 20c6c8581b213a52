package boltstore

import (
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
)

// A commit that closely follows another waits out commitSpacing, and every
// write that arrives meanwhile shares it: one log write and one fsync for
// the lot, each write acknowledged only after it. An idle store does not
// wait.
func TestCommitsCloseTogetherShareOneFsync(t *testing.T) {
	st, err := Open(filepath.Join(t.TempDir(), "listen.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	accept := func(id string) error {
		d := delivery(id, "order.opened", "http://app")
		_, err := st.Accept(store.Accept{Delivery: d, DedupeKey: id, TTL: time.Hour, MarkSeen: true, Now: time.Now()})
		return err
	}

	paused := make(chan time.Duration, 1)
	resume := make(chan struct{})
	st.pause = func(d time.Duration) { paused <- d; <-resume }
	prev := commitSpacing
	commitSpacing = time.Hour // every commit after the first is "close"
	t.Cleanup(func() { commitSpacing = prev })

	if err := accept("first"); err != nil {
		t.Fatal(err)
	}
	if got := st.commits.Load(); got != 1 {
		t.Fatalf("the first write of an idle store: %d commits, want 1 at once", got)
	}

	const writers = 20
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() { errs <- accept(fmt.Sprintf("burst-%d", i)) })
	}
	<-paused // the committer holds the first of the burst
	for len(st.ops) < writers-1 {
		runtime.Gosched() // the rest queue behind it
	}
	if len(errs) != 0 {
		t.Fatal("a write returned before its commit")
	}
	close(resume)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := st.commits.Load(); got != 2 {
		t.Fatalf("%d writes in one spacing: %d commits in all, want 2 (the first, then one for the burst)", writers, got)
	}
}
