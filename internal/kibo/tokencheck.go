package kibo

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// TokenCheck is what a fresh token request showed.
type TokenCheck struct {
	Expiry time.Time
	// ServerDate is the auth host's Date header (zero when it sent none), and
	// LocalDate this machine's clock halfway through that exchange: the two
	// give the clock skew signatures suffer from.
	ServerDate time.Time
	LocalDate  time.Time
}

// CheckToken asks the auth host for a new token with the client credentials,
// bypassing every cache, so a secret rotated in Dev Center shows at once. The
// host's Date is kept even when the credentials were refused.
func (c *Client) CheckToken(ctx context.Context) (TokenCheck, error) {
	rec := &dateRecorder{base: c.plain.Transport, now: c.opts.Now}
	fetch := &tokenFetcher{url: c.authBase.String() + OAuthPath, host: c.authBase, clientID: c.opts.ClientID, secret: c.opts.SharedSecret,
		http: &http.Client{Transport: rec}, timeout: c.opts.Timeout, now: c.opts.Now}
	tok, err := fetch.request(ctx, OAuthRequest{ClientID: c.opts.ClientID, ClientSecret: c.opts.SharedSecret, GrantType: "client_credentials"})
	out := TokenCheck{}
	out.ServerDate, out.LocalDate = rec.last()
	if err != nil {
		return out, err
	}
	out.Expiry = tok.Expiry
	return out, nil
}

// dateRecorder remembers the Date header of the last answer it passed on.
type dateRecorder struct {
	base http.RoundTripper
	now  func() time.Time

	mu     sync.Mutex
	server time.Time
	local  time.Time
}

func (d *dateRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	start := d.now()
	resp, err := d.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	end := d.now()
	if t, perr := http.ParseTime(resp.Header.Get("Date")); perr == nil {
		d.mu.Lock()
		d.server, d.local = t, start.Add(end.Sub(start)/2)
		d.mu.Unlock()
	}
	return resp, nil
}

func (d *dateRecorder) last() (server, local time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.server, d.local
}
