//go:build linux

package main

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kwh-cli/kwh/internal/webhook"
)

// app is the developer's app kwh forwards to: it counts deliveries per event
// (by Kibo's spelling-independent id), remembers the order per topic, and
// answers 503 while down.
type app struct {
	srv  *http.Server
	url  string
	down atomic.Bool

	mu      sync.Mutex
	count   map[string]int
	order   map[string][]int // topic → entityIds in arrival order (first arrivals)
	last    time.Time
	changed chan struct{}
}

func newApp() (*app, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a := &app{url: "http://" + ln.Addr().String() + "/hooks", changed: make(chan struct{}, 1)}
	a.reset()
	a.srv = &http.Server{Handler: a}
	go func() { _ = a.srv.Serve(ln) }()
	return a, nil
}

func (a *app) close() { _ = a.srv.Close() }

func (a *app) reset() {
	a.mu.Lock()
	a.count, a.order, a.last = map[string]int{}, map[string][]int{}, time.Time{}
	a.mu.Unlock()
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if a.down.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	p, err := webhook.ParsePush(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	key := webhook.CanonicalID(p.EventID)
	a.mu.Lock()
	if a.count[key] == 0 {
		n, _ := strconv.Atoi(p.EntityID)
		a.order[p.Topic] = append(a.order[p.Topic], n)
	}
	a.count[key]++
	a.last = time.Now()
	a.mu.Unlock()
	select {
	case a.changed <- struct{}{}:
	default:
	}
}

// stats returns distinct events received and deliveries beyond the first.
func (a *app) stats() (distinct, extra int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, n := range a.count {
		distinct++
		extra += n - 1
	}
	return distinct, extra
}

func (a *app) has(id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.count[webhook.CanonicalID(id)] > 0
}

// waitFor waits until the app has want distinct events or the limit passes.
func (a *app) waitFor(want int, limit time.Duration) bool {
	deadline := time.After(limit)
	for {
		if d, _ := a.stats(); d >= want {
			return true
		}
		select {
		case <-a.changed:
		case <-deadline:
			return false
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// inOrder reports whether every topic's entityIds arrived ascending.
func (a *app) inOrder() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, seq := range a.order {
		for i := 1; i < len(seq); i++ {
			if seq[i] < seq[i-1] {
				return false
			}
		}
	}
	return true
}

func (a *app) lastArrival() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.last
}
