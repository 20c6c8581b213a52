package store

import (
	"net/http"
	"slices"
)

// Redacted replaces a sensitive header's value wherever a request is shown.
const Redacted = "[redacted]"

// sensitiveHeaders are never shown: a tunnel or a test client may have sent
// credentials along with the push.
var sensitiveHeaders = map[string]bool{"Authorization": true, "Proxy-Authorization": true, "Cookie": true}

// IsSensitiveHeader reports whether a header's value is never shown.
func IsSensitiveHeader(name string) bool { return sensitiveHeaders[http.CanonicalHeaderKey(name)] }

// RedactHeaders returns a copy of h with sensitive values replaced by Redacted.
func RedactHeaders(h http.Header) http.Header {
	out := h.Clone()
	for k := range out {
		if IsSensitiveHeader(k) {
			out[k] = []string{Redacted}
		}
	}
	return out
}

// State summarises a delivery: set aside when the store could not apply
// it; otherwise from its per-target results: forwarded (every
// target took it), pending (kwh is still trying one), failed (kwh gave up on
// one: --max-attempts, or --sync where the sender retries instead), dropped
// (kwh inbox drop), and duplicate, skipped or kept when nothing was to be
// forwarded. A forward moved to another target counts as that target's.
func (d Delivery) State() string {
	switch {
	case d.SetAside != "":
		return "set aside"
	case d.Duplicate:
		return "duplicate"
	case d.Skipped:
		return "skipped"
	case len(d.Targets) == 0 && len(d.Forwards) == 0:
		return "kept"
	}
	state, live := "forwarded", 0
	for _, t := range d.AllTargets() {
		switch f := d.Forwards[t]; {
		case f.Dropped:
			continue // moved to another target, or dropped by the user
		case f.GaveUp:
			state = "failed"
		case !f.Delivered:
			return "pending"
		}
		live++
	}
	if live == 0 {
		return "dropped"
	}
	return state
}

// AllTargets lists the delivery's targets, then the targets it has forward
// states for that are not among them (--sync forwards are not spooled), in
// a stable order.
func (d Delivery) AllTargets() []string {
	targets := slices.Clone(d.Targets)
	var extra []string
	for t := range d.Forwards {
		if !slices.Contains(targets, t) {
			extra = append(extra, t)
		}
	}
	slices.Sort(extra)
	return append(targets, extra...)
}
