package events_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/apptest"
)

// BenchmarkEventsListAll runs `kwh events list --all -o json` over 10,000
// events with 50 ms of latency on every emulator answer, one page at a time
// and at the default concurrency. Run it with
//
//	go test ./internal/cmd/events -run '^$' -bench EventsListAll -benchtime 5x
func BenchmarkEventsListAll(b *testing.B) {
	seed := apptest.Seed(b)
	seed.Events = nil
	for i := range 10_000 {
		seed.Events = append(seed.Events, newEvent(i, "order.opened", time.Date(2026, 11, 20, 0, 0, i, 0, time.UTC).Format(time.RFC3339)))
	}
	for _, conc := range []int{1, 8} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			h := apptest.New(b, seed)
			h.Run("auth", "token") // the token and tenant lookup are not what is measured
			h.Run("events", "list", "--limit", "1")
			h.Emu.SetLatency(50 * time.Millisecond)
			b.ResetTimer()
			for b.Loop() {
				res := h.Run("events", "list", "--all", "-o", "json", "--concurrency", fmt.Sprint(conc))
				if res.Code != 0 || len(res.Stdout) < 10_000*100 {
					b.Fatalf("exit %d: %s", res.Code, res.Stderr)
				}
			}
		})
	}
}
