package listen

import (
	"context"
	"net/http"

	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// serveSync forwards inline and answers the sender with the app's status, so
// Kibo's own retries and DLQ can be exercised end to end. Only an event every
// target accepted is marked seen: a 5xx here must let Kibo's retry through.
func (r *Receiver) serveSync(w http.ResponseWriter, ctx context.Context, d *store.Delivery) {
	key := webhook.CanonicalID(d.EventID)
	seen, err := r.cfg.Store.Seen(key, d.ReceivedAt)
	if err != nil {
		r.unavailable(w, "reading the store", err, d.Remote, d.EventID)
		return
	}
	if seen || d.Skipped || len(d.Targets) == 0 {
		targets := d.Targets
		d.Targets = nil // nothing to spool: answered here
		if _, err := r.cfg.Store.Accept(store.Accept{Delivery: d, DedupeKey: key, TTL: r.cfg.DedupeTTL, MarkSeen: true, Now: d.ReceivedAt}); err != nil {
			r.unavailable(w, "storing the event", r.health.note(err), d.Remote, d.EventID)
			return
		}
		d.Targets = targets
		writeOK(w, d.ID)
		r.announce(d, seen, 0)
		return
	}
	targets := d.Targets
	d.Targets = nil
	// Store first (not seen yet) so the inbox has it whatever the app says.
	if _, err := r.cfg.Store.Accept(store.Accept{Delivery: d, DedupeKey: key, TTL: r.cfg.DedupeTTL, MarkSeen: false, Now: d.ReceivedAt}); err != nil {
		r.unavailable(w, "storing the event", r.health.note(err), d.Remote, d.EventID)
		return
	}
	r.announce(d, false, 0)
	status, failed := http.StatusOK, false
	for _, t := range targets {
		res := r.fwd.attempt(ctx, d, t, 1)
		r.fwd.record(d, t, res, 1, after{sync: true})
		if !res.ok() {
			failed = true
			status = res.status
			if status == 0 {
				status = http.StatusBadGateway
			}
		} else if !failed {
			status = res.status
		}
	}
	if !failed {
		if err := r.cfg.Store.MarkSeen(key, r.cfg.DedupeTTL, r.cfg.Now()); err != nil {
			r.unavailable(w, "storing the event", r.health.note(err), d.Remote, d.EventID)
			return
		}
	}
	w.WriteHeader(status)
}
