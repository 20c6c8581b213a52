package doctor

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

const settingsHint = "Run `kwh auth login`, or set KIBO_CLIENT_ID, KIBO_SHARED_SECRET and KIBO_TENANT (see `kwh help environment`)."

// checkSettings says which profile is in use, where each setting came from,
// and whether what every later check needs is there.
func checkSettings(_ context.Context, d *Doctor) []Result {
	s := d.Settings
	r := Result{Subject: "profile " + s.Profile, Status: OK, Detail: describeSources(s.Sources)}
	var missing, bad []string
	if s.ClientID == "" {
		missing = append(missing, "client id")
	}
	if !s.HasSecret {
		missing = append(missing, "shared secret")
	}
	if s.Tenant == "" {
		missing = append(missing, "tenant id")
	} else if !isID(s.Tenant) {
		bad = append(bad, fmt.Sprintf("tenant %q is not a number", s.Tenant))
	}
	if s.Site != "" && !isID(s.Site) {
		bad = append(bad, fmt.Sprintf("site %q is not a number", s.Site))
	}
	switch {
	case len(missing) > 0:
		r.Status, r.Hint = Fail, settingsHint
		r.Detail = "missing " + strings.Join(missing, ", ") + "; " + r.Detail
	case len(bad) > 0:
		r.Status, r.Hint = Fail, "Tenant and site ids are the numbers in your Kibo admin URL (t12345-s23456…); fix them with `kwh config set` or -t/-s."
		r.Detail = strings.Join(bad, "; ") + "; " + r.Detail
	case d.ClientErr != nil:
		r.Status, r.Hint = Fail, "Fix the setting named above (`kwh config set`, or the flag or variable it came from)."
		r.Detail = d.ClientErr.Error()
	case s.Site == "":
		r.Status = Warn
		r.Detail = "no site id, so x-vol-site is not sent; " + r.Detail
		r.Hint = "Set the site (-s, KIBO_SITE or `kwh config set site N`) when your subscriptions are site-level."
	}
	return []Result{r}
}

// describeSources is "tenant 12345 (env KIBO_TENANT) · site not set · …".
func describeSources(sources []Setting) string {
	parts := make([]string, 0, len(sources))
	for _, st := range sources {
		switch {
		case st.Source == "" && st.IfUnset != "":
			parts = append(parts, st.Key+" not set ("+st.IfUnset+")")
		case st.Source == "":
			parts = append(parts, st.Key+" not set")
		case st.Value == "":
			parts = append(parts, fmt.Sprintf("%s (%s)", st.Key, st.Source))
		default:
			parts = append(parts, fmt.Sprintf("%s %s (%s)", st.Key, st.Value, st.Source))
		}
	}
	return strings.Join(parts, " · ")
}

func isID(s string) bool {
	n, err := strconv.ParseInt(s, 10, 32)
	return err == nil && n > 0
}
