package listen

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
	"github.com/valyala/fasthttp"
	"golang.org/x/net/http/httpguts"
)

// fastSender makes the pool's forwards to plain-HTTP targets with fasthttp
// rather than net/http. The worker's own goroutine writes the request and
// reads the answer; net/http's client passes each request to a writer and a
// reader goroutine per connection and back, and under a flood of pushes
// every one of those hand-offs waits for a CPU. An ordered lane, one forward
// in flight, pays each wait in full (bench/listen: --order topic sustained
// about 15% more on two cores, and the client's CPU per forward halves).
// HTTPS, proxied targets and injected transports keep net/http.
type fastSender struct {
	client  *fasthttp.Client
	timeout time.Duration
	dialer  net.Dialer

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool

	takes sync.Map // target → bool: cached eligibility
}

// fastIdle closes a kept-alive connection idle this long: before the app
// does (Node's and uvicorn's keep-alive is 5 s, gunicorn's 2 s), since
// fasthttp, unlike net/http, learns that an app closed an idle connection
// only when it next writes on it.
const fastIdle = time.Second

// maxAnswerHeader bounds the header of an app's answer (net/http's client
// allows more, but an app's 200 has no use for 64 KiB of header).
const maxAnswerHeader = 64 << 10

func newFastSender(timeout time.Duration) *fastSender {
	s := &fastSender{timeout: timeout, conns: map[net.Conn]struct{}{}}
	s.client = &fasthttp.Client{
		DialTimeout:                   s.dial,
		MaxConnsPerHost:               1 << 16, // the pool bounds forwards in flight
		MaxConnWaitTimeout:            timeout,
		MaxIdleConnDuration:           fastIdle,
		MaxResponseBodySize:           1 << 20, // the answer's body is discarded anyway
		ReadBufferSize:                maxAnswerHeader,
		NoDefaultUserAgentHeader:      true, // the event's own headers only
		DisablePathNormalizing:        true, // the target's path as the user gave it
		DisableHeaderNamesNormalizing: true, // names as stored (already canonical)
		RetryIfErr:                    retryStale,
	}
	return s
}

// retryStale sends a forward again, once, on a fresh connection when the
// app closed the kept-alive one without answering: mostly an app that
// restarted (a reload in development) or closed an idle connection. net/http
// resends in that case too; if the app had read it, that is one duplicate,
// as at-least-once allows.
func retryStale(_ *fasthttp.Request, attempts int, err error) (bool, bool) {
	stale := errors.Is(err, io.EOF) || errors.Is(err, fasthttp.ErrConnectionClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
	return false, attempts == 1 && stale
}

// dial opens a connection the way net/http does (IPv4 and IPv6, so an app
// on ::1 answers "localhost") and tracks it for closeAll.
func (s *fastSender) dial(addr string, timeout time.Duration) (net.Conn, error) {
	d := s.dialer
	d.Timeout = timeout
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		c.Close()
		return nil, net.ErrClosed
	}
	s.conns[c] = struct{}{}
	return &trackedConn{Conn: c, s: s}, nil
}

// closeAll ends every connection, so forwards in flight fail at once (the
// hard stop after the shutdown grace), and refuses new ones.
func (s *fastSender) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	clear(s.conns)
}

type trackedConn struct {
	net.Conn
	s    *fastSender
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.s.mu.Lock()
		delete(c.s.conns, c.Conn)
		c.s.mu.Unlock()
	})
	return c.Conn.Close()
}

// takes reports whether target goes by fasthttp: plain HTTP, no
// credentials in the URL and no proxy from the environment for it.
func (s *fastSender) takesTarget(target string) bool {
	if v, ok := s.takes.Load(target); ok {
		return v.(bool)
	}
	ok := fastEligible(target)
	s.takes.Store(target, ok)
	return ok
}

func fastEligible(target string) bool {
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "http" || u.Host == "" || u.User != nil || u.Opaque != "" {
		return false
	}
	proxy, err := http.ProxyFromEnvironment(&http.Request{URL: u})
	return err == nil && proxy == nil
}

// send makes one attempt, as forwarder.attempt does over net/http.
func (s *fastSender) send(d *store.Delivery, target string, n int) result {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.Header.DisableNormalizing()
	req.Header.SetNoDefaultContentType(true)
	req.SetRequestURI(target)
	req.Header.SetMethod(http.MethodPost)
	var bad error
	forwardHeaders(d, n, func(k, v string) {
		if !httpguts.ValidHeaderFieldName(k) || !httpguts.ValidHeaderFieldValue(v) {
			bad = cmp.Or(bad, fmt.Errorf("header %q cannot be sent: not a valid HTTP header", k))
			return
		}
		req.Header.Add(k, v)
	})
	if bad != nil { // net/http refuses such a header too; fasthttp would send it raw
		return result{err: bad}
	}
	req.SetBodyRaw(d.Body)
	start := time.Now()
	err := s.client.DoTimeout(req, resp, s.timeout)
	res := result{latency: time.Since(start)}
	if err == nil || errors.Is(err, fasthttp.ErrBodyTooLarge) {
		res.status = resp.StatusCode() // the status line was read; the rest is not wanted
	} else {
		res.err = fastError(err)
	}
	return res
}

var (
	errNoAnswer  = errors.New("the app closed the connection without answering")
	errBigHeader = fmt.Errorf("the app's answer has a header over %d KiB", maxAnswerHeader>>10)
)

// fastError says what went wrong in kwh's words (fasthttp's own quote the
// answer at length); timeouts and refusals keep their type for ShortError.
func fastError(err error) error {
	var small *fasthttp.ErrSmallBuffer
	switch {
	case errors.Is(err, fasthttp.ErrConnectionClosed), errors.Is(err, io.EOF):
		return errNoAnswer
	case errors.As(err, &small), errors.Is(err, fasthttp.ErrSmallReadBuffer):
		return errBigHeader
	case errors.Is(err, fasthttp.ErrTimeout):
		return os.ErrDeadlineExceeded // a net.Error: "timeout", as net/http's
	}
	if msg := err.Error(); len(msg) > maxReasonLen {
		var ne net.Error
		if !errors.As(err, &ne) {
			return errors.New(strings.ToValidUTF8(msg[:maxReasonLen], "") + "…")
		}
	}
	return err
}

// maxReasonLen bounds a failure's reason drawn from what the app sent.
const maxReasonLen = 200

// forwardHeaders gives the headers a forward carries: the event's own but
// those about its hop to kwh, then kwh's delivery id and attempt number.
func forwardHeaders(d *store.Delivery, n int, add func(k, v string)) {
	for k, vs := range d.Header {
		if skippedHeader(k) {
			continue
		}
		for _, v := range vs {
			add(k, v)
		}
	}
	add("X-Kwh-Delivery-Id", strconv.FormatUint(d.ID, 10))
	attempt := "replay"
	if n > 0 {
		attempt = strconv.Itoa(n)
	}
	add("X-Kwh-Attempt", attempt)
}

// skippedHeader: hop-by-hop, or one kwh sets itself (a sender's own
// X-Kwh-Attempt must not pass for kwh's).
func skippedHeader(k string) bool {
	for _, h := range hopHeaders {
		if strings.EqualFold(k, h) {
			return true
		}
	}
	return strings.EqualFold(k, "X-Kwh-Delivery-Id") || strings.EqualFold(k, "X-Kwh-Attempt")
}
