package listen

import (
	"hash/fnv"
	"slices"
	"sync"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
)

// A store several replicas share (store.Leaser, Redis) spreads forwarding
// between them: lanes are hashed into store.LanePartitions partitions,
// each leased in the store to one replica at a time for --lease-time and
// renewed by it. A replica forwards only lanes of the partitions it holds
// (Config.MayRun), so each forward is sent by one replica at a time and
// order per lane holds across replicas. Whatever replica accepted an event,
// it is spooled in the store; the owner of its lane reads it from there,
// in id order, so a forward never overtakes an earlier one of its lane
// that another replica accepted (told at once by the store, Spooled, and
// polling every pollEvery in case a message was lost). A replica that dies
// stops renewing: its partitions lapse and the others take them, and their
// spooled forwards, within a lease time. One stopped by a signal gives
// its partitions up at once.

// DefaultLeaseTime is --lease-time's default.
const DefaultLeaseTime = 10 * time.Second

// pollEvery is how often a replica reads what other replicas spooled
// when the store did not say so;
// fullScanEvery how often it reads the whole spool of its partitions
// (a forward it could not load meanwhile is picked up again).
const (
	pollEvery     = time.Second
	fullScanEvery = 30 * time.Second
	spoolPage     = 1000
)

// spoolMember names one spooled forward.
type spoolMember struct {
	id     uint64
	target string
}

type sharing struct {
	st    store.Leaser
	cfg   *Config
	fwd   *forwarder
	emit  func(Event)
	lease time.Duration

	mu       sync.Mutex
	held     map[int]bool
	validTil time.Time
	// known: forwards handed to the forwarder whose outcome has not left
	// the spool yet. finished: those that left during the last scan or
	// this one (→ the scan's number), so a scan that read them before they
	// left does not hand them out again.
	known    map[spoolMember]int // → its lane's partition
	finished map[spoolMember]uint64
	scans    uint64
	// fresh: deliveries this replica just accepted, by id, so that the
	// forward read back from the spool keeps its body (no Get); bounded.
	fresh    map[uint64]*store.Delivery
	after    uint64 // the highest inbox id read from the spool
	lastFull time.Time
	failing  bool

	nudge chan struct{}
	quit  chan struct{}
	done  chan struct{}
}

func newSharing(st store.Leaser, cfg *Config, fwd *forwarder, emit func(Event)) *sharing {
	return &sharing{st: st, cfg: cfg, fwd: fwd, emit: emit, lease: cfg.LeaseTime,
		held: map[int]bool{}, known: map[spoolMember]int{}, finished: map[spoolMember]uint64{}, fresh: map[uint64]*store.Delivery{},
		nudge: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
}

// partition is a lane's lease partition: the same on every replica.
func partition(l Lane) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(l.String()))
	return int(h.Sum32() % store.LanePartitions)
}

// mayRun is Config.MayRun: the lane's partition is held and its lease
// has a third of a lease time left by this process's clock (measured from
// before the renewal was sent, so it lapses here before it does in the
// store): a renewal that fails stops new forwards before the lease lapses,
// and a forward started now is most likely over before another replica
// can take the lane.
func (s *sharing) mayRun(l Lane) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held[partition(l)] && time.Until(s.validTil) > s.lease/3
}

// run renews leases every third of a lease time and reads the spool every
// pollEvery (or when nudged) until stop.
func (s *sharing) run() {
	defer close(s.done)
	renew := time.NewTicker(s.lease / 3)
	defer renew.Stop()
	poll := time.NewTicker(pollEvery)
	defer poll.Stop()
	spooled, unsubscribe := s.st.Spooled()
	defer unsubscribe()
	s.renew()
	for {
		select {
		case <-s.quit:
			return
		case <-renew.C:
			s.renew()
		case <-poll.C:
			s.poll()
		case <-s.nudge:
			s.poll()
		case <-spooled:
			s.poll()
		}
	}
}

// renew renews and takes leases; partitions newly held get their whole
// spool read (another replica may have left forwards there).
func (s *sharing) renew() {
	start := time.Now()
	parts, share, err := s.st.Lease(s.lease)
	if err != nil {
		s.report(err)
		return // the leases lapse by themselves: mayRun says no in time
	}
	s.report(nil)
	s.mu.Lock()
	gained := false
	next := map[int]bool{}
	for _, p := range parts {
		next[p] = true
		gained = gained || !s.held[p]
	}
	s.held, s.validTil = next, start.Add(s.lease)
	excess := s.idleExcess(share)
	full := gained || time.Since(s.lastFull) > fullScanEvery
	s.mu.Unlock()
	if len(excess) > 0 {
		_ = s.st.Release(excess, false) // if it fails, they lapse
	}
	if full {
		s.scan(true)
	}
	s.fwd.wakeLanes()
}

// idleExcess picks partitions beyond this replica's share that have
// nothing handed to the forwarder (nothing queued, in flight or waiting
// for its outcome to be written) and stops holding them, for another
// replica to take: a replica that started alone took every partition.
// s.mu is held.
func (s *sharing) idleExcess(share int) []int {
	if len(s.held) <= share {
		return nil
	}
	busy := map[int]bool{}
	for _, p := range s.known {
		busy[p] = true
	}
	var out []int
	for p := range s.held {
		if len(s.held)-len(out) <= share {
			break
		}
		if !busy[p] {
			out = append(out, p)
		}
	}
	for _, p := range out {
		delete(s.held, p)
	}
	return out
}

// report says once that leases cannot be renewed (again after they could).
func (s *sharing) report(err error) {
	s.mu.Lock()
	was := s.failing
	s.failing = err != nil
	s.mu.Unlock()
	if err != nil && !was {
		s.emit(Event{Kind: KindFailed, Reason: "renewing lane leases: " + err.Error() + " (this replica stops forwarding before they lapse; another one takes them)"})
	}
}

func (s *sharing) poll() { s.scan(false) }

// forget drops the accepted deliveries a scan got past (handed out, or
// not this replica's lanes): what the next scan reads is newer.
func (s *sharing) forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range s.fresh {
		if id <= s.after {
			delete(s.fresh, id)
		}
	}
}

// scan reads spooled forwards (all of them with full, else those spooled
// since the last read) and hands the forwarder those in held partitions
// that it does not have.
func (s *sharing) scan(full bool) {
	s.mu.Lock()
	after := s.after
	if full {
		after, s.lastFull = 0, time.Now()
	}
	s.scans++
	this := s.scans
	s.mu.Unlock()
	defer s.forget()
	for {
		ps, err := s.st.SpoolAfter(after, spoolPage)
		if err != nil {
			return // the next poll tries again
		}
		for _, p := range ps {
			s.offer(p)
			after = p.DeliveryID
		}
		if len(ps) < spoolPage {
			break
		}
	}
	s.mu.Lock()
	s.after = max(s.after, after)
	for m, n := range s.finished {
		if n < this { // it left before this scan read the spool
			delete(s.finished, m)
		}
	}
	s.mu.Unlock()
}

// offer hands one spooled forward to the forwarder when its lane is held
// here and the forwarder does not have it. A forward for a target this
// replica does not forward to is left to one that does.
func (s *sharing) offer(p store.Pending) {
	if !slices.Contains(s.cfg.targetsFor(p.Topic), p.Target) {
		return
	}
	j := job{id: p.DeliveryID, topic: p.Topic, entityID: p.EntityID, target: p.Target}
	if s.take(&j) {
		s.fwd.push(j)
	}
}

// take records a job as handed to the forwarder, unless its lane is not
// held here or it was handed out already (or left the spool while the
// spool was read); a delivery this replica just accepted comes with it.
func (s *sharing) take(j *job) bool {
	m := spoolMember{j.id, j.target}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := partition(LaneKey(s.cfg.Order, j.target, j.topic, j.entityID, j.id))
	_, known := s.known[m]
	_, left := s.finished[m]
	if known || left || !s.held[p] {
		return false
	}
	s.known[m] = p
	if d := s.fresh[j.id]; d != nil {
		j.d, j.at = d, d.ReceivedAt
	}
	return true
}

// maxFresh bounds the accepted deliveries kept for the spool's next read.
const maxFresh = 4096

// accepted says this replica accepted a delivery: the spool is read now
// (the owner of a lane reads it in id order, so a forward never overtakes
// an earlier one another replica accepted), and the delivery is kept for
// that read so that its body need not be read back.
func (s *sharing) accepted(d *store.Delivery) {
	s.mu.Lock()
	if len(s.fresh) < maxFresh {
		s.fresh[d.ID] = d
	}
	s.mu.Unlock()
	select {
	case s.nudge <- struct{}{}:
	default:
	}
}

// left records that a forward left the spool (delivered, given up,
// retargeted): it may be handed out again only if spooled again.
func (s *sharing) left(id uint64, target string) {
	m := spoolMember{id, target}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.known, m)
	s.finished[m] = s.scans
}

// lost records that the forwarder dropped a delivery it could not read:
// the next full scan hands it out again.
func (s *sharing) lost(id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for m := range s.known {
		if m.id == id {
			delete(s.known, m)
		}
	}
}

// halt ends renewing and reading the spool (at shutdown, before the
// forwarder stops).
func (s *sharing) halt() {
	if s == nil {
		return
	}
	close(s.quit)
	<-s.done
}

// leave gives up this replica's partitions once its forwarder stopped, so
// the others take them at their next renewal instead of after a lease time.
func (s *sharing) leave() {
	if s == nil {
		return
	}
	s.mu.Lock()
	var parts []int
	for p := range s.held {
		parts = append(parts, p)
	}
	s.held = map[int]bool{}
	s.mu.Unlock()
	_ = s.st.Release(parts, true)
}

// shareLanes sets lane leases up when the store is shared (a store.Leaser)
// and forwarding is not inline (--sync): the forwarder then sees the store
// through leasedStore and asks mayRun before each forward. Nil otherwise.
func shareLanes(cfg *Config, fwd *forwarder, emit func(Event)) *sharing {
	st, ok := cfg.Store.(store.Leaser)
	if !ok || cfg.Sync {
		return nil
	}
	s := newSharing(st, cfg, fwd, emit)
	cfg.Store = leasedStore{ListenStore: cfg.Store, s: s}
	cfg.MayRun = s.mayRun
	return s
}
