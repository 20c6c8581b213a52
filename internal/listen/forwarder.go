package listen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/netutil"
	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// forwarder delivers spooled events to targets. Each (target, topic) pair is
// a lane: one event at a time, in arrival order, retried with back-off until
// the app takes it, so per-topic order holds while a target is down.
type forwarder struct {
	cfg    *Config
	emit   func(Event)
	client *http.Client
	health *storeHealth

	mu      sync.Mutex
	lanes   map[laneKey]*lane
	pending int
	wg      sync.WaitGroup

	stopping chan struct{} // closed at shutdown: start nothing new
	hardCtx  context.Context
	hardStop context.CancelFunc // cancels in-flight requests after the grace
}

type laneKey struct{ target, topic string }

type lane struct {
	queue   []job
	running bool
}

// job is one forward. Only a job about to be sent holds its delivery; one
// queued behind others keeps just the id and loads the body from the store
// when its turn comes, so a long outage costs disk, not memory.
type job struct {
	id     uint64
	topic  string
	target string
	d      *store.Delivery // nil until needed
}

func newForwarder(cfg *Config, emit func(Event)) *forwarder {
	ctx, cancel := context.WithCancel(context.Background())
	transport := cfg.Transport
	if transport == nil {
		// One lane per (target, topic) may be busy at once: keep a
		// connection for each rather than Go's default of two per host.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 256
		transport = t
	}
	return &forwarder{
		cfg: cfg, emit: emit, lanes: map[laneKey]*lane{},
		client:   webhook.PushClient(cfg.ForwardTimeout, transport),
		stopping: make(chan struct{}), hardCtx: ctx, hardStop: cancel,
	}
}

// resume claims what the spool still holds from an earlier run, for this
// run's targets (see respool). The caller starts the jobs (f.push) once it
// has said it is ready, so no forwarded event comes before the ready one.
func (f *forwarder) resume() ([]job, error) {
	pend, err := f.cfg.Store.Claim()
	if err != nil {
		return nil, err
	}
	topics := map[uint64]string{}
	for i, p := range pend {
		topic, ok := p.Topic, p.Topic != ""
		if !ok {
			topic, ok = topics[p.DeliveryID]
		}
		if !ok {
			d, err := f.cfg.Store.Get(p.DeliveryID)
			if err != nil {
				return nil, err
			}
			topic, topics[p.DeliveryID] = d.Topic, d.Topic
		}
		pend[i].Topic = topic
	}
	return f.respool(pend)
}

// enqueue queues a newly accepted delivery for each of its targets.
func (f *forwarder) enqueue(d *store.Delivery) {
	for _, t := range d.Targets {
		f.push(job{id: d.ID, topic: d.Topic, target: t, d: d})
	}
}

func (f *forwarder) push(j job) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := laneKey{j.target, j.topic}
	l := f.lanes[k]
	if l == nil {
		l = &lane{}
		f.lanes[k] = l
	}
	if len(l.queue) > 0 {
		j.d = nil // not its turn yet: the store has it
	}
	l.queue = append(l.queue, j)
	f.pending++
	if !l.running {
		l.running = true
		f.wg.Add(1)
		go f.run(k, l)
	}
}

func (f *forwarder) run(k laneKey, l *lane) {
	defer f.wg.Done()
	for {
		f.mu.Lock()
		if len(l.queue) == 0 || f.isStopping() {
			l.running = false
			f.mu.Unlock()
			return
		}
		j := l.queue[0]
		f.mu.Unlock()
		if !f.deliver(j) {
			f.mu.Lock()
			l.running = false
			f.mu.Unlock()
			return // stopping: the job stays in the spool for the next start
		}
		f.mu.Lock()
		l.queue = l.queue[1:]
		f.pending--
		f.mu.Unlock()
	}
}

func (f *forwarder) isStopping() bool {
	select {
	case <-f.stopping:
		return true
	default:
		return false
	}
}

// deliver tries until the target takes the event; false means shutdown came first.
func (f *forwarder) deliver(j job) bool {
	if j.d == nil {
		d, err := f.cfg.Store.Get(j.id)
		if err != nil {
			f.emit(Event{Kind: KindFailed, DeliveryID: j.id, Topic: j.topic, Target: j.target, Reason: "reading the spooled event: " + err.Error()})
			return true // nothing to send; do not block the lane
		}
		j.d = d
	}
	for attempt := j.d.Forwards[j.target].Attempts + 1; ; attempt++ {
		res := f.attempt(f.hardCtx, j.d, j.target, attempt)
		if f.hardCtx.Err() != nil && !res.ok() {
			return false
		}
		// Attempts count across restarts: they are kept in the inbox.
		next := after{giveUp: !res.ok() && f.cfg.MaxAttempts > 0 && attempt >= f.cfg.MaxAttempts}
		if !res.ok() && !next.giveUp {
			next.retryIn = f.cfg.Backoff(attempt)
		}
		f.record(j.d, j.target, res, attempt, next)
		if res.ok() || next.giveUp {
			return true
		}
		t := time.NewTimer(next.retryIn)
		select {
		case <-t.C:
		case <-f.stopping:
			t.Stop()
			return false
		}
	}
}

func (f *forwarder) pendingCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pending
}

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

// hopHeaders are not forwarded: they describe the connection to kwh.
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length", "Host"}

// attempt POSTs the raw body with the original headers plus kwh's own.
func (f *forwarder) attempt(ctx context.Context, d *store.Delivery, target string, n int) result {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(d.Body))
	if err != nil {
		return result{err: err}
	}
	req.Header = d.Header.Clone()
	for _, h := range hopHeaders {
		req.Header.Del(h)
	}
	req.Header.Set("X-Kwh-Delivery-Id", strconv.FormatUint(d.ID, 10))
	attempt := "replay"
	if n > 0 {
		attempt = strconv.Itoa(n)
	}
	req.Header.Set("X-Kwh-Attempt", attempt)
	start := time.Now()
	resp, err := f.client.Do(req)
	res := result{latency: time.Since(start), err: err}
	if err == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
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

// record stores the attempt (a delivered or given-up one leaves the spool)
// and reports every attempt: forwarded, or failed with why and what next.
func (f *forwarder) record(d *store.Delivery, target string, res result, n int, next after) {
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
	e := Event{Kind: KindForwarded, DeliveryID: d.ID, EventID: d.EventID, Topic: d.Topic, EntityID: d.EntityID, Target: target,
		Status: res.status, Attempt: n, LatencyMs: float64(res.latency.Microseconds()) / 1000}
	if !res.ok() {
		e.Kind, e.Reason, e.RetryInMs, e.GaveUp = KindFailed, res.reason(), next.retryIn.Milliseconds(), next.giveUp || next.sync
		switch {
		case next.giveUp:
			e.Reason = fmt.Sprintf("gave up after %d attempts: %s", n, e.Reason)
		case next.sync:
			e.Reason += " (answered to the sender, which retries)"
		default:
			e.Pending = f.pendingCount()
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

// stop lets in-flight forwards finish within grace, then cancels them. It
// returns how many forwards remain spooled.
func (f *forwarder) stop(grace time.Duration) int {
	close(f.stopping)
	done := make(chan struct{})
	go func() { f.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		f.hardStop()
		<-done
	}
	f.hardStop()
	return f.pendingCount()
}

// RetryMax caps the wait between forward attempts.
const RetryMax = 30 * time.Second
