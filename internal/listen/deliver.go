package listen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/netutil"
	"github.com/kwh-cli/kwh/internal/store"
)

// result is one forward attempt.
type result struct {
	status  int
	err     error
	latency time.Duration
}

// ok is Kibo's rule: an app answering 201/202/204 would fail under Kibo too.
func (r result) ok() bool { return r.err == nil && kibo.PushAccepted(r.status) }

func (r result) reason() string {
	if r.err != nil {
		return netutil.ShortError(r.err)
	}
	return kibo.PushRefusal(r.status)
}

// attempt POSTs the raw body with the original headers plus kwh's own.
func (f *forwarder) attempt(ctx context.Context, d *store.Delivery, target string, n int) result {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(d.Body))
	if err != nil {
		return result{err: err}
	}
	forwardHeaders(d, n, req.Header.Add)
	start := time.Now()
	resp, err := f.client.Do(req)
	res := result{latency: time.Since(start), err: err}
	if err == nil {
		if resp.StatusCode != http.StatusSwitchingProtocols { // else the body is the raw connection
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswerBody))
		}
		resp.Body.Close()
		res.status = resp.StatusCode
	}
	return res
}

// after is what follows a failed attempt.
type after struct {
	retryIn time.Duration // kwh tries again after this long
	giveUp  bool          // --max-attempts reached: the forward leaves the spool
	sync    bool          // --sync: the sender gets the app's status and retries itself
}

// record stores the attempt, then reports it.
func (f *forwarder) record(d *store.Delivery, target string, res result, n int, next after) {
	f.keep(d, target, res, next)
	f.report(d, target, res, n, next)
}

// keep stores the attempt (a delivered or given-up one leaves the spool);
// a failure to store it is reported.
func (f *forwarder) keep(d *store.Delivery, target string, res result, next after) {
	st := store.ForwardState{Status: res.status, At: f.cfg.Now()}
	p := store.Pending{DeliveryID: d.ID, Target: target}
	outcome := f.cfg.Store.Complete
	if !res.ok() {
		st.Error = res.reason()
		outcome = f.cfg.Store.Fail
		if next.giveUp || next.sync {
			outcome = f.cfg.Store.GiveUp // kwh will not try it again
		}
	}
	write := func() error { return outcome(p, st) }
	var err error
	if next.sync {
		if err = write(); err != nil { // the request waits: one try, the sender retries
			f.health.failed(err)
		}
	} else {
		err = f.keepOutcome(write)
	}
	if err != nil {
		f.emit(Event{Kind: KindFailed, DeliveryID: d.ID, EventID: d.EventID, Target: target, Reason: "recording the forward: " + err.Error()})
	}
}

// report emits every attempt: forwarded, or failed with why and what next.
func (f *forwarder) report(d *store.Delivery, target string, res result, n int, next after) {
	e := Event{Kind: KindForwarded, DeliveryID: d.ID, EventID: d.EventID, Topic: d.Topic, EntityID: d.EntityID, Target: target,
		Status: res.status, Attempt: n, LatencyMs: float64(res.latency.Microseconds()) / 1000}
	if !res.ok() {
		e.Kind, e.Reason, e.RetryInMs, e.GaveUp = KindFailed, res.reason(), next.retryIn.Milliseconds(), next.giveUp || next.sync
		switch {
		case next.giveUp:
			e.Reason = fmt.Sprintf("gave up after %d attempts: %s", n, e.Reason)
		case next.sync:
			e.Reason += " (answered to the sender, which retries)"
		}
	}
	if !next.sync {
		b := f.snapshot()
		e.Backlog, e.OldestPendingMs = b.Forwards, b.OldestPending.Milliseconds()
		if e.Kind == KindFailed && !next.giveUp {
			e.Pending = b.Forwards
		}
	}
	f.emit(e)
}

// keepOutcome records a forward's outcome, trying again while the store
// cannot write (a full disk): an unrecorded delivery would be sent again
// after a restart. It gives up only at shutdown.
func (f *forwarder) keepOutcome(write func() error) error {
	for n := 1; ; n++ {
		err := write()
		if err == nil {
			return nil
		}
		f.health.failed(err)
		t := time.NewTimer(netutil.Backoff(100*time.Millisecond, 5*time.Second, n))
		select {
		case <-t.C:
		case <-f.stopping:
			t.Stop()
			return f.health.problem()
		}
	}
}
