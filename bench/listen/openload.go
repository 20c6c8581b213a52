package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kwh-cli/kwh/internal/webhook"
)

// sixTopics is the mix the sustained runs send: one lane each under
// --order topic, as in the measurements.
var sixTopics = []string{"order.opened", "order.closed", "order.updated", "shipment.statuschanged", "product.updated", "return.opened"}

// maxOutstanding bounds the requests the generator keeps open; past it a
// scheduled request is counted as not sent rather than queued, so the load
// stays open-loop.
const maxOutstanding = 4096

// loadRun is one open-loop run: what was sent, when, and how it was answered.
type loadRun struct {
	start, end time.Time
	ids        []string
	sentAt     []time.Time
	acked      []bool
	ackedAt    []time.Time
	notSent    int
}

// openLoad sends signed pushes at rate per second for d, each at its
// scheduled time whatever the answers to earlier ones (open loop, as Kibo
// sends: it does not wait for one tenant's receiver before the next event).
func openLoad(url string, rate int, d time.Duration) *loadRun {
	total := int(d.Seconds() * float64(rate))
	run := &loadRun{ids: make([]string, total), sentAt: make([]time.Time, total), acked: make([]bool, total), ackedAt: make([]time.Time, total)}
	var wg sync.WaitGroup
	var outstanding atomic.Int64
	run.start = time.Now()
	for i := 0; i < total; {
		due := min(total, int(time.Since(run.start).Seconds()*float64(rate))+1)
		for ; i < due; i++ {
			if outstanding.Load() >= maxOutstanding {
				run.notSent++
				continue
			}
			outstanding.Add(1)
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				defer outstanding.Add(-1)
				run.send(url, i)
			}(i)
		}
		time.Sleep(500 * time.Microsecond)
	}
	run.end = run.start.Add(d)
	wg.Wait()
	return run
}

func (run *loadRun) send(url string, i int) {
	id := webhook.NewEventID()
	body := webhook.Push{EventID: id, Topic: sixTopics[i%len(sixTopics)], EntityID: fmt.Sprint(100000 + (i/len(sixTopics))%500),
		Timestamp: webhook.FormatTimestamp(time.Now())}.Marshal()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	at := time.Now()
	req.Header = webhook.SignedHeaders(secret, webhook.Context{Tenant: "1"}, body, at)
	run.ids[i], run.sentAt[i] = id, at
	resp, err := client.Do(req)
	if err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	run.acked[i], run.ackedAt[i] = resp.StatusCode == http.StatusOK, time.Now()
}

// outcome is what an app saw of one run.
type outcome struct {
	sent, acked    int
	ackedDuring    int           // answered 200 before the load ended (paced acks come later)
	reachedDuring  int           // arrived at the app before the load ended
	lag99          time.Duration // send to arrival, over acked events; one never arrived counts as endless
	drained        time.Duration // from the end of the load until every acked event arrived (or the wait ended)
	allArrived     bool
	offeredPerSec  float64
	ackedPerSec    float64
	reachedPerSec  float64
	reachedPercent float64
	perSecond      []int // arrivals in each second of the load
	ackedPerSecond []int // 200s answered in each second of the load
}

// endless stands for an event that never arrived in the percentiles.
const endless = time.Hour

// judge waits (up to wait after the load) for acked events to reach the
// app, then measures the run.
func (run *loadRun) judge(a *app, wait time.Duration) outcome {
	secs := run.end.Sub(run.start).Seconds()
	buckets := max(1, int(secs+0.999))
	o := outcome{perSecond: make([]int, buckets), ackedPerSecond: make([]int, buckets)}
	second := func(t time.Time) int { return min(len(o.perSecond)-1, max(0, int(t.Sub(run.start)/time.Second))) }
	var ids []string
	var sentAt []time.Time
	for i, id := range run.ids {
		if id == "" {
			continue
		}
		o.sent++
		if run.acked[i] {
			o.acked++
			if !run.ackedAt[i].After(run.end) {
				o.ackedDuring++
				o.ackedPerSecond[second(run.ackedAt[i])]++
			}
			ids, sentAt = append(ids, id), append(sentAt, run.sentAt[i])
		}
	}
	for a.count() < len(ids) && time.Since(run.end) <= wait {
		time.Sleep(20 * time.Millisecond)
	}
	arr := a.arrivals(ids)
	o.allArrived = true
	for _, t := range arr {
		o.allArrived = o.allArrived && !t.IsZero()
	}
	o.drained = max(0, time.Since(run.end))
	lags := make([]time.Duration, len(arr))
	for i, t := range arr {
		lags[i] = endless
		if !t.IsZero() {
			lags[i] = t.Sub(sentAt[i])
			if !t.After(run.end) {
				o.reachedDuring++
				o.perSecond[second(t)]++
			}
		}
	}
	o.lag99 = pct(lags, 99)
	o.offeredPerSec = float64(o.sent) / secs
	o.ackedPerSec = float64(o.ackedDuring) / secs
	o.reachedPerSec = float64(o.reachedDuring) / secs
	if o.sent > 0 {
		o.reachedPercent = 100 * float64(o.reachedDuring) / float64(o.sent)
	}
	return o
}

// sustains is the bar: ≥ 95% of what was sent reached the app
// while the load lasted, and forward lag p99 ≤ 1 s.
func (o outcome) sustains() bool { return o.reachedPercent >= 95 && o.lag99 <= time.Second }
