package listen

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// A request is bounded as a whole, as Kestrel bounds it: after BodyGrace its
// body must have arrived at MinBodyRate on average, and all of it within
// RequestTimeout. Kibo sends a push of a few hundred bytes at once, so only
// a client holding a connection open on purpose is cut off.
const (
	DefaultMinBodyRate    = 240 // bytes per second, Kestrel's default
	DefaultBodyGrace      = 2 * time.Second
	DefaultRequestTimeout = 30 * time.Second
	// headerTimeout bounds the request line and headers.
	headerTimeout = 10 * time.Second
	// idleTimeout closes a kept-alive connection that sends nothing more.
	idleTimeout = 30 * time.Second
	// reservedFDs are descriptors kept for the store, the admin API,
	// forwards to the app and the process itself.
	reservedFDs = 64
	maxConnsCap = 1024
)

// errSlowBody is what a body read returns once the client fell behind.
var errSlowBody = errors.New("the request body arrived too slowly")

// bodyDeadline is the read deadline of a body with n bytes read so far: the
// time by which byte n+1 must arrive to keep the average rate after the
// grace, and never after the total deadline.
func bodyDeadline(start time.Time, n int64, rate int, grace, total time.Duration) time.Time {
	end := start.Add(total)
	if rate <= 0 {
		return end
	}
	due := start.Add(grace + time.Duration(float64(n+1)/float64(rate)*float64(time.Second)))
	if due.After(end) {
		return end
	}
	return due
}

// paceReader reads a request body under bodyDeadline, moving the
// connection's read deadline before each read.
type paceReader struct {
	body  io.Reader
	rc    *http.ResponseController
	start time.Time
	n     int64
	rate  int
	grace time.Duration
	total time.Duration
}

func (p *paceReader) Read(b []byte) (int, error) {
	if err := p.rc.SetReadDeadline(bodyDeadline(p.start, p.n, p.rate, p.grace, p.total)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return 0, err
	}
	n, err := p.body.Read(b)
	p.n += int64(n)
	if err != nil && err != io.EOF && isTimeout(err) {
		return n, errSlowBody
	}
	return n, err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

// readBody reads at most max bytes of a request body under the pace rules.
func (r *Receiver) readBody(w http.ResponseWriter, req *http.Request) ([]byte, error) {
	rc := http.NewResponseController(w)
	p := &paceReader{body: http.MaxBytesReader(w, req.Body, r.cfg.MaxBody), rc: rc, start: time.Now(),
		rate: r.cfg.MinBodyRate, grace: r.cfg.BodyGrace, total: r.cfg.RequestTimeout}
	body, err := readAll(p, req.ContentLength, r.cfg.MaxBody)
	// The handler may take its time now (--sync waits for the app): lift the
	// read deadline so only the write side bounds it.
	_ = rc.SetReadDeadline(time.Time{})
	return body, err
}

// readAll is io.ReadAll with the buffer sized from Content-Length (bounded
// by max, which the reader enforces), so a push costs one allocation, not
// a doubling series.
func readAll(r io.Reader, length, max int64) ([]byte, error) {
	if length < 0 || length > max {
		return io.ReadAll(r)
	}
	buf := make([]byte, 0, length+1) // +1: EOF is seen without growing
	for {
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // longer than announced: grow
		}
	}
}

// connCap is the default connection cap: below the descriptor limit by
// reservedFDs, at most maxConnsCap, at least 16.
func connCap(fdLimit uint64) int {
	n := maxConnsCap
	if fdLimit > 0 && fdLimit < uint64(maxConnsCap+reservedFDs) {
		n = int(fdLimit) - reservedFDs
	}
	return max(n, 16)
}
