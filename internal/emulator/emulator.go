// Package emulator is a local Kibo: the app token endpoint, tenant lookup and
// the six Event service GETs, with paging, filters, sorting, Kibo's error body
// and fault injection. It is an http.Handler any test can mount on httptest,
// and what `kwh emulator` serves. It never imports cobra, viper or the terminal.
package emulator

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Emulator holds the emulated tenant's state. All methods are safe for
// concurrent use.
type Emulator struct {
	mu       sync.Mutex
	seed     Seed
	tokens   map[string]time.Time // access token → expiry
	refresh  map[string]string    // refresh token → client id
	grants   []string
	push     *pusher
	process  int // last delivery summary id handed out
	faults   []*Fault
	latency  time.Duration
	skew     time.Duration
	requests []Request
	// failingSince is when (Kibo time) each failing subscriber's run of
	// failed deliveries began.
	failingSince map[string]time.Time

	// TokenTTL is the expires_in of issued tokens (default one hour).
	TokenTTL time.Duration
	// Now is the emulator's clock; tests replace it to expire tokens.
	Now func() time.Time

	mux *http.ServeMux
}

// New returns an emulator seeded with s.
func New(s Seed) *Emulator {
	e := &Emulator{
		seed:         s,
		tokens:       map[string]time.Time{},
		refresh:      map[string]string{},
		failingSince: map[string]time.Time{},
		TokenTTL:     time.Hour,
		Now:          time.Now,
	}
	if e.seed.DeliveryAttempts == nil {
		e.seed.DeliveryAttempts = map[string][]map[string]any{}
	}
	e.mux = http.NewServeMux()
	e.mux.HandleFunc("POST /api/platform/applications/authtickets/oauth", e.handleOAuth)
	e.mux.HandleFunc("GET /api/platform/tenants/{tenantId}", e.authed(e.handleTenant))
	e.mux.HandleFunc("GET /api/event/pull", e.authed(e.handlePullList))
	e.mux.HandleFunc("GET /api/event/pull/{eventId}", e.authed(e.handlePullGet))
	e.mux.HandleFunc("GET /api/event/push/subscriptions", e.authed(e.handleSubscriptions))
	e.mux.HandleFunc("GET /api/event/push/subscriptions/deliveryattempts", e.authed(e.handleAllDeliveries))
	e.mux.HandleFunc("GET /api/event/push/subscriptions/{subscriptionId}/deliveryattempts", e.authed(e.handleSubDeliveries))
	e.mux.HandleFunc("GET /api/event/push/subscriptions/{subscriptionId}/deliveryattempts/{processId}", e.authed(e.handleDelivery))
	e.mux.HandleFunc("POST "+ControlPrefix+"/publish", e.handlePublish)
	e.mux.HandleFunc("POST "+ControlPrefix+"/subscriptions/{id}/enable", e.handleReenable)
	e.mux.HandleFunc("GET "+ControlPrefix, e.handleInfo)
	e.mux.HandleFunc("POST "+ControlPrefix+"/endpoint/{behaviour}", e.handleTestEndpoint)
	e.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "ITEM_NOT_FOUND", "No resource matches "+r.Method+" "+r.URL.Path)
	})
	return e
}

// ServeHTTP records the request, applies injected faults, then routes it.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, pattern := e.mux.Handler(r)
	e.mu.Lock()
	e.requests = append(e.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Route: pattern})
	latency := e.latency
	fault := e.takeFault(r.URL.Path)
	skew := e.skew
	e.mu.Unlock()

	w.Header().Set("x-vol-correlation", newID())
	// The Date header is the emulator's clock, so a test that sets Now sees
	// the same instant Kibo's answer would carry.
	w.Header().Set("Date", e.Now().Add(skew).UTC().Format(http.TimeFormat))
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
	}
	if fault != nil {
		fault.serve(w)
		return
	}
	e.mux.ServeHTTP(w, r)
}

// Requests returns a copy of every request seen so far.
func (e *Emulator) Requests() []Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Request, len(e.requests))
	copy(out, e.requests)
	return out
}

// Count is how many requests had this method and a path starting with prefix.
func (e *Emulator) Count(method, prefix string) int {
	n := 0
	for _, r := range e.Requests() {
		if r.Method == method && strings.HasPrefix(r.Path, prefix) {
			n++
		}
	}
	return n
}

// TokenRequests counts calls to the token endpoint.
func (e *Emulator) TokenRequests() int {
	return e.Count(http.MethodPost, "/api/platform/applications/authtickets/oauth")
}

// RevokeTokens makes every issued access token invalid, as if Kibo had
// rotated them; the next API call gets a 401.
func (e *Emulator) RevokeTokens() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.tokens = map[string]time.Time{}
}

// newID is a v4 GUID spelled as Kibo's pull queue and summaries spell ids:
// 32 hex digits, no dashes.
func newID() string { return strings.ReplaceAll(uuid.NewString(), "-", "") }

// writeError sends Kibo's error body, its correlation id matching the header.
func writeError(w http.ResponseWriter, status int, code, message string) {
	corr := w.Header().Get("x-vol-correlation")
	if corr == "" {
		corr = newID()
		w.Header().Set("x-vol-correlation", corr)
	}
	writeJSON(w, status, map[string]any{
		"message":             message,
		"errorCode":           code,
		"applicationName":     "Event",
		"additionalErrorData": []any{},
		"items":               []any{},
		"exceptionDetail":     map[string]any{"type": "Mozu.Core.Exceptions.VaeException", "message": message},
		"correlationId":       corr,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func atoiDefault(s string, def int) (int, bool) {
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// AddEvent appends an event (an EventEvent object) to the pull queue.
func (e *Emulator) AddEvent(ev map[string]any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seed.Events = append(e.seed.Events, ev)
}
