package listen

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// pacer slows acknowledgements while the machine's CPU is saturated and
// forwards fall behind (Config.PaceAcks). Every push kwh takes costs CPU
// the app needs to answer forwards; under a flood, acks would win and
// forwarding collapse: an ordered lane, one forward in flight, slows with
// every millisecond the app waits for a CPU. Paced, a push waits for its
// turn at the rate the app takes forwards, at most paceMaxWait, and is then
// stored and acknowledged as ever: late, never refused (Kibo waits 45 s for
// an answer). Pacing starts only when all of these hold, and stops when one
// fails: the CPU is nearly all busy and kwh itself takes half a CPU or more
// (a flood, not a build beside a trickle of events), the oldest forward has
// waited paceMinAge and the backlog grows, and the app takes forwards
// (pacing cannot speed up an app that is down or failing, and a slow app
// leaves the CPU idle).
type pacer struct {
	lim     *rate.Limiter
	on      atomic.Bool
	paced   atomic.Int64 // pushes that waited
	cpu     func() (cpuTimes, bool)
	state   func() paceState
	emit    func(Event)
	stopped chan struct{}
	once    sync.Once
	tick    time.Duration // paceTick; shorter in tests
	appRate float64       // the app's forward rate, smoothed over about a second
	seeded  bool          // appRate holds a reading since the last fresh start
}

// cpuTimes is the CPU time so far, at a moment: that of the CPUs kwh may
// run on, in any unit (idle of total), kwh's own, and each cgroup CPU
// quota's over kwh.
type cpuTimes struct {
	idle, total uint64
	scope       string // which CPUs idle and total cover: two readings compare only alike
	self        time.Duration
	quotas      []cpuQuota
	at          time.Time
}

// cpuQuota is what a cgroup CPU quota allows, in CPUs, and what the
// limited group (dir) has used so far.
type cpuQuota struct {
	dir  string
	cpus float64
	used time.Duration
}

// paceState is what the forwarder says each tick.
type paceState struct {
	backlog   int
	oldest    time.Duration
	delivered int64 // forwards the app took, so far
}

const (
	paceTick = 200 * time.Millisecond
	// paceStaleTicks unreadable ticks in a row (a second) end pacing.
	paceStaleTicks = 5
	paceMaxWait    = 2 * time.Second
	paceMinAge     = 500 * time.Millisecond
	paceIdleOn     = 0.08 // idle share under which pacing may start
	paceIdleOff    = 0.15 // idle share over which it stops
	paceSelfOn     = 0.5  // CPUs kwh must keep busy for pacing to start
	paceSelfOff    = 0.25 // and under which it stops
	// paceShare is the ack rate paced, as a share of the app's: under 1, so
	// the backlog drains while paced.
	paceShare = 0.9
	// paceSmooth weighs a tick's forward rate against the past ones.
	paceSmooth = 0.2
)

func newPacer(cpu func() (cpuTimes, bool), state func() paceState, emit func(Event)) *pacer {
	return &pacer{lim: rate.NewLimiter(rate.Inf, 1), cpu: cpu, state: state, emit: emit, stopped: make(chan struct{}), tick: paceTick}
}

// wait holds a push for its turn while pacing, at most paceMaxWait.
func (p *pacer) wait() {
	if p == nil || !p.on.Load() {
		return
	}
	r := p.lim.Reserve()
	d := r.Delay()
	if d <= 0 {
		return
	}
	if d > paceMaxWait {
		r.Cancel() // it goes after paceMaxWait without its turn: no debt outlives the flood
		d = paceMaxWait
	}
	p.paced.Add(1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-p.stopped:
	}
}

// run samples every paceTick until stop. A tick whose CPU figures cannot
// be read (out of file descriptors, under the very flood pacing is for)
// is skipped: the next readable one is compared with the last, over the
// longer span. After paceStaleTicks unreadable ticks in a row pacing ends,
// never held on figures that old, and the next readable tick starts
// afresh.
func (p *pacer) run() {
	defer p.off()
	t := time.NewTicker(p.tick)
	defer t.Stop()
	var c0 cpuTimes
	var s0 paceState
	have, failed := false, 0 // have: c0 and s0 hold the last readable tick
	for {
		if c1, ok := p.cpu(); ok {
			s1 := p.state()
			if have {
				p.step(sample(c0, c1, s0, s1))
			}
			c0, s0, have, failed = c1, s1, true, 0
		} else if failed++; failed >= paceStaleTicks {
			p.off()
			have, p.seeded = false, false
		}
		select {
		case <-p.stopped:
			return
		case <-t.C:
		}
		select { // a stop and a tick both ready: the stop wins
		case <-p.stopped:
			return
		default:
		}
	}
}

// sample is what one tick, between two readings, tells the pacer.
func sample(c0, c1 cpuTimes, s0, s1 paceState) paceSample {
	wall := max(c1.at.Sub(c0.at), time.Millisecond)
	return paceSample{
		idle: idleShare(c0, c1, wall), self: (c1.self - c0.self).Seconds() / wall.Seconds(), quota: tightest(c1.quotas),
		backlog: s1.backlog, grew: s1.backlog > s0.backlog,
		oldest: s1.oldest, delivered: float64(s1.delivered-s0.delivered) / wall.Seconds(),
	}
}

// off ends pacing when the figures cannot be read for a while or the pacer stops:
// never paced on stale figures. Shutting down, the screen is closing and
// nothing is said.
func (p *pacer) off() {
	p.lim.SetLimit(rate.Inf)
	if p.on.Swap(false) {
		select {
		case <-p.stopped:
		default:
			p.emit(Event{Kind: KindPacingEnded, Reason: "acknowledgements no longer paced: the CPU figures cannot be read (pacing resumes when they can)"})
		}
	}
}

func (p *pacer) stop() {
	if p != nil {
		p.once.Do(func() { close(p.stopped) })
	}
}

// idleShare is the share of CPU left over a tick: the machine's, or the
// least that any cgroup quota over kwh has left (a shared parent's may run
// out before kwh's own). A group counts only when both ticks read it.
func idleShare(c0, c1 cpuTimes, wall time.Duration) float64 {
	idle := 1.0 // kwh's CPUs changed (taskset, hotplug): nothing known this tick
	if c0.scope == c1.scope {
		idle = share(c1.idle-c0.idle, c1.total-c0.total)
	}
	for _, q1 := range c1.quotas {
		for _, q0 := range c0.quotas {
			if q0.dir == q1.dir && q1.used >= q0.used {
				used := (q1.used - q0.used).Seconds() / (wall.Seconds() * q1.cpus)
				idle = min(idle, max(0, 1-used))
			}
		}
	}
	return idle
}

// tightest is the fewest CPUs a quota allows (0: no quota).
func tightest(qs []cpuQuota) float64 {
	least := 0.0
	for _, q := range qs {
		if least == 0 || q.cpus < least {
			least = q.cpus
		}
	}
	return least
}

func share(part, whole uint64) float64 {
	if whole == 0 || part > whole {
		return 1 // no time passed, or a counter went back: nothing known
	}
	return float64(part) / float64(whole)
}

// paceSample is one tick's view.
type paceSample struct {
	idle      float64 // the machine's (or quota's) idle share over the tick
	self      float64 // CPUs kwh kept busy over the tick
	quota     float64 // CPUs a cgroup quota allows kwh (0: none)
	backlog   int     // forwards waiting now
	grew      bool    // more than a tick ago
	oldest    time.Duration
	delivered float64 // forwards the app took per second over the tick
}

// pacing decides from one tick: whether to pace, and at what rate.
func pacing(on bool, s paceSample) (bool, float64) {
	// Under a quota of less than a CPU, kwh's share is scaled to it.
	selfOn, selfOff := paceSelfOn, paceSelfOff
	if s.quota > 0 && s.quota < 1 {
		selfOn, selfOff = selfOn*s.quota, selfOff*s.quota
	}
	if s.delivered <= 0 || s.idle >= paceIdleOff || s.self < selfOff || s.oldest < paceMinAge/2 {
		return false, 0
	}
	if !on && (s.idle >= paceIdleOn || s.self < selfOn || !s.grew || s.oldest < paceMinAge) {
		return false, 0
	}
	return true, max(paceShare*s.delivered, 1)
}

func (p *pacer) step(s paceSample) {
	// One slow tick must not set the pace for seconds: smoothed over
	// about five ticks.
	if p.seeded {
		p.appRate += (s.delivered - p.appRate) * paceSmooth
	} else { // the first tick from a fresh start is the best guess there is
		p.appRate, p.seeded = s.delivered, true
	}
	if s.delivered <= 0 {
		p.appRate = 0 // the app took nothing: that is known at once
	}
	s.delivered = p.appRate
	was := p.on.Load()
	on, r := pacing(was, s)
	if on {
		p.lim.SetLimit(rate.Limit(r))
	} else {
		p.lim.SetLimit(rate.Inf)
	}
	p.on.Store(on)
	switch {
	case on && !was:
		p.emit(Event{Kind: KindPacing, Backlog: s.backlog, OldestPendingMs: s.oldest.Milliseconds(),
			Reason: fmt.Sprintf("pacing acknowledgements to %.0f/s, the rate the app takes forwards: the CPU is %.0f%% busy (kwh %.1f CPUs) and the oldest of %d forwards has waited %s (each push waits at most %s; Kibo waits 45 s)",
				r, 100*(1-s.idle), s.self, s.backlog, s.oldest.Round(time.Millisecond), paceMaxWait)})
	case was && !on:
		p.emit(Event{Kind: KindPacingEnded, Backlog: s.backlog, OldestPendingMs: s.oldest.Milliseconds(),
			Reason: fmt.Sprintf("acknowledgements no longer paced (%d forwards waiting)", s.backlog)})
	}
}
