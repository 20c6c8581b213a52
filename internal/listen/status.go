package listen

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"sync/atomic"

	"github.com/kwh-cli/kwh/internal/store"
)

// Status is what a running kwh listen says about itself on its admin API
// (GET /status): kwh doctor reads it.
type Status struct {
	// URL is where it receives pushes; "" when it has no HTTP receiver
	// (events tail --forward feeds it from the pull queue).
	URL     string   `json:"url"`
	Ready   bool     `json:"ready"`
	Targets []string `json:"targets"`
	// Spooled counts forwards still to be delivered, GivenUp those it
	// stopped retrying (--max-attempts), among the newest StatusScan entries.
	Spooled int  `json:"spooled"`
	GivenUp int  `json:"givenUp"`
	Partial bool `json:"partial,omitempty"` // the inbox holds more than was scanned
	// Backlog counts the forwards this process still has to deliver, and
	// OldestPendingMs how long the oldest of them has waited since it was
	// received (the forwarder's own count, exact, unlike Spooled).
	Backlog         int   `json:"backlog"`
	OldestPendingMs int64 `json:"oldestPendingMs"`
	// Order, ForwardConcurrency and MaxBacklog are the forwarding settings
	// (--order, --forward-concurrency, --max-backlog; 0: no limit).
	Order              Order `json:"order"`
	ForwardConcurrency int   `json:"forwardConcurrency"`
	MaxBacklog         int   `json:"maxBacklog,omitempty"`
}

// StatusScan bounds how many inbox entries one status request reads.
const StatusScan = 10000

// statusSource is what GET /status reports from: the receiver and the store.
type statusSource struct {
	url     atomic.Pointer[string]
	ready   *atomic.Bool
	targets []string
	st      store.ListenStore
	fwd     *forwarder
}

func (s *statusSource) status() (Status, error) {
	b, cfg := s.fwd.snapshot(), s.fwd.cfg
	out := Status{Ready: s.ready.Load(), Targets: s.targets, Backlog: b.Forwards, OldestPendingMs: b.OldestPending.Milliseconds(),
		Order: cfg.Order, ForwardConcurrency: cfg.ForwardConcurrency, MaxBacklog: cfg.MaxBacklog}
	if u := s.url.Load(); u != nil {
		out.URL = *u
	}
	ds, err := s.st.Inbox(store.InboxQuery{Limit: StatusScan})
	if err != nil {
		return out, err
	}
	out.Partial = len(ds) == StatusScan
	for _, d := range ds {
		if d.Duplicate || d.Skipped {
			continue
		}
		for _, t := range d.Targets {
			f, tried := d.Forwards[t]
			switch {
			case tried && f.GaveUp:
				out.GivenUp++
			case !tried || !f.Delivered:
				out.Spooled++
			}
		}
	}
	return out, nil
}

// withStatus serves GET /status beside the inbox, behind the same token.
func withStatus(inbox http.Handler, token string, src *statusSource) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/status" {
			inbox.ServeHTTP(w, r)
			return
		}
		if got, ok := bearerToken(r.Header.Get("Authorization")); !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		st, err := src.status()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeAdminJSON(w, st)
	})
}

// ReadStatus asks the kwh listen running for the store in dir how it is;
// (nil, nil) when none runs.
func ReadStatus(dir string) (*Status, error) {
	c := dialAdmin(dir)
	if c == nil {
		return nil, nil
	}
	var st Status
	if err := c.get("/status", nil, &st); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, errors.New("this kwh listen is too old to report its status")
		}
		return nil, err
	}
	return &st, nil
}
