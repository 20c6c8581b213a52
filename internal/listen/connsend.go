package listen

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
	"golang.org/x/net/http/httpguts"
)

// connSender makes the pool's forwards to plain-HTTP targets on kept-alive
// connections that the worker's own goroutine drives, in net/http's wire
// format (http.Request.Write, http.ReadResponse), so the app gets what
// net/http's client sends. The client itself hands each request to a
// writer and a reader goroutine per connection and back; under a flood each
// hand-off waits for a CPU, and an ordered lane (one forward in flight)
// pays every wait in full. HTTPS, proxied targets, credentials in the URL,
// an injected Config.Transport, --sync and replays keep net/http's client.
type connSender struct {
	timeout time.Duration
	dialer  net.Dialer
	ctx     context.Context // ended by closeAll: dials in progress stop
	cancel  context.CancelFunc

	mu       sync.Mutex
	idle     map[string][]*pconn // by host:port, the most recent last
	open     map[*pconn]struct{}
	closed   bool
	sweeping bool // a sweep is due

	targets sync.Map // target → *connTarget, nil when not taken
}

type connTarget struct {
	url  *url.URL
	addr string // host:port to dial
}

// pconn is one connection to an app and its buffers.
type pconn struct {
	conn   net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	count  countingReader
	idleAt time.Time
}

// countingReader bounds what is read from the app: limit bytes from
// the connection in all (raised per answer).
type countingReader struct {
	r     io.Reader
	read  int64
	limit int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.read >= c.limit {
		return 0, errBigAnswer
	}
	p = p[:min(int64(len(p)), c.limit-c.read)]
	n, err := c.r.Read(p)
	c.read += int64(n)
	return n, err
}

const (
	// connIdle closes a kept-alive connection idle this long: before the
	// app does (Node's and uvicorn's keep-alive is 5 s, gunicorn's 2 s).
	connIdle = time.Second
	// maxIdlePerHost bounds the idle connections kept per app.
	maxIdlePerHost = 64
	// maxAnswerHeader bounds an answer's header; maxAnswerBody is read of
	// its body at most (discarded: only the status counts).
	maxAnswerHeader = 64 << 10
	maxAnswerBody   = 1 << 20
	// maxInterim bounds the 1xx answers skipped before the real one.
	maxInterim = 8
)

var (
	errNoAnswer  = errors.New("the app closed the connection without answering")
	errBigAnswer = fmt.Errorf("the app's answer has a header over %d KiB", maxAnswerHeader>>10)
)

func newConnSender(timeout time.Duration) *connSender {
	ctx, cancel := context.WithCancel(context.Background())
	return &connSender{timeout: timeout, ctx: ctx, cancel: cancel, idle: map[string][]*pconn{}, open: map[*pconn]struct{}{}}
}

// target is how send reaches target; nil when it goes by net/http's
// client: not plain HTTP, credentials in the URL, or a proxy from the
// environment for it.
func (s *connSender) target(target string) *connTarget {
	if v, ok := s.targets.Load(target); ok {
		return v.(*connTarget)
	}
	t := takeTarget(target)
	s.targets.Store(target, t)
	return t
}

func takeTarget(target string) *connTarget {
	if !canPeek {
		return nil // a connection the app closed would show only on use
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "http" || u.Host == "" || u.User != nil || u.Opaque != "" {
		return nil
	}
	if proxy, err := http.ProxyFromEnvironment(&http.Request{URL: u}); err != nil || proxy != nil {
		return nil
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	return &connTarget{url: u, addr: net.JoinHostPort(u.Hostname(), port)}
}

// send makes one attempt, as forwarder.attempt does with net/http's
// client: written once, never resent (a POST is not idempotent).
func (s *connSender) send(d *store.Delivery, t *connTarget, n int) result {
	start := time.Now()
	req, err := s.request(d, t, n)
	if err != nil {
		return result{err: err}
	}
	deadline := start.Add(s.timeout)
	pc, err := s.get(t.addr, deadline)
	if err != nil {
		return result{err: err, latency: time.Since(start)}
	}
	status, keep, err := pc.roundTrip(req, deadline)
	if keep && pc.conn.SetDeadline(time.Time{}) == nil { // the liveness peek must not time out
		s.put(t.addr, pc)
	} else {
		s.drop(pc)
	}
	return result{status: status, err: err, latency: time.Since(start)}
}

// request is the forward as net/http's client would build it; a header
// that is not valid HTTP is refused, as net/http refuses it.
func (s *connSender) request(d *store.Delivery, t *connTarget, n int) (*http.Request, error) {
	h := make(http.Header, len(d.Header)+2)
	var bad error
	forwardHeaders(d, n, func(k, v string) {
		if !httpguts.ValidHeaderFieldName(k) || !httpguts.ValidHeaderFieldValue(v) {
			if bad == nil {
				bad = fmt.Errorf("header %q cannot be sent: not a valid HTTP header", k)
			}
			return
		}
		h.Add(k, v)
	})
	if bad != nil {
		return nil, bad
	}
	req := &http.Request{Method: http.MethodPost, URL: t.url, Host: t.url.Host, Header: h, ContentLength: int64(len(d.Body))}
	if len(d.Body) > 0 {
		req.Body = io.NopCloser(bytes.NewReader(d.Body))
	}
	return req, nil
}

// roundTrip writes req and reads the answer's status; keep says the
// connection can serve another forward. Once a status is read it counts,
// whatever happens to the body, as with net/http's client.
func (pc *pconn) roundTrip(req *http.Request, deadline time.Time) (status int, keep bool, err error) {
	if err := pc.conn.SetDeadline(deadline); err != nil {
		return 0, false, err
	}
	if err := req.Write(pc.bw); err != nil {
		return 0, false, err
	}
	if err := pc.bw.Flush(); err != nil {
		return 0, false, err
	}
	resp, err := pc.readAnswer(req)
	if err != nil {
		return 0, false, err
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		return resp.StatusCode, false, nil // not HTTP any more: not read
	}
	pc.count.limit = pc.count.read + int64(pc.br.Buffered()) + maxAnswerBody + 1
	copied, err := io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswerBody+1))
	resp.Body.Close()
	return resp.StatusCode, err == nil && copied <= maxAnswerBody && !resp.Close, nil
}

// readAnswer reads past interim (1xx) answers to the app's answer.
func (pc *pconn) readAnswer(req *http.Request) (*http.Response, error) {
	for range maxInterim {
		buffered, read := pc.br.Buffered(), pc.count.read
		pc.count.limit = read + int64(buffered) + maxAnswerHeader
		resp, err := http.ReadResponse(pc.br, req)
		if err != nil {
			return nil, answerError(err, buffered > 0 || pc.count.read > read)
		}
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			return resp, nil
		}
	}
	return nil, fmt.Errorf("the app sent over %d interim (1xx) answers", maxInterim)
}

// answerError says what went wrong reading the answer, in kwh's words.
func answerError(err error, gotBytes bool) error {
	var op *net.OpError
	switch {
	case errors.Is(err, errBigAnswer):
		return errBigAnswer
	case errors.As(err, &op): // a timeout, a reset, the hard stop: ShortError names it
		return err
	case !gotBytes && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)):
		return errNoAnswer
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the app closed the connection in the middle of its answer")
	}
	msg := err.Error()
	if len(msg) > 120 {
		msg = msg[:120] + "…"
	}
	return fmt.Errorf("the app's answer is not valid HTTP: %s", msg)
}
