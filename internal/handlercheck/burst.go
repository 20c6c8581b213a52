package handlercheck

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Burst sends Config.Burst distinct events of one topic at once, as Kibo does
// after an import or a bulk update, and wants every one answered 200. The
// detail gives the latency's median and 99th percentile.
func (c *Checker) Burst(ctx context.Context, topic string) Result {
	start := time.Now()
	n := c.cfg.Burst
	answers := make([]answer, n)
	var ready, done sync.WaitGroup
	gate := make(chan struct{})
	for i := range n {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			p := c.newPush(topic, newEntityID())
			ready.Done()
			<-gate // all at once, not as fast as goroutines happen to start
			answers[i] = c.send(ctx, p, signValid)
		}()
	}
	ready.Wait()
	close(gate)
	done.Wait()

	r := Result{Scenario: ScenarioBurst, Subject: fmt.Sprintf("%d × %s", n, topic), Status: OK, Duration: time.Since(start)}
	lat := make([]time.Duration, n)
	why := map[string]int{}
	var failed, slow int
	for i, a := range answers {
		lat[i] = a.Latency
		switch st, detail := c.judgeAccepted(a); st {
		case Fail:
			failed++
			why[shortReason(a, detail)]++
		case Warn:
			slow++
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p50, p99 := percentile(lat, 50), percentile(lat, 99)
	r.LatencyMs = millis(lat[n-1])
	spread := fmt.Sprintf("p50 %s, p99 %s", ms(p50), ms(p99))
	switch {
	case failed > 0:
		r.Status = Fail
		r.Detail = fmt.Sprintf("%d of %d not answered 200 (%s); %s", failed, n, countList(why), spread)
	case slow > 0:
		r.Status = Warn
		r.Detail = fmt.Sprintf("%d of %d answered 200 only after %s; %s", slow, n, ms(c.cfg.Slow), spread)
	default:
		r.Detail = fmt.Sprintf("%d of %d answered 200; %s", n, n, spread)
	}
	return r
}

// shortReason is what a failed burst push got: "503", "timeout", a TLS error.
func shortReason(a answer, detail string) string {
	switch {
	case a.Err == nil:
		return fmt.Sprint(a.Status)
	case strings.HasPrefix(detail, "no answer within"):
		return "timeout"
	}
	return detail
}

// countList renders {"503": 2, "timeout": 1} as "503 ×2, timeout ×1".
func countList(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s ×%d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// percentile is the nearest-rank percentile of sorted latencies.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (p*len(sorted)+99)/100 - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
