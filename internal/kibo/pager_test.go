package kibo

import (
	"context"
	"testing"
)

func TestThrottleHalvesOnRateLimit(t *testing.T) {
	th := newThrottle(8)
	ctx := context.Background()
	for range 8 {
		if err := th.acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	th.slowDown()
	if th.Limit() != 4 {
		t.Fatalf("limit %d after one 429, want 4", th.Limit())
	}
	// Eight are in flight and the bound is now four: a ninth must wait until
	// five have finished.
	got := make(chan struct{})
	go func() {
		_ = th.acquire(ctx)
		close(got)
	}()
	for i := range 5 {
		select {
		case <-got:
			t.Fatalf("acquired with %d in flight and a bound of 4", 8-i)
		default:
		}
		th.release()
	}
	<-got
	for range 3 {
		th.slowDown()
	}
	if th.Limit() != 1 {
		t.Errorf("limit %d, want never below 1", th.Limit())
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := newThrottle(0).acquire(cancelled); err == nil {
		t.Error("acquire on a full throttle ignored cancellation")
	}
}
