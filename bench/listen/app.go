package main

import (
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kwh-cli/kwh/internal/webhook"
)

// app stands for the developer's handler in the sustained runs: it checks
// Kibo's signature (as a real handler must) and notes when each event
// arrived, first arrival only.
type app struct {
	verifier webhook.Verifier
	badSig   atomic.Int64
	inFlight atomic.Int64
	maxIn    atomic.Int64

	mu      sync.Mutex
	arrived map[string]time.Time
	srv     *http.Server
	url     string
}

func startApp() (*app, error) {
	a := &app{verifier: webhook.Verifier{Secret: secret}, arrived: map[string]time.Time{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a.srv = &http.Server{Handler: a}
	a.url = "http://" + ln.Addr().String() + "/hooks"
	go a.srv.Serve(ln)
	return a, nil
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := a.inFlight.Add(1)
	defer a.inFlight.Add(-1)
	for m := a.maxIn.Load(); n > m && !a.maxIn.CompareAndSwap(m, n); m = a.maxIn.Load() {
	}
	body, _ := io.ReadAll(r.Body)
	now := time.Now()
	if err := a.verifier.VerifyRequest(r.Header, body); err != nil {
		a.badSig.Add(1)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if id := eventID(body); id != "" {
		a.mu.Lock()
		if _, seen := a.arrived[id]; !seen {
			a.arrived[id] = now
		}
		a.mu.Unlock()
	}
}

// reset forgets arrivals between runs.
func (a *app) reset() {
	a.mu.Lock()
	a.arrived = map[string]time.Time{}
	a.mu.Unlock()
	a.badSig.Store(0)
	a.maxIn.Store(0)
}

// arrivals reports, for the events sent, when each arrived (zero: not yet).
func (a *app) arrivals(ids []string) []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]time.Time, len(ids))
	for i, id := range ids {
		out[i] = a.arrived[id]
	}
	return out
}

func (a *app) close() { _ = a.srv.Close() }
