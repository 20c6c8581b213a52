package listen

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"
)

// limitListener holds at most max connections open, below the process's
// descriptor limit: a process out of descriptors fails every accept and
// every store write. At the cap, the connection that has spent longest on
// an unfinished request (or idle between requests), and at least
// evictAfter, is closed to make room; a connection whose request is being
// handled is never closed. Kibo sends a whole push at once, so under a
// flood of slow clients a real push is young and the attackers are old.
// New connections meanwhile wait in the kernel's accept queue, costing no
// descriptor.
type limitListener struct {
	net.Listener
	slots      chan struct{}
	closed     chan struct{}
	closeOnce  sync.Once
	evictAfter time.Duration

	mu    sync.Mutex
	conns map[*limitConn]struct{}
}

// evictAfter is how long a connection keeps its slot under pressure.
const evictAfter = time.Second

// evictPoll is how often a full listener looks again for a connection old
// enough to close.
const evictPoll = 100 * time.Millisecond

func newLimitListener(ln net.Listener, max int) *limitListener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, max), closed: make(chan struct{}), conns: map[*limitConn]struct{}{}, evictAfter: evictAfter}
}

func (l *limitListener) Accept() (net.Conn, error) {
	if err := l.acquire(); err != nil {
		return nil, err
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	lc := &limitConn{Conn: c, l: l, since: time.Now()}
	l.mu.Lock()
	l.conns[lc] = struct{}{}
	l.mu.Unlock()
	return lc, nil
}

// acquire takes a slot, closing the oldest evictable connection while none
// is free.
func (l *limitListener) acquire() error {
	for {
		select {
		case l.slots <- struct{}{}:
			return nil
		default:
		}
		if victim := l.oldest(time.Now().Add(-l.evictAfter)); victim != nil {
			victim.Close()
			continue
		}
		select {
		case l.slots <- struct{}{}:
			return nil
		case <-l.closed:
			return net.ErrClosed
		case <-time.After(evictPoll):
		}
	}
}

// oldest is the connection waiting longest, since before cutoff, on an
// unfinished request or between requests.
func (l *limitListener) oldest(cutoff time.Time) *limitConn {
	l.mu.Lock()
	defer l.mu.Unlock()
	var victim *limitConn
	for c := range l.conns {
		c.mu.Lock()
		since, busy := c.since, c.busy
		c.mu.Unlock()
		if !busy && since.Before(cutoff) && (victim == nil || since.Before(victim.since)) {
			victim = c
		}
	}
	return victim
}

func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// connState is the server's ConnState hook: a connection's clock restarts
// when a request begins and when it turns idle.
func (l *limitListener) connState(c net.Conn, st http.ConnState) {
	lc, ok := c.(*limitConn)
	if !ok {
		return
	}
	switch st {
	case http.StateActive, http.StateIdle:
		lc.mu.Lock()
		lc.since, lc.busy = time.Now(), false
		lc.mu.Unlock()
	case http.StateClosed, http.StateHijacked:
		l.forget(lc)
	}
}

func (l *limitListener) forget(c *limitConn) {
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
}

type limitConn struct {
	net.Conn
	l    *limitListener
	once sync.Once

	mu    sync.Mutex
	since time.Time // when the current request (or idle spell) began
	busy  bool      // its request was read in full and is being handled
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.forget(c)
		<-c.l.slots
	})
	return err
}

type connKey struct{}

// withConn is the server's ConnContext hook: handlers find their connection.
func withConn(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// markBusy protects a request that was read in full from eviction.
func markBusy(req *http.Request) {
	if c, ok := req.Context().Value(connKey{}).(*limitConn); ok {
		c.mu.Lock()
		c.busy = true
		c.mu.Unlock()
	}
}
