package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kwh-cli/kwh/internal/webhook"
)

// sink is the app kwh forwards to; it notes when each event arrived.
type sink struct {
	mu      sync.Mutex
	arrived map[string]time.Time
}

func newSink() *sink { return &sink{arrived: map[string]time.Time{}} }

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	now := time.Now()
	// The sink stands for the developer's app and shares the CPUs with kwh:
	// it finds the event id with a scan rather than a full JSON parse.
	if id := eventID(body); id != "" {
		s.mu.Lock()
		s.arrived[id] = now
		s.mu.Unlock()
	}
}

var idField = []byte(`"eventId":"`)

func eventID(body []byte) string {
	i := bytes.Index(body, idField)
	if i < 0 {
		return ""
	}
	rest := body[i+len(idField):]
	if j := bytes.IndexByte(rest, '"'); j >= 0 {
		return string(rest[:j])
	}
	return ""
}

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.arrived)
}

func (s *sink) reset() {
	s.mu.Lock()
	s.arrived = map[string]time.Time{}
	s.mu.Unlock()
}

type sent struct {
	id   string
	at   time.Time
	took time.Duration
}

type result struct {
	rps                     float64
	p50, p99, lag99         time.Duration
	sent, forwarded, errors int
	drained                 time.Duration // from the end of sending until the last forward landed
}

// client waits for an answer as long as Kibo does (45 s). A shorter wait
// counts a push that was held (paced, or queued for a connection) and then
// stored and forwarded as never acknowledged, and its arrival as not seen.
var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxIdleConns: 256}, Timeout: kiboAnswerWait}

const kiboAnswerWait = 45 * time.Second

func post(url string, i int) (sent, error) {
	id := webhook.NewEventID()
	body := webhook.Push{EventID: id, Topic: []string{"order.opened", "order.closed", "shipment.statuschanged", "product.updated"}[i%4], EntityID: fmt.Sprint(i), Timestamp: webhook.FormatTimestamp(time.Now())}.Marshal()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	start := time.Now()
	req.Header = webhook.SignedHeaders(secret, webhook.Context{Tenant: "1"}, body, start)
	resp, err := client.Do(req)
	if err != nil {
		return sent{}, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return sent{}, fmt.Errorf("status %d", resp.StatusCode)
	}
	return sent{id: id, at: start, took: time.Since(start)}, nil
}

// saturate sends from conc loops for d, request i to urls[i%len(urls)]
// (several: replicas behind a load balancer); loaded runs when the sending
// ends, before waiting for forwards.
func saturate(urls []string, conc int, d time.Duration, s *sink, loaded func()) result {
	var mu sync.Mutex
	var all []sent
	var errs atomic.Int64
	var n atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []sent
			for time.Now().Before(deadline) {
				i := int(n.Add(1))
				r, err := post(urls[i%len(urls)], i)
				if err != nil {
					errs.Add(1)
					continue
				}
				mine = append(mine, r)
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	loaded()
	res := summarize(all, s)
	res.rps = float64(len(all)) / elapsed.Seconds()
	res.errors = int(errs.Load())
	return res
}

// steady sends at a fixed rate, each request at its scheduled time,
// request i to urls[i%len(urls)].
func steady(urls []string, perSec int, d time.Duration, s *sink) result {
	total := int(d.Seconds() * float64(perSec))
	interval := time.Second / time.Duration(perSec)
	results := make(chan sent, total)
	var errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := range total {
		if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := post(urls[i%len(urls)], i)
			if err != nil {
				errs.Add(1)
				return
			}
			results <- r
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(results)
	var all []sent
	for r := range results {
		all = append(all, r)
	}
	res := summarize(all, s)
	res.rps = float64(len(all)) / elapsed.Seconds()
	res.errors = int(errs.Load())
	return res
}

// summarize computes ack percentiles and, with a sink, forward lag after
// waiting (bounded) for the forwards to land.
func summarize(all []sent, s *sink) result {
	res := result{sent: len(all)}
	acks := make([]time.Duration, len(all))
	for i, r := range all {
		acks[i] = r.took
	}
	res.p50, res.p99 = pct(acks, 50), pct(acks, 99)
	if s == nil {
		return res
	}
	ended := time.Now()
	deadline := ended.Add(30 * time.Second)
	var lags []time.Duration
	for {
		s.mu.Lock()
		lags = lags[:0]
		for _, r := range all {
			if at, ok := s.arrived[r.id]; ok {
				lags = append(lags, at.Sub(r.at))
			}
		}
		s.mu.Unlock()
		if len(lags) == len(all) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	res.forwarded = len(lags)
	res.lag99 = pct(lags, 99)
	res.drained = time.Since(ended)
	return res
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, len(s)*p/100)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
