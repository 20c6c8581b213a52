package emulator

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// DisableAfter is how long a subscriber's deliveries may fail before Kibo
// disables it (seed 001): its tenant's (or site's) isActive turns false and
// nothing is pushed to it until someone re-enables it in Dev Center.
const DisableAfter = 24 * time.Hour

// retries is how many retries a new delivery gets: none on a sandbox.
// Callers hold e.mu.
func (e *Emulator) retries() int {
	if e.push != nil && e.push.o.Sandbox {
		return 0
	}
	return len(RetrySchedule)
}

// subscriberKey names a subscriber: a subscription for one tenant and site.
func (d *delivery) subscriberKey() string {
	return d.subID + "|" + d.ctx.Tenant + "|" + d.ctx.Site
}

// subscriberSucceeded ends the subscriber's run of failures. Callers hold e.mu.
func (e *Emulator) subscriberSucceeded(d *delivery) {
	delete(e.failingSince, d.subscriberKey())
}

// subscriberFailed notes a failed delivery at Kibo time now and, once the
// subscriber has failed for DisableAfter, disables it; it returns what was
// disabled ("" when nothing was). Callers hold e.mu.
func (e *Emulator) subscriberFailed(d *delivery, now time.Time) string {
	key := d.subscriberKey()
	since, failing := e.failingSince[key]
	if !failing {
		e.failingSince[key] = now
		return ""
	}
	if now.Sub(since) < DisableAfter {
		return ""
	}
	delete(e.failingSince, key)
	for _, s := range e.seed.Subscriptions {
		if fmt.Sprint(s["id"]) == d.subID {
			return disableFor(s, d.ctx.Tenant, d.ctx.Site)
		}
	}
	return ""
}

// disableFor switches the subscription off for the tenant, or for the site
// when it subscribes at site level, as Kibo does.
func disableFor(s map[string]any, tenant, site string) string {
	for _, t := range asMaps(s["subscribingTenants"]) {
		if fmt.Sprint(t["tenantId"]) != tenant {
			continue
		}
		for _, st := range asMaps(t["subscribingSites"]) {
			if fmt.Sprint(st["siteId"]) == site {
				if st["isActive"] == false {
					return ""
				}
				st["isActive"] = false
				return "site " + site
			}
		}
		if t["isActive"] == false {
			return ""
		}
		t["isActive"] = false
		return "tenant " + tenant
	}
	return ""
}

// pushesTo reports whether Kibo pushes to the subscription for a tenant and
// site: the subscription, the tenant and the site must all be active.
func pushesTo(s map[string]any, tenant, site int) bool {
	if active, _ := s["isActive"].(bool); !active {
		return false
	}
	for _, t := range asMaps(s["subscribingTenants"]) {
		if intOf(t["tenantId"]) != tenant {
			continue
		}
		if t["isActive"] == false {
			return false
		}
		for _, st := range asMaps(t["subscribingSites"]) {
			if intOf(st["siteId"]) == site && st["isActive"] == false {
				return false
			}
		}
	}
	return true
}

// asMaps reads a JSON array of objects, skipping anything else.
func asMaps(v any) []map[string]any {
	var out []map[string]any
	switch xs := v.(type) {
	case []any:
		for _, x := range xs {
			if m, ok := x.(map[string]any); ok {
				out = append(out, m)
			}
		}
	case []map[string]any:
		out = xs
	}
	return out
}

// Reenabled is what re-enabling a subscription switched back on.
type Reenabled struct {
	SubscriptionID string   `json:"subscriptionId"`
	Scopes         []string `json:"reenabled"` // "tenant 10000", "site 10001"
}

// Reenable switches a subscription back on for every tenant and site Kibo
// disabled it for, as verifying its event configuration in Dev Center does.
// id may be a unique prefix. ok is false when no subscription matches.
func (e *Emulator) Reenable(id string) (Reenabled, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var match map[string]any
	for _, s := range e.seed.Subscriptions {
		if sid := fmt.Sprint(s["id"]); sid == id || (len(id) >= 4 && strings.HasPrefix(sid, id)) {
			if match != nil && sid != id {
				return Reenabled{}, false // ambiguous
			}
			match = s
		}
	}
	if match == nil {
		return Reenabled{}, false
	}
	out := Reenabled{SubscriptionID: fmt.Sprint(match["id"]), Scopes: []string{}}
	for _, t := range asMaps(match["subscribingTenants"]) {
		if t["isActive"] == false {
			t["isActive"] = true
			out.Scopes = append(out.Scopes, fmt.Sprintf("tenant %v", t["tenantId"]))
		}
		for _, st := range asMaps(t["subscribingSites"]) {
			if st["isActive"] == false {
				st["isActive"] = true
				out.Scopes = append(out.Scopes, fmt.Sprintf("site %v", st["siteId"]))
			}
		}
	}
	for k := range e.failingSince {
		if strings.HasPrefix(k, out.SubscriptionID+"|") {
			delete(e.failingSince, k)
		}
	}
	return out, true
}

func (e *Emulator) handleReenable(w http.ResponseWriter, r *http.Request) {
	out, ok := e.Reenable(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, "SUBSCRIPTION_NOT_FOUND", "No single subscription has the id "+r.PathValue("id")+".")
		return
	}
	writeJSON(w, http.StatusOK, out)
}
