//go:build linux

package main

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"time"
)

// storm sends 200 events 50 times each, in mixed id spellings, shuffled, 32
// at a time. Promise: the app gets each event exactly once.
func storm(o options) (bool, error) {
	const events, copies = 200, 50
	fmt.Printf("2. Storm: %d events × %d copies, dashed / 32-hex / upper-case ids, shuffled, concurrency 32\n", events, copies)
	a, err := newApp()
	if err != nil {
		return false, err
	}
	defer a.close()
	p, err := startKwh(o, filepath.Join(o.dir, "storm"), 0, "--forward", a.url)
	if err != nil {
		return false, err
	}
	type send struct{ i, v int }
	var all []send
	for i := range events {
		for v := range copies {
			all = append(all, send{i, v})
		}
	}
	rand.Shuffle(len(all), func(x, y int) { all[x], all[y] = all[y], all[x] })
	start := time.Now()
	ch := make(chan send)
	var wg sync.WaitGroup
	var mu sync.Mutex
	refused := 0
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range ch {
				if push(p.url, spelling(guid(0, s.i), s.v), topicOf(s.i), fmt.Sprint(s.i)) != 200 {
					mu.Lock()
					refused++
					mu.Unlock()
				}
			}
		}()
	}
	for _, s := range all {
		ch <- s
	}
	close(ch)
	wg.Wait()
	took := time.Since(start)
	a.waitFor(events, 30*time.Second)
	// Anything still to come would come now.
	time.Sleep(time.Second)
	p.stop()
	distinct, extra := a.stats()
	ok := distinct == events && extra == 0 && refused == 0
	fmt.Printf("   %d requests in %s (%d not answered 200) · app got %d distinct events, %d extra deliveries [%s]\n",
		len(all), took.Round(time.Millisecond), refused, distinct, extra, verdict(ok))
	return ok, nil
}
