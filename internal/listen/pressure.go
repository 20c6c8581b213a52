package listen

import (
	"fmt"
	"io"
	"net/http"
	"time"
)

// backlogRetryAfter is the Retry-After of a 503 at --max-backlog. Kibo
// retries on its own schedule; a proxy or another sender may honour it.
const backlogRetryAfter = 60 * time.Second

// refuseOverBacklog answers 503 with Retry-After, before anything is
// stored, while the backlog is at or over --max-backlog; it reports
// whether it did. Kibo keeps the event and sends it again.
func (r *Receiver) refuseOverBacklog(w http.ResponseWriter, remote, eventID string) bool {
	if r.cfg.MaxBacklog <= 0 {
		return false
	}
	n := r.fwd.pendingCount()
	if n < r.cfg.MaxBacklog {
		return false
	}
	w.Header().Set("Retry-After", fmt.Sprint(int(backlogRetryAfter.Seconds())))
	r.reject(w, http.StatusServiceUnavailable, fmt.Sprintf("%d forwards wait for the app (--max-backlog %d): send it again later", n, r.cfg.MaxBacklog), remote, eventID)
	return true
}

// serveReady is /readyz: 200 while pushes are acknowledged, with the
// backlog in the body; 503 with why while they are not (starting, the
// store cannot write, the backlog at --max-backlog).
func (r *Receiver) serveReady(w http.ResponseWriter) {
	if !r.ready.Load() {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	if err := r.health.check(); err != nil {
		http.Error(w, "not ready: the store cannot write: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	b := r.fwd.snapshot()
	detail := fmt.Sprintf("backlog %d, oldest pending %s", b.Forwards, b.OldestPending.Round(time.Millisecond))
	if r.pace != nil && r.pace.on.Load() {
		detail += ", acknowledgements paced (the CPU is saturated)"
	}
	detail += "\n"
	if r.cfg.MaxBacklog > 0 && b.Forwards >= r.cfg.MaxBacklog {
		http.Error(w, fmt.Sprintf("not ready: the backlog is at --max-backlog %d: %s", r.cfg.MaxBacklog, detail), http.StatusServiceUnavailable)
		return
	}
	_, _ = io.WriteString(w, "ready: "+detail)
}
