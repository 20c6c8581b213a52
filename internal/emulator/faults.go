package emulator

import (
	"net/http"
	"strings"
	"time"
)

// Fault makes the emulator misbehave for tests: answer Status (with Kibo's
// error body and, for 429, Retry-After) to the next Times requests whose path
// starts with PathPrefix ("" matches all).
type Fault struct {
	PathPrefix string
	Status     int
	RetryAfter string
	Times      int
}

// Inject queues a fault; faults apply in the order given.
func (e *Emulator) Inject(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = append(e.faults, &f)
}

// SetLatency delays every answer by d.
func (e *Emulator) SetLatency(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.latency = d
}

// takeFault pops the first fault that applies to path. Callers hold e.mu.
func (e *Emulator) takeFault(path string) *Fault {
	for i, f := range e.faults {
		if !strings.HasPrefix(path, f.PathPrefix) {
			continue
		}
		f.Times--
		if f.Times == 0 {
			e.faults = append(e.faults[:i], e.faults[i+1:]...)
		}
		return f
	}
	return nil
}

func (f *Fault) serve(w http.ResponseWriter) {
	switch {
	case f.Status == http.StatusTooManyRequests:
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		writeError(w, f.Status, "TOO_MANY_REQUESTS", "Rate limit exceeded; retry later.")
	case f.Status >= 500:
		writeError(w, f.Status, "INTERNAL_SERVER_ERROR", "An unexpected error occurred while processing the request.")
	default:
		writeError(w, f.Status, "VALIDATION_ERROR", "Injected fault.")
	}
}
