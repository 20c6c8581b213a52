package listen

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// Receiver takes Kibo's pushes and hands them to the forwarder.
type Receiver struct {
	cfg    Config
	events *eventQueue
	fwd    *forwarder
	ready  atomic.Bool
	health *storeHealth
	share  *sharing // lane leases, with a store several replicas share
	gate   *ingestGate
	pace   *pacer // nil: acks are never paced
}

// New builds the request pipeline and its forwarder alone: an http.Handler
// with no server, admin API or maintenance around it (Start runs those).
func New(cfg Config) (*Receiver, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	r := &Receiver{cfg: cfg, events: newEventQueue(cfg.Now), gate: newIngestGate(cfg.IngestSlots, cfg.Sync)}
	r.health = &storeHealth{emit: r.emit, st: cfg.Store}
	r.fwd = newForwarder(&r.cfg, r.emit)
	r.fwd.health = r.health
	if cfg.PaceAcks && !cfg.Sync {
		if cpu := machineCPU(); cpu != nil { // nil: no figures here (not Linux)
			r.pace = newPacer(cpu, r.paceState, r.emit)
		}
	}
	return r, nil
}

// paceState is what the pacer needs from the forwarder each tick.
func (r *Receiver) paceState() paceState {
	b := r.fwd.snapshot()
	return paceState{backlog: b.Forwards, oldest: b.OldestPending, delivered: r.fwd.delivered.Load()}
}

// Events delivers what happens, in order.
func (r *Receiver) Events() <-chan Event { return r.events.out }

func (r *Receiver) emit(e Event) {
	if e.Time.IsZero() {
		e.Time = r.cfg.Now()
	}
	for _, observe := range r.cfg.Observers {
		observe(e)
	}
	r.events.push(e)
}

// server is the HTTP server Kibo's pushes reach and the listener it serves:
// every request is bounded as a whole (bounds.go) and connections are
// capped below the descriptor limit (connlimit.go).
func (r *Receiver) server(ln net.Listener) (*http.Server, net.Listener) {
	ll := newLimitListener(ln, r.cfg.MaxConns)
	return &http.Server{Handler: r, ReadHeaderTimeout: headerTimeout, ReadTimeout: r.cfg.RequestTimeout, IdleTimeout: idleTimeout,
		ConnState: ll.connState, ConnContext: withConn}, ll
}

// emitReady reports the receiver's public URL ("" without HTTP), the
// inspector's ("" without one) and how many spooled forwards it resumed.
func (r *Receiver) emitReady(publicURL, inspectorURL string, resumed int) {
	r.emit(Event{Kind: KindReady, URL: publicURL, Targets: r.cfg.AllTargets(), Store: r.cfg.StoreName, Pending: resumed, Sync: r.cfg.Sync, Verified: r.verifying(), Inspector: inspectorURL,
		Metrics: r.cfg.MetricsURL})
}

func (r *Receiver) verifying() bool { return r.cfg.Secret != "" && !r.cfg.SkipVerify }

// ServeHTTP is the per-request pipeline: size → signature → parse → dedupe →
// durable spool → 200 → forward (asynchronously, or inline with Sync).
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	switch {
	case req.Method == http.MethodGet && req.URL.Path == "/healthz":
		_, _ = io.WriteString(w, "ok\n")
		return
	case req.Method == http.MethodGet && req.URL.Path == "/readyz":
		r.serveReady(w)
		return
	case !strings.HasPrefix(req.URL.Path, r.cfg.Path) || isInspectorPath(req.URL.Path):
		http.NotFound(w, req) // the inspector lives on the loopback admin listener only
		return
	case req.Method != http.MethodPost:
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "Kibo pushes with POST", http.StatusMethodNotAllowed)
		return
	}
	remote := clientAddr(req)
	body, err := r.readBody(w, req)
	if err != nil {
		r.rejectBody(w, err, remote)
		return
	}
	markBusy(req)
	push, ok := r.check(w, req, body, remote)
	if !ok {
		return
	}
	// Paced and gated only once it is known to be Kibo's: forged or
	// malformed pushes are refused at once and never take a paced turn.
	r.pace.wait()
	r.gate.enter()
	defer r.gate.leave()
	// The request's header is kwh's from here: net/http only reads it after
	// the handler, and kwh never changes a delivery's header (a re-forward
	// changes a copy), so it is kept, not copied.
	d := &store.Delivery{
		ReceivedAt: r.cfg.Now(), EventID: push.EventID, Topic: push.Topic, EntityID: push.EntityID,
		Method: req.Method, Path: req.URL.RequestURI(), Host: req.Host, Remote: remote,
		Header: req.Header, Body: body, Verified: r.verifying(),
	}
	if r.cfg.wanted(push.Topic) {
		d.Targets = r.cfg.targetsFor(push.Topic)
	} else {
		d.Skipped = true
	}
	if r.cfg.Sync {
		r.serveSync(w, req.Context(), d)
		return
	}
	r.accept(w, d)
}

// rejectBody answers a body that could not be read in full.
func (r *Receiver) rejectBody(w http.ResponseWriter, err error, remote string) {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		r.reject(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", r.cfg.MaxBody), remote, "")
	case errors.Is(err, errSlowBody):
		w.Header().Set("Connection", "close")
		r.reject(w, http.StatusRequestTimeout, fmt.Sprintf("%v: under %d bytes/s after %s, or not complete within %s", err, r.cfg.MinBodyRate, r.cfg.BodyGrace, r.cfg.RequestTimeout), remote, "")
	default:
		r.reject(w, http.StatusBadRequest, "reading the body: "+err.Error(), remote, "")
	}
}

// check verifies a push's signature (unless verification is off) and
// parses it; a push that fails is answered here.
func (r *Receiver) check(w http.ResponseWriter, req *http.Request, body []byte, remote string) (webhook.Push, bool) {
	if r.verifying() {
		v := webhook.Verifier{Secret: r.cfg.Secret, MaxAge: r.cfg.MaxAge, Now: r.cfg.Now}
		if err := v.VerifyRequest(req.Header, body); err != nil {
			r.reject(w, http.StatusUnauthorized, err.Error(), remote, "")
			return webhook.Push{}, false
		}
	}
	push, err := webhook.ParsePush(body)
	if err != nil {
		r.reject(w, http.StatusBadRequest, err.Error(), remote, "")
		return webhook.Push{}, false
	}
	return push, true
}

func (r *Receiver) accept(w http.ResponseWriter, d *store.Delivery) {
	if r.refuseOverBacklog(w, d.Remote, d.EventID) {
		return
	}
	if _, err := r.persist(d, func() { writeOK(w, d.ID) }); err != nil {
		// Not stored: a 503 makes Kibo send it again later.
		r.unavailable(w, "storing the event", err, d.Remote, d.EventID)
	}
}

// persist stores a delivery durably (deduplicating on its eventId), runs ack
// once it is on disk, reports it, and hands a new one to the forwarder.
func (r *Receiver) persist(d *store.Delivery, ack func()) (bool, error) {
	start := time.Now()
	dup, err := r.cfg.Store.Accept(store.Accept{Delivery: d, DedupeKey: webhook.CanonicalID(d.EventID), TTL: r.cfg.DedupeTTL, MarkSeen: true, Now: d.ReceivedAt})
	if errors.Is(err, store.ErrUnconfirmed) {
		// Stored but not confirmed (--redis-wait): not acknowledged, yet
		// kept and spooled, so it is reported and forwarded like any other.
		r.announce(d, dup, 0) // not acknowledged: no ack latency
		if !dup && !d.Skipped {
			r.enqueue(d)
		}
	}
	if r.health.note(err) != nil {
		return false, err
	}
	ack()
	r.announce(d, dup, time.Since(start))
	if !dup && !d.Skipped {
		r.enqueue(d)
	}
	return dup, nil
}

// enqueue hands a new delivery to this replica's forwarder, or, with lane
// leases, to whichever replica holds its lanes.
func (r *Receiver) enqueue(d *store.Delivery) {
	if r.share != nil {
		r.share.accepted(d)
		return
	}
	r.fwd.enqueue(d)
}

// announce emits received, duplicate or skipped for a stored delivery,
// with how long its acknowledgement took (0: not measured).
func (r *Receiver) announce(d *store.Delivery, dup bool, ack time.Duration) {
	e := Event{Kind: KindReceived, DeliveryID: d.ID, EventID: d.EventID, Topic: d.Topic, EntityID: d.EntityID, Remote: d.Remote, Verified: d.Verified, Time: d.ReceivedAt,
		LatencyMs: float64(ack.Microseconds()) / 1000}
	switch {
	case dup:
		e.Kind, e.Reason = KindDuplicate, "already received: not forwarded again"
	case d.Skipped:
		e.Kind, e.Reason = KindSkipped, "topic not selected by --topic"
	}
	r.emit(e)
}

func (r *Receiver) reject(w http.ResponseWriter, status int, reason, remote, eventID string) {
	http.Error(w, reason, status)
	r.emit(Event{Kind: KindRejected, Status: status, Reason: reason, Remote: remote, EventID: eventID})
}

func writeOK(w http.ResponseWriter, id uint64) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Kwh-Delivery-Id", strconv.FormatUint(id, 10))
	_, _ = io.WriteString(w, `{"ok":true}`+"\n")
}

// clientAddr is the sender as a person would name it: the first
// X-Forwarded-For hop when a tunnel put one there, else the peer address.
func clientAddr(req *http.Request) string {
	if xff := req.Header.Get("X-Forwarded-For"); xff != "" {
		first, _, _ := strings.Cut(xff, ",")
		return strings.TrimSpace(first)
	}
	if ip := req.Header.Get("X-Real-Ip"); ip != "" {
		return ip
	}
	host, _, err := net.SplitHostPort(req.RemoteAddr)
	if err != nil {
		return req.RemoteAddr
	}
	return host
}
