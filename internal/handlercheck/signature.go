package handlercheck

import (
	"context"
	"fmt"
	"time"

	"github.com/kwh-cli/kwh/internal/webhook"
)

// The subjects of the signature scenario's three rows.
const (
	SubjectForged  = "forged signature"
	SubjectMissing = "missing signature"
	SubjectStale   = "Date 10 min old"
)

var signatureSubjects = []string{SubjectForged, SubjectMissing, SubjectStale}

// ForgedSignature sends a push signed with a secret that is not the shared
// one. A handler must refuse it (401 or 403): accepting it lets anyone who
// knows the URL inject orders.
func (c *Checker) ForgedSignature(ctx context.Context, topic string) Result {
	return c.unsigned(ctx, topic, signForged, SubjectForged)
}

// MissingSignature sends a push with no x-vol-hmac-sha256 header at all.
func (c *Checker) MissingSignature(ctx context.Context, topic string) Result {
	return c.unsigned(ctx, topic, signMissing, SubjectMissing)
}

func (c *Checker) unsigned(ctx context.Context, topic string, how signing, subject string) Result {
	a := c.send(ctx, c.newPush(topic, newEntityID()), how)
	st, detail := c.judgeRefused(a, Fail, "accepts pushes nobody signed")
	return Result{Scenario: ScenarioSignature, Subject: subject, Status: st, Detail: detail, LatencyMs: millis(a.Latency), Duration: a.Latency}
}

// StaleSignature sends a validly signed push whose Date is StaleAge old.
// Kibo's SDKs refuse a Date older than 180 s; a handler that accepts it lets
// a captured push be replayed, which is a warning, not a failure.
func (c *Checker) StaleSignature(ctx context.Context, topic string) Result {
	a := c.send(ctx, c.newPush(topic, newEntityID()), signStale)
	st, detail := c.judgeRefused(a, Warn, fmt.Sprintf("accepts a push signed %s ago: a captured push can be replayed (Kibo's SDKs refuse a Date over %s old)", minutes(StaleAge), minutes(webhook.DefaultMaxAge)))
	return Result{Scenario: ScenarioSignature, Subject: SubjectStale, Status: st, Detail: detail, LatencyMs: millis(a.Latency), Duration: a.Latency}
}

// minutes renders 10 minutes, 3 minutes.
func minutes(d time.Duration) string { return fmt.Sprintf("%g minutes", d.Minutes()) }

// judgeRefused wants a 401 or 403. Any 2xx is an acceptance (verdict
// accepted); other refusals pass with a warning that they do not say why.
func (c *Checker) judgeRefused(a answer, accepted Status, acceptedWhy string) (Status, string) {
	switch {
	case a.Err != nil:
		return Warn, "no refusal: " + c.describeError(a.Err)
	case a.Status == 401 || a.Status == 403:
		return OK, "refused with " + statusText(a.Status)
	case a.Status >= 200 && a.Status < 300:
		return accepted, fmt.Sprintf("answered %s: %s", statusText(a.Status), acceptedWhy)
	case a.Status >= 300 && a.Status < 400:
		return Warn, redirectDetail(a)
	}
	return Warn, fmt.Sprintf("refused with %s; 401 or 403 would say why", statusText(a.Status))
}
