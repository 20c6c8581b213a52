package listen

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
)

// While the store cannot write (a full disk), nothing can be acknowledged:
// pushes get 503 with Retry-After (Kibo sends them again), /readyz says not
// ready and why, and the event stream says so once. The first write that
// succeeds again ends it, without a restart.

// storeRetryAfter is the Retry-After of a 503 while the store cannot write.
const storeRetryAfter = 30 * time.Second

type storeHealth struct {
	emit     func(Event)
	mu       sync.Mutex
	err      error
	st       store.ListenStore // the store as given, asked whether it can Probe
	failures atomic.Uint64     // every refused write (metrics)
}

// failed records a write the store refused; the first one is reported.
func (h *storeHealth) failed(err error) {
	h.failures.Add(1)
	h.mu.Lock()
	first := h.err == nil
	h.err = err
	h.mu.Unlock()
	if first {
		h.emit(Event{Kind: KindStoreFailing, Reason: fmt.Sprintf("the store cannot write (%v): pushes get 503 and Kibo retries them; kwh recovers by itself once it can write", err)})
	}
}

// ok records an event stored again; it ends a failure, reported once. (A
// forward outcome, a few bytes, may fit where an event does not: it does
// not end one.)
func (h *storeHealth) ok() {
	h.mu.Lock()
	was := h.err
	h.err = nil
	h.mu.Unlock()
	if was != nil {
		h.emit(Event{Kind: KindStoreRecovered, Reason: "the store writes again: pushes are acknowledged"})
	}
}

// problem is why the store is failing, or nil.
func (h *storeHealth) problem() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// note records how a write went and returns its error.
func (h *storeHealth) note(err error) error {
	if err != nil {
		h.failed(err)
	} else {
		h.ok()
	}
	return err
}

// check is /readyz's question: a store that can probe itself (Redis) is
// asked now, so readiness follows it even when no push arrives; another
// says what its last write said.
func (h *storeHealth) check() error {
	if p, ok := h.st.(store.Prober); ok {
		return h.note(p.Probe())
	}
	return h.problem()
}

// Probe intervals: how soon a failing store (Redis down) is found writing
// again, and how often a healthy one is checked when nothing else writes.
const (
	probeFailing = time.Second
	probeHealthy = 5 * time.Second
)

// watch probes a store that can probe itself until the returned func is
// called: failures and recoveries are reported without waiting for a push
// (a load balancer that took a replica out of rotation sends none).
func (h *storeHealth) watch() (stop func()) {
	p, ok := h.st.(store.Prober)
	if !ok {
		return func() {}
	}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		h.probeUntil(p, quit)
	}()
	return func() { close(quit); <-done }
}

func (h *storeHealth) probeUntil(p store.Prober, stop <-chan struct{}) {
	for {
		every := probeHealthy
		if h.problem() != nil {
			every = probeFailing
		}
		t := time.NewTimer(every)
		select {
		case <-stop:
			t.Stop()
			return
		case <-t.C:
			_ = h.note(p.Probe())
		}
	}
}

// unavailable answers 503 with Retry-After: nothing was acknowledged.
func (r *Receiver) unavailable(w http.ResponseWriter, what string, err error, remote, eventID string) {
	w.Header().Set("Retry-After", fmt.Sprint(int(storeRetryAfter.Seconds())))
	r.reject(w, http.StatusServiceUnavailable, what+": "+err.Error(), remote, eventID)
}

// StoreErrors counts the store writes that failed since Start: pushes
// answered 503, forward outcomes retried.
func (l *Listener) StoreErrors() uint64 { return l.r.health.failures.Load() }
