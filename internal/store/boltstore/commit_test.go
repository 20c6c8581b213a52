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

func TestCommitWait(t *testing.T) {
	tests := []struct {
		name      string
		lastBatch int
		since     time.Duration
		want      time.Duration
	}{
		{"idle store", 0, time.Hour, 0},
		{"one writer, a change at a time", 1, 0, 0},
		{"light load: a push and an outcome", busyBatch - 1, 0, 0},
		{"busy, just committed", 8, 0, commitSpacing},
		{"busy, part of the spacing gone", 8, commitSpacing / 4, commitSpacing - commitSpacing/4},
		{"busy, spacing gone", 8, commitSpacing, 0},
	}
	for _, tt := range tests {
		if got := commitWait(tt.lastBatch, tt.since); got != tt.want {
			t.Errorf("%s: commitWait(%d, %v) = %v, want %v", tt.name, tt.lastBatch, tt.since, got, tt.want)
		}
	}
}

// A busy store's commit that closely follows another waits out
// commitSpacing, and every write that arrives meanwhile shares it: one log
// write and one fsync for the lot, each write acknowledged only after it.
// One writer a change at a time never waits.
func TestCommitsCloseTogetherShareOneFsync(t *testing.T) {
	st, err := Open(filepath.Join(t.TempDir(), "listen.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	accept := func(id string) error {
		d := delivery(id, "order.opened", "http://app")
		_, err := st.Accept(store.Accept{Delivery: d, DedupeKey: id, TTL: time.Hour, MarkSeen: true, Now: time.Now()})
		return err
	}
	prev := commitSpacing
	commitSpacing = time.Hour // every commit counts as close to the last
	t.Cleanup(func() { commitSpacing = prev })

	paused := make(chan time.Duration, 1)
	resume := make(chan struct{})
	var resumeOnce sync.Once
	release := func() { resumeOnce.Do(func() { close(resume) }) }
	t.Cleanup(release) // a failure below must not leave the committer paused before Close
	st.pause = func(d time.Duration) { paused <- d; <-resume }
	for i := range 5 {
		if err := accept(fmt.Sprintf("one-at-a-time-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if got := st.commits.Load(); got != 5 || len(paused) != 0 {
		t.Fatalf("one writer, 5 changes: %d commits, %d waits; want 5 at once", got, len(paused))
	}

	st.lastBatch = busyBatch // as if the last commit carried that many changes: busy
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
	release()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := st.commits.Load(); got != 6 {
		t.Fatalf("%d writes while busy: %d commits in all, want 6 (5, then one for the burst)", writers, got)
	}
}
