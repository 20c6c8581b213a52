//go:build linux

package main

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// crashRuns SIGKILLs kwh listen in the middle of a stream of events, then
// restarts it and sends again what was not acknowledged (as Kibo retries).
// Promise: no acknowledged event is lost.
func crashRuns(o options) (bool, error) {
	fmt.Printf("1. SIGKILL during %d events, %d runs (concurrency 8, restart, unacknowledged ones sent again)\n", o.events, o.crashes)
	a, err := newApp()
	if err != nil {
		return false, err
	}
	defer a.close()
	lostAll, extraAll := 0, 0
	for run := 1; run <= o.crashes; run++ {
		a.reset()
		store := filepath.Join(o.dir, fmt.Sprintf("crash-%d", run))
		p, err := startKwh(o, store, 0, "--forward", a.url)
		if err != nil {
			return false, err
		}
		killAt := int64(o.events/10 + rand.IntN(o.events*8/10))
		acked := make([]atomic.Bool, o.events)
		var nAcked atomic.Int64
		var once sync.Once
		next := atomic.Int64{}
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1) - 1)
					if i >= o.events {
						return
					}
					if push(p.url, guid(run, i), topicOf(i), fmt.Sprint(i)) == 200 {
						acked[i].Store(true)
						if nAcked.Add(1) == killAt {
							once.Do(p.kill)
						}
					}
				}
			}()
		}
		wg.Wait()
		once.Do(p.kill)
		ackedBefore := int(nAcked.Load())
		p, err = startKwh(o, store, 0, "--forward", a.url)
		if err != nil {
			return false, fmt.Errorf("restart after SIGKILL: %w", err)
		}
		for i := range o.events {
			if !acked[i].Load() {
				if push(p.url, guid(run, i), topicOf(i), fmt.Sprint(i)) != 200 {
					p.stop()
					return false, fmt.Errorf("run %d: event %d refused after the restart", run, i)
				}
			}
		}
		a.waitFor(o.events, 60*time.Second)
		p.stop()
		lost := 0
		for i := range o.events {
			if acked[i].Load() && !a.has(guid(run, i)) {
				lost++
			}
		}
		_, extra := a.stats()
		lostAll += lost
		extraAll += extra
		fmt.Printf("   run %2d: killed after %4d acks · acked lost %d · delivered twice %d\n", run, ackedBefore, lost, extra)
	}
	ok := lostAll == 0
	fmt.Printf("   → acknowledged events lost: %d in %d runs [%s]; delivered twice (at-least-once, a forward cut by the kill): %d\n", lostAll, o.crashes, verdict(ok), extraAll)
	return ok, nil
}

func topicOf(i int) string {
	return []string{"order.opened", "order.closed", "shipment.statuschanged", "product.updated", "return.created"}[i%5]
}
