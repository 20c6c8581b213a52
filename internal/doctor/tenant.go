package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/kwh-cli/kwh/internal/kibo"
)

// checkTenant looks the tenant up on the auth host and makes sure its API
// host answers an authenticated Event call.
func checkTenant(ctx context.Context, d *Doctor) []Result {
	s := d.Settings
	r := Result{Subject: "tenant " + s.Tenant, Status: OK}
	var facts []string
	t, err := d.Client.GetTenant(ctx)
	switch {
	case err != nil && s.APIHost == "":
		r.Status, r.Detail, r.Hint = Fail, "looking the tenant up failed: "+describeAPIError(err), tenantHint(err, s)
		return []Result{r}
	case err != nil:
		r.Status, r.Hint = Warn, tenantHint(err, s)
		facts = append(facts, "looking the tenant up failed ("+describeAPIError(err)+"), the API host setting is used instead")
	default:
		name := t.Name
		if name == "" {
			name = "(no name)"
		}
		facts = append(facts, fmt.Sprintf("%s, domain %s", name, t.Domain))
		if s.Site != "" && !hasSite(t, s.Site) {
			r.Status = Fail
			r.Hint = "Use one of the tenant's site ids (-s, KIBO_SITE or `kwh config set site N`)."
			facts = append(facts, fmt.Sprintf("site %s is not one of its sites (%s)", s.Site, siteIDs(t)))
		}
	}
	base, err := d.Client.APIBase(ctx)
	if err == nil {
		_, err = kibo.FetchPage[kibo.EventSubscription](ctx, d.Client, kibo.PathSubscriptions, kibo.ListParams{}, 0, 1)
	}
	if err != nil {
		r.Status, r.Hint = Fail, tenantHint(err, s)
		facts = append(facts, "the API host does not answer: "+describeAPIError(err))
		return []Result{withFacts(r, facts)}
	}
	d.mu.Lock()
	d.apiBase = base
	d.mu.Unlock()
	facts = append(facts, "API host "+base+" answers")
	return []Result{withFacts(r, facts)}
}

func withFacts(r Result, facts []string) Result {
	r.Detail = strings.Join(facts, "; ")
	return r
}

func hasSite(t *kibo.Tenant, site string) bool {
	for _, st := range t.Sites {
		if fmt.Sprint(st.ID) == site {
			return true
		}
	}
	return false
}

func siteIDs(t *kibo.Tenant) string {
	ids := make([]string, len(t.Sites))
	for i, st := range t.Sites {
		ids[i] = fmt.Sprint(st.ID)
	}
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}

// describeAPIError is Kibo's answer (status, errorCode, message, correlation
// id) or the transport failure in a few words.
func describeAPIError(err error) string {
	var api *kibo.APIError
	if errors.As(err, &api) {
		return api.Error()
	}
	return shortNetError(err)
}

func tenantHint(err error, s Settings) string {
	var api *kibo.APIError
	if errors.As(err, &api) {
		switch api.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return fmt.Sprintf("Install the application on tenant %s in Dev Center (and enable it), then try again.", s.Tenant)
		case http.StatusNotFound:
			return fmt.Sprintf("Check the tenant id (%s, from %s): it is the number in your Kibo admin URL (t%s…).", s.Tenant, sourceOf(s, "tenant"), s.Tenant)
		}
		return "Kibo is failing; try again later (`kwh doctor --debug` shows the exchange)."
	}
	return "Check the API host (--api-host, KIBO_API_HOST) or leave it unset so kwh looks it up, and this machine's network."
}
