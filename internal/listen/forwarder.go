package listen

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// forwarder delivers spooled events to targets. Forwards are grouped in
// lanes (LaneKey of --order): a lane sends one event at a time, in arrival
// order, retried with back-off until the app takes it, so order holds while
// a target is down. A fixed pool of workers (--forward-concurrency) sends
// the head of any runnable lane: one with a job and nothing in flight. A
// lane waiting to retry holds no worker (a timer makes it runnable again),
// and a forward's outcome is written to the store beside the pool: neither
// the worker nor (up to MaxUnrecorded) the lane waits for that write, which
// shares the group commit with every push being acknowledged.
type forwarder struct {
	cfg    *Config
	emit   func(Event)
	client *http.Client
	conns  *connSender // nil with an injected Config.Transport
	health *storeHealth

	mu        sync.Mutex
	wake      *sync.Cond // a lane became runnable (but by handBack), or stopping
	lanes     map[Lane]*lane
	runnable  []*lane // FIFO: each has a job and is not busy
	parked    []*lane // refused by Config.MayRun until wakeLanes
	backlog   backlog
	delivered atomic.Int64 // forwards the app took (the pacer's measure)
	held      int          // body bytes queued jobs keep in memory
	started   bool
	stopped   bool
	wg        sync.WaitGroup // workers and outcome writers
	writing   chan struct{}  // a slot per outcome being written

	stopping chan struct{} // closed at shutdown: start nothing new
	hardCtx  context.Context
	hardStop context.CancelFunc // cancels in-flight requests after the grace
}

type lane struct {
	key   Lane
	queue []job
	// busy: a worker has its head, or its failure is being recorded, or
	// it waits to retry. Nothing else of the lane runs meanwhile.
	busy bool
	// unrecorded counts forwards the app took whose outcome is still
	// being written: the lane goes on meanwhile, up to MaxUnrecorded.
	unrecorded int
	queued     bool          // in forwarder.runnable
	lastReport chan struct{} // closed once the lane's last outcome is reported
}

// MaxUnrecorded is how far a lane runs ahead of its records: a delivered
// forward's outcome joins the store's next group commit, which a flood of
// pushes makes several times longer than a forward to a local app, and a
// lane waiting for each would send one event per commit. A crash resends
// what was delivered but not yet recorded: at most this many per lane, plus
// the one in flight, in order, with the same eventIds (at-least-once).
const MaxUnrecorded = 8

// runAhead is how many forwards a lane may have unrecorded: MaxUnrecorded
// on a store this process alone holds; one on a store replicas share
// (Config.MayRun set), where another replica takes a lane over and resends
// what is unrecorded, so that a handover or a kill resends at most one
// forward per lane.
func (f *forwarder) runAhead() int {
	if f.cfg.MayRun != nil {
		return 1
	}
	return MaxUnrecorded
}

// job is one forward. A job keeps its delivery (body included) while the
// bodies queued jobs keep stay under holdBudget; beyond, it keeps just the
// id and loads the body from the store when its turn comes, so a long
// outage costs disk, not memory.
type job struct {
	id       uint64
	topic    string
	entityID string
	target   string
	at       time.Time       // received; zero when resumed (looked up when asked)
	d        *store.Delivery // nil until needed
	held     int             // body bytes counted in forwarder.held
	attempt  int             // the next attempt's number; 0 until the delivery is loaded
}

// holdBudget bounds the body bytes that queued forwards keep in memory.
const holdBudget = 64 << 20

// DefaultForwardConcurrency is --forward-concurrency's default: enough
// forwards in flight to keep a local app and two cores busy (a forward to
// a local app is a fraction of a millisecond of CPU and well under one of
// round trip, so 32 at once hide the round trip many times over), few
// enough not to swamp a development server or its database.
const DefaultForwardConcurrency = 32

// maxOutcomeWrites bounds forward outcomes being written at once; beyond
// it a worker waits (the store sets the pace).
const maxOutcomeWrites = 1024

func newForwarder(cfg *Config, emit func(Event)) *forwarder {
	ctx, cancel := context.WithCancel(context.Background())
	transport := cfg.Transport
	var conns *connSender
	if transport == nil {
		conns = newConnSender(cfg.ForwardTimeout)
		context.AfterFunc(ctx, conns.closeAll) // the hard stop ends forwards in flight
		// Keep a connection per forward in flight rather than Go's
		// default of two per host.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = max(cfg.ForwardConcurrency, 2)
		transport = t
	}
	f := &forwarder{
		cfg: cfg, emit: emit, lanes: map[Lane]*lane{}, conns: conns,
		client:   webhook.PushClient(cfg.ForwardTimeout, transport),
		writing:  make(chan struct{}, maxOutcomeWrites),
		stopping: make(chan struct{}), hardCtx: ctx, hardStop: cancel,
	}
	f.wake = sync.NewCond(&f.mu)
	f.backlog.init()
	return f
}

// enqueue queues a newly accepted delivery for each of its targets.
func (f *forwarder) enqueue(d *store.Delivery) {
	for _, t := range d.Targets {
		f.push(job{id: d.ID, topic: d.Topic, entityID: d.EntityID, target: t, at: d.ReceivedAt, d: d})
	}
}

func (f *forwarder) push(j job) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.started && !f.stopped {
		f.started = true
		for range f.cfg.ForwardConcurrency {
			f.wg.Add(1)
			go f.work()
		}
	}
	k := LaneKey(f.cfg.Order, j.target, j.topic, j.entityID, j.id)
	l := f.lanes[k]
	if l == nil {
		l = &lane{key: k}
		f.lanes[k] = l
	}
	if j.d != nil {
		if size := len(j.d.Body); f.held+size <= holdBudget || (len(l.queue) == 0 && !l.busy) {
			j.held, f.held = size, f.held+size
		} else {
			j.d = nil // the store has it
		}
	}
	l.queue = append(l.queue, j)
	f.backlog.add(j.id, j.at)
	f.settle(l)
}

// work is one worker of the pool: it sends the head of a runnable lane, one
// attempt at a time, until shutdown.
func (f *forwarder) work() {
	defer f.wg.Done()
	for {
		l, j, ok := f.next()
		if !ok {
			return
		}
		if f.cfg.MayRun != nil && !f.cfg.MayRun(l.key) {
			f.park(l)
			continue
		}
		f.step(l, j)
	}
}

// next waits for a runnable lane and marks it busy; false at shutdown.
func (f *forwarder) next() (*lane, job, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.runnable) == 0 && !f.stopped {
		f.wake.Wait()
	}
	if f.stopped {
		return nil, job{}, false
	}
	l := f.runnable[0]
	f.runnable[0] = nil
	f.runnable = f.runnable[1:]
	l.queued, l.busy = false, true
	return l, l.queue[0], true
}

// step makes one attempt at a lane's head job and decides what follows:
// the lane moves on (delivered, given up), or retries after a back-off
// that holds no worker. At shutdown the job stays spooled and the lane busy.
func (f *forwarder) step(l *lane, j job) {
	d, n := j.d, j.attempt
	if d == nil || n == 0 {
		var err error
		if d, err = f.load(j); err != nil {
			f.emit(Event{Kind: KindFailed, DeliveryID: j.id, Topic: j.topic, Target: j.target, Reason: "reading the spooled event: " + err.Error()})
			f.finish(l, false) // nothing to send; do not block the lane
			f.handBack(l)
			return
		}
		n = d.Forwards[j.target].Attempts + 1
	}
	res := f.send(d, j.target, n)
	if f.hardCtx.Err() != nil && !res.ok() {
		return // stopping: the job stays in the spool for the next start
	}
	// Attempts count across restarts: they are kept in the inbox.
	next := after{giveUp: !res.ok() && f.cfg.MaxAttempts > 0 && n >= f.cfg.MaxAttempts}
	if !res.ok() && !next.giveUp {
		next.retryIn = f.cfg.Backoff(n)
	}
	finished := res.ok() || next.giveUp
	if res.ok() {
		f.delivered.Add(1)
	}
	if finished {
		f.finish(l, true)
	} else {
		f.keepHead(l, d, n+1)
	}
	prev, mine := f.nextReport(l)
	f.writing <- struct{}{} // a slot first: the lane must not wait on it unseen
	if finished {
		f.handBack(l) // the lane goes on while the outcome is written
	}
	// The worker waits for neither the record nor a back-off. A failed
	// forward's lane waits for its record, so a delivery's records stay in
	// order; reports wait for the lane's earlier ones (records of one lane
	// may land in any order), and each comes once its record is stored.
	f.writeOutcome(func() {
		f.keep(d, j.target, res, next)
		if prev != nil {
			<-prev
		}
		f.report(d, j.target, res, n, next)
		close(mine)
		if finished {
			f.recorded(l)
		} else {
			f.retryAfter(l, next.retryIn)
		}
	})
}

// send makes a pool forward's attempt: on kwh's own connections where
// they take the target, else by net/http's client; either ends at the
// hard stop.
func (f *forwarder) send(d *store.Delivery, target string, n int) result {
	if f.conns != nil {
		if t := f.conns.target(target); t != nil {
			return f.conns.send(d, t, n)
		}
	}
	return f.attempt(f.hardCtx, d, target, n)
}

// nextReport chains a lane's reports: the previous one's channel to wait
// for (nil: none pending) and this one's, to close once reported.
func (f *forwarder) nextReport(l *lane) (prev, mine chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	prev, mine = l.lastReport, make(chan struct{})
	l.lastReport = mine
	return prev, mine
}

// load reads a job's delivery from the store when the job did not keep it.
func (f *forwarder) load(j job) (*store.Delivery, error) {
	if j.d != nil {
		return j.d, nil // just accepted: never tried
	}
	return f.cfg.Store.Get(j.id)
}

// writeOutcome runs write beside the pool in the f.writing slot the
// caller took (maxOutcomeWrites bounds them).
func (f *forwarder) writeOutcome(write func()) {
	f.wg.Add(1)
	go func() {
		defer func() { <-f.writing; f.wg.Done() }()
		write()
	}()
}

// retryAfter makes a lane runnable again after wait, holding no worker meanwhile.
func (f *forwarder) retryAfter(l *lane, wait time.Duration) {
	time.AfterFunc(wait, func() { f.release(l) })
}

func (f *forwarder) pendingCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.backlog.count()
}

// stop lets in-flight forwards finish within grace, then cancels them. It
// returns how many forwards remain spooled.
func (f *forwarder) stop(grace time.Duration) int {
	close(f.stopping)
	f.mu.Lock()
	f.stopped = true
	f.runnable = nil
	f.wake.Broadcast()
	f.mu.Unlock()
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
