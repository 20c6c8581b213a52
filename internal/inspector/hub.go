package inspector

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/kwh-cli/kwh/internal/listen"
)

// clientBuffer is how many updates wait for one browser; beyond it the
// browser is told to reload its list instead (it fell behind).
const clientBuffer = 256

// maxBrowsers bounds the open event streams (each holds a buffer and a
// goroutine); more get 503 and EventSource tries again.
const maxBrowsers = 64

// hub fans delivery ids out to the connected browsers without ever waiting
// for one: a full buffer marks the browser as lagging.
type hub struct {
	mu      sync.RWMutex
	clients map[*client]struct{}
}

type client struct {
	ids    chan uint64
	lagged atomic.Bool
}

func newHub() *hub { return &hub{clients: map[*client]struct{}{}} }

// join adds a browser, or returns nil when maxBrowsers are connected.
func (h *hub) join() *client {
	c := &client{ids: make(chan uint64, clientBuffer)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.clients) >= maxBrowsers {
		return nil
	}
	h.clients[c] = struct{}{}
	return c
}

func (h *hub) leave(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
}

func (h *hub) publish(id uint64) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.clients {
		select {
		case c.ids <- id:
		default:
			c.lagged.Store(true)
		}
	}
}

// Bounds of the in-memory attempt history.
const (
	maxLoggedDeliveries = 2000
	maxLoggedAttempts   = 50
)

// attempt is one forward attempt as the page shows it.
type attempt struct {
	At        time.Time
	Target    string
	Number    int // 0 for a re-forward from the page
	Status    int
	LatencyMs float64
	Error     string
	RetryAt   time.Time // zero: no retry planned
	GaveUp    bool
	Replay    bool
}

func attemptOf(e listen.Event) attempt {
	a := attempt{At: e.Time, Target: e.Target, Number: e.Attempt, Status: e.Status, LatencyMs: e.LatencyMs, GaveUp: e.GaveUp}
	if e.Kind == listen.KindFailed {
		a.Error = e.Reason
		if e.RetryInMs > 0 {
			a.RetryAt = e.Time.Add(time.Duration(e.RetryInMs) * time.Millisecond)
		}
	}
	return a
}

// attemptLog keeps every attempt this run made for the newest deliveries:
// the store keeps only each target's last one.
type attemptLog struct {
	mu    sync.Mutex
	byID  map[uint64][]attempt
	order []uint64
}

func newAttemptLog() *attemptLog { return &attemptLog{byID: map[uint64][]attempt{}} }

func (l *attemptLog) add(id uint64, a attempt) {
	l.mu.Lock()
	defer l.mu.Unlock()
	as, ok := l.byID[id]
	if !ok {
		l.order = append(l.order, id)
		if len(l.order) > maxLoggedDeliveries {
			delete(l.byID, l.order[0])
			l.order = l.order[1:]
		}
	}
	if len(as) >= maxLoggedAttempts {
		as = as[1:]
	}
	l.byID[id] = append(as, a)
}

func (l *attemptLog) of(id uint64) []attempt {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]attempt(nil), l.byID[id]...)
}

// nextTry is when the forwarder retries target next, if this run said.
func (l *attemptLog) nextTry(id uint64, target string) time.Time {
	as := l.of(id)
	for i := len(as) - 1; i >= 0; i-- {
		if as[i].Target == target && !as[i].Replay {
			return as[i].RetryAt
		}
	}
	return time.Time{}
}
