package doctor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kwh-cli/kwh/internal/kibo"
)

const devCenterHint = "Copy the application key (client id) and shared secret from Dev Center (your application's page), then run `kwh auth login`."

// checkCredentials asks for a fresh token: wrong credentials and an auth host
// that cannot be reached are different problems with different fixes.
func checkCredentials(ctx context.Context, d *Doctor) []Result {
	host := hostOf(d.Settings.AuthHost)
	r := Result{Subject: d.Settings.ClientID}
	if d.Client == nil {
		r.Status, r.Detail, r.Hint = Fail, "no Kibo client: "+errString(d.ClientErr), settingsHint
		return []Result{r}
	}
	tc, err := d.Client.CheckToken(ctx)
	d.mu.Lock()
	d.serverDate, d.localDate = tc.ServerDate, tc.LocalDate
	d.mu.Unlock()
	if err != nil {
		r.Status = Fail
		r.Detail, r.Hint = explainAuthError(err, host, d.Settings)
		return []Result{r}
	}
	r.Status = OK
	r.Detail = "a token request to " + host + " succeeded"
	if !tc.Expiry.IsZero() {
		r.Detail += fmt.Sprintf(" (valid for %s)", strings.TrimSuffix(strings.TrimSuffix(tc.Expiry.Sub(d.now()).Round(time.Minute).String(), "0s"), "0m"))
	}
	return []Result{r}
}

// explainAuthError tells "Kibo refused these credentials" (kibo.AuthError)
// from "no answer" (kibo.UnreachableError) and from Kibo failing.
func explainAuthError(err error, host string, s Settings) (detail, hint string) {
	var down *kibo.UnreachableError
	if errors.As(err, &down) {
		return fmt.Sprintf("could not reach the auth host %s: %s (the credentials were not checked)", down.Host, shortNetError(down.Err)),
			fmt.Sprintf("Check the auth host (%s, from %s) and this machine's network or proxy.", s.AuthHost, sourceOf(s, "auth host"))
	}
	var api *kibo.APIError
	if kibo.IsAuth(err) && errors.As(err, &api) {
		return fmt.Sprintf("Kibo refused client id %s with this shared secret: %s", s.ClientID, api.Error()), devCenterHint
	}
	if errors.As(err, &api) {
		return fmt.Sprintf("the auth host %s answered: %s", host, api.Error()),
			"Kibo's auth service is failing; try again later, or check --auth-host points at Kibo."
	}
	return fmt.Sprintf("the token request to %s failed: %s", host, shortNetError(err)), ""
}

// hostOf reduces a host setting to scheme://host for messages.
func hostOf(setting string) string {
	u, err := kibo.BaseURL(setting)
	if err != nil {
		return setting
	}
	return u.Scheme + "://" + u.Host
}

func sourceOf(s Settings, key string) string {
	for _, st := range s.Sources {
		if st.Key == key && st.Source != "" {
			return st.Source
		}
	}
	return "default"
}

func errString(err error) string {
	if err == nil {
		return "unknown reason"
	}
	return err.Error()
}
