package handlercheck

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/kwh-cli/kwh/internal/netutil"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// answer is what the handler did with one push.
type answer struct {
	Status   int
	Latency  time.Duration
	Location string // a redirect's target
	TLS      string // the TLS version, when https
	Err      error  // no HTTP answer at all
}

// signing is how a push is signed: as Kibo does, or one of the ways an
// attacker or a replay would.
type signing int

const (
	signValid   signing = iota
	signForged          // signed with a secret that is not the shared one
	signMissing         // no x-vol-hmac-sha256 header
	signStale           // valid, but over a Date StaleAge old
)

// StaleAge is how old the stale-Date push is: well past the 180 s Kibo's SDKs
// allow, so a handler that accepts it accepts replays.
const StaleAge = 10 * time.Minute

// forgedSecret signs forged pushes: 32 hex digits like a real shared secret.
const forgedSecret = "00000000000000000000000000000000"

// newPush builds a push as Kibo does: a fresh eventId and correlationId,
// isTest, the topic's extendedProperties keys with sample values.
func (c *Checker) newPush(topic, entity string) webhook.Push {
	return webhook.Push{
		EventID: webhook.NewEventID(), Topic: topic, EntityID: entity,
		Timestamp: webhook.FormatTimestamp(c.cfg.Now()), CorrelationID: webhook.NewEventID(),
		IsTest: true, ExtendedProperties: webhook.SampleProperties(topic),
	}
}

// send POSTs one push body, signed as asked, and waits for the answer.
func (c *Checker) send(ctx context.Context, p webhook.Push, how signing) answer {
	body := p.Marshal()
	now := c.cfg.Now()
	if how == signStale {
		now = now.Add(-StaleAge)
	}
	secret := c.cfg.Secret
	if how == signForged {
		secret = forgedSecret
	}
	wctx := c.cfg.Context
	wctx.Correlation = p.CorrelationID
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return answer{Err: err}
	}
	req.Header = webhook.SignedHeaders(secret, wctx, body, now)
	if how == signMissing {
		req.Header.Del(webhook.HeaderSignature)
	}
	start := time.Now()
	resp, err := c.client.Do(req)
	a := answer{Latency: time.Since(start), Err: err}
	if err != nil {
		return a
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	a.Status, a.Location = resp.StatusCode, resp.Header.Get("Location")
	if resp.TLS != nil {
		a.TLS = tls.VersionName(resp.TLS.Version)
	}
	return a
}

// describeError names a failure to answer: a timeout against Kibo's limit,
// TLS problems by what is wrong with the certificate, the rest as people say them.
func (c *Checker) describeError(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("no answer within %s: Kibo gives up and resends", c.cfg.Timeout)
	}
	if tlsProblem := describeTLS(err); tlsProblem != "" {
		return "TLS: " + tlsProblem + " (Kibo cannot deliver either)"
	}
	return netutil.ShortError(err)
}

func describeTLS(err error) string {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var record tls.RecordHeaderError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.As(err, &unknown):
		return "the certificate is signed by an unknown authority"
	case errors.As(err, &host):
		return "the certificate is not valid for " + host.Host
	case errors.As(err, &invalid):
		if invalid.Reason == x509.Expired {
			return "the certificate has expired or is not yet valid"
		}
		return "the certificate is invalid: " + invalid.Error()
	case errors.As(err, &record) || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return "the server does not speak TLS (an http:// URL?)"
	case errors.As(err, &verify):
		return verify.Err.Error()
	}
	return ""
}

// statusText is "202 Accepted".
func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return fmt.Sprint(code)
}

// ms renders a latency for people: 12 ms, 1.4 s.
func ms(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}
