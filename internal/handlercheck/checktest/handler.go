// Package checktest has webhook handlers for tests of kwh check: a correct
// one and ones with the flaws Kibo's guide warns about.
package checktest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/kwh-cli/kwh/internal/webhook"
)

// Flaws are the mistakes a handler makes; the zero value is a correct handler.
type Flaws struct {
	Answer202        bool // answers 202 Accepted instead of 200
	FailDuplicate    bool // 500 on the second copy of an event
	NeedsOpenedFirst bool // 500 when order.closed comes before order.opened
	AcceptUnsigned   bool // never checks the signature
	Redirect         bool // 302 to another URL
	Hang             bool // never answers (until the client gives up)
}

// Handler is a correct Kibo webhook handler (verifies the signature with
// Kibo's algorithm, dedupes on eventId in either spelling, answers 200),
// but for its flaws.
type Handler struct {
	Secret string
	Flaws  Flaws

	mu     sync.Mutex
	seen   map[string]bool
	opened map[string]bool
	stop   chan struct{}
}

// Serve starts a handler on a loopback httptest server closed with the test.
func Serve(t testing.TB, secret string, f Flaws) *httptest.Server {
	h := &Handler{Secret: secret, Flaws: f}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	t.Cleanup(h.Stop) // runs first: a hanging request must end for Close to return
	return srv
}

// Stop ends the waits of a hanging handler.
func (h *Handler) Stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stop == nil {
		h.stop = make(chan struct{})
	}
	select {
	case <-h.stop:
	default:
		close(h.stop)
	}
}

func (h *Handler) stopped() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stop == nil {
		h.stop = make(chan struct{})
	}
	return h.stop
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	switch {
	case h.Flaws.Hang:
		// The body was read to its end, so the server notices the client
		// hanging up and ends the request's context.
		select {
		case <-r.Context().Done():
		case <-h.stopped():
		}
		return
	case h.Flaws.Redirect:
		http.Redirect(w, r, "https://elsewhere.example/hooks", http.StatusFound)
		return
	}
	if !h.Flaws.AcceptUnsigned {
		if err := (webhook.Verifier{Secret: h.Secret}).VerifyRequest(r.Header, body); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
	}
	p, err := webhook.ParsePush(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	dup, opened := h.record(p)
	switch {
	case dup && h.Flaws.FailDuplicate:
		http.Error(w, "already processed", http.StatusInternalServerError)
	case p.Topic == "order.closed" && !opened && h.Flaws.NeedsOpenedFirst:
		http.Error(w, "unknown order", http.StatusInternalServerError)
	case h.Flaws.Answer202:
		w.WriteHeader(http.StatusAccepted)
	default:
		w.WriteHeader(http.StatusOK)
	}
}

// record notes an event; it says whether the event was seen before and
// whether its entity has been opened.
func (h *Handler) record(p webhook.Push) (dup, opened bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.seen == nil {
		h.seen, h.opened = map[string]bool{}, map[string]bool{}
	}
	id := webhook.CanonicalID(p.EventID)
	dup = h.seen[id]
	h.seen[id] = true
	if p.Topic == "order.opened" {
		h.opened[p.EntityID] = true
	}
	return dup, h.opened[p.EntityID]
}
