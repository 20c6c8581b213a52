//go:build linux

package main

import (
	"fmt"
	"path/filepath"
	"time"
)

// outage sends 500 events over 5 topics while the app answers 503, brings
// the app up after o.downFor, and times the drain. Promise: every event
// arrives, in order per topic.
func outage(o options) (bool, error) {
	const events = 500
	fmt.Printf("3. App down for %s while %d events arrive (5 topics), then up\n", o.downFor, events)
	a, err := newApp()
	if err != nil {
		return false, err
	}
	defer a.close()
	a.down.Store(true)
	p, err := startKwh(o, filepath.Join(o.dir, "outage"), 0, "--forward", a.url)
	if err != nil {
		return false, err
	}
	defer p.stop()
	start := time.Now()
	for i := range events {
		if s := push(p.url, guid(1, i), topicOf(i), fmt.Sprint(i)); s != 200 {
			return false, fmt.Errorf("event %d answered %d", i, s)
		}
	}
	time.Sleep(o.downFor - time.Since(start))
	up := time.Now()
	a.down.Store(false)
	all := a.waitFor(events, 5*time.Minute)
	drain := a.lastArrival().Sub(up)
	distinct, extra := a.stats()
	ok := all && a.inOrder() && distinct == events
	fmt.Printf("   %d/%d delivered, %d extra · in order per topic: %v · drained %s after the app came up [%s]\n",
		distinct, events, extra, a.inOrder(), drain.Round(10*time.Millisecond), verdict(ok))
	return ok, nil
}
