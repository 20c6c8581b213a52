package emulator

import (
	"io"
	"net/http"
	"strconv"
	"time"
)

// SetClockSkew makes the emulator's clock run d ahead (or behind, when
// negative) of this machine's: the Date header of its answers and of its
// pushes, as a Kibo host with a drifting clock, or a machine whose clock is
// wrong, would show.
func (e *Emulator) SetClockSkew(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.skew = d
}

// ClockSkew is the skew SetClockSkew set.
func (e *Emulator) ClockSkew() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.skew
}

// TestEndpointPath is a push endpoint the emulator serves itself, answering
// as behaviour says: a status code ("200", "202", "500"), "redirect" (a 308
// to the 200 endpoint) or "hang" (no answer until the caller gives up).
// Subscriptions can point at it to try kwh doctor --probe and kwh send.
func TestEndpointPath(behaviour string) string { return ControlPrefix + "/endpoint/" + behaviour }

// hangLimit bounds how long a "hang" endpoint holds a request.
const hangLimit = 2 * time.Minute

func (e *Emulator) handleTestEndpoint(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
	switch b := r.PathValue("behaviour"); b {
	case "redirect":
		http.Redirect(w, r, TestEndpointPath("200"), http.StatusPermanentRedirect)
	case "hang":
		t := time.NewTimer(hangLimit)
		defer t.Stop()
		select {
		case <-r.Context().Done():
		case <-t.C:
		}
	default:
		code, err := strconv.Atoi(b)
		if err != nil || code < 200 || code > 599 {
			writeError(w, http.StatusNotFound, "ITEM_NOT_FOUND", "Unknown test endpoint behaviour "+b+": use a status code, redirect or hang.")
			return
		}
		w.WriteHeader(code)
	}
}
