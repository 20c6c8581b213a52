package listen

import (
	"context"
	"net/http"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// Reforward sends a stored delivery to target again, as the forwarder would,
// with X-Kwh-Attempt "replay". With a secret it is re-signed with a fresh
// Date, so an app that checks Kibo's 180 s age limit accepts it; without one
// the original headers go as they came.
func Reforward(ctx context.Context, transport http.RoundTripper, timeout time.Duration, d *store.Delivery, target, secret string, now time.Time) (int, time.Duration, error) {
	f := &forwarder{client: webhook.PushClient(timeout, transport)}
	copyD := *d
	copyD.Header = d.Header.Clone()
	if secret != "" {
		fresh := webhook.SignedHeaders(secret, webhook.Context{}, d.Body, now)
		copyD.Header.Set("Date", fresh.Get("Date"))
		copyD.Header.Set(webhook.HeaderSignature, fresh.Get(webhook.HeaderSignature))
	}
	res := f.attempt(ctx, &copyD, target, 0)
	return res.status, res.latency, res.err
}
