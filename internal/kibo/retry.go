package kibo

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/kwh-cli/kwh/internal/netutil"
)

// retryTransport retries transient failures: 429 (honouring Retry-After), 5xx
// other than 501, timeouts and broken connections, with jittered exponential
// back-off, up to maxAttempts tries in all.
type retryTransport struct {
	base        http.RoundTripper
	maxAttempts int
	timeout     time.Duration // per attempt; 0 means none
	sleep       func(context.Context, time.Duration) error
	notify      func(RetryInfo) // may be nil
}

// RetryInfo tells an observer (progress, --debug) that a call is being retried.
type RetryInfo struct {
	Attempt int
	Wait    time.Duration
	Status  int   // 0 when the request failed without an answer
	Err     error // the transport error, if any
}

const maxRetryAfter = 2 * time.Minute

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	for attempt := 1; ; attempt++ {
		resp, cancel, err := t.try(req)
		wait, retry := t.shouldRetry(req, resp, err, attempt)
		if !retry || attempt >= t.maxAttempts {
			if resp != nil {
				resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
			} else {
				cancel()
			}
			return resp, err
		}
		status := 0
		if resp != nil {
			status = resp.StatusCode
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		cancel()
		info := RetryInfo{Attempt: attempt, Wait: wait, Status: status, Err: err}
		if t.notify != nil {
			t.notify(info)
		}
		if obs := retryObserver(req.Context()); obs != nil {
			obs(info)
		}
		if err := t.sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

func (t *retryTransport) try(req *http.Request) (*http.Response, context.CancelFunc, error) {
	ctx, cancel := req.Context(), context.CancelFunc(func() {})
	if t.timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, t.timeout)
	}
	r := req.Clone(ctx)
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, cancel, err
		}
		r.Body = body
	}
	resp, err := t.base.RoundTrip(r)
	return resp, cancel, err
}

func (t *retryTransport) shouldRetry(req *http.Request, resp *http.Response, err error, attempt int) (time.Duration, bool) {
	if req.Context().Err() != nil {
		return 0, false // the caller gave up (Ctrl-C, overall deadline)
	}
	if req.Body != nil && req.GetBody == nil {
		return 0, false // cannot resend a body we cannot rewind
	}
	backoff := jittered(attempt)
	if err != nil {
		return backoff, !errors.Is(err, context.Canceled)
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return d, true
		}
		return backoff, true
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return backoff, true
	}
	return 0, false
}

// jittered is the back-off between API retries: 250 ms doubling to 8 s.
func jittered(attempt int) time.Duration {
	return netutil.Backoff(250*time.Millisecond, 8*time.Second, attempt)
}

// retryAfter reads Retry-After as seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return min(time.Duration(secs)*time.Second, maxRetryAfter), true
	}
	if when, err := http.ParseTime(v); err == nil {
		return min(max(when.Sub(now), 0), maxRetryAfter), true
	}
	return 0, false
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// cancelBody releases an attempt's timeout once the caller has read the body.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
