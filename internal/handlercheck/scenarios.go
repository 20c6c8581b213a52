package handlercheck

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/kwh-cli/kwh/internal/webhook"
)

// newEntityID makes an entityId no handler has seen: 32 hex digits, the
// shape of Kibo's order and shipment ids.
func newEntityID() string { return webhook.CanonicalID(webhook.NewEventID()) }

// Transport sends one valid push and judges only the connection: reachable,
// TLS sound, no redirect, an answer within the timeout. What the status code
// says is the topic scenario's business.
func (c *Checker) Transport(ctx context.Context, topic string) Result {
	start := time.Now()
	a := c.send(ctx, c.newPush(topic, newEntityID()), signValid)
	r := Result{Scenario: ScenarioTransport, Subject: redactedURL(c.cfg.URL), LatencyMs: millis(a.Latency), Duration: time.Since(start)}
	via := "plain http"
	if a.TLS != "" {
		via = a.TLS
	}
	switch {
	case a.Err != nil:
		r.Status, r.Detail = Fail, c.describeError(a.Err)
	case a.Status >= 300 && a.Status < 400:
		r.Status, r.Detail = Fail, redirectDetail(a)
	case a.Latency > c.cfg.Slow:
		r.Status, r.Detail = Warn, fmt.Sprintf("answered after %s (%s): Kibo gives up at %s", ms(a.Latency), via, c.cfg.Timeout)
	default:
		r.Status, r.Detail = OK, fmt.Sprintf("answered %d in %s over %s, no redirect", a.Status, ms(a.Latency), via)
	}
	return r
}

// redactedURL hides a password in the URL's user info.
func redactedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Redacted()
}

// Topics sends one push per topic and wants 200 for each. A family's topics
// go in process order for one entity, as Kibo would send them, so this
// scenario does not also test ordering; families run side by side.
func (c *Checker) Topics(ctx context.Context, families []Family) []Result {
	rows := make([][]Result, len(families))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, f := range families {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			rows[i] = c.familyTopics(ctx, f)
		}()
	}
	wg.Wait()
	var out []Result
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

func (c *Checker) familyTopics(ctx context.Context, f Family) []Result {
	entity := newEntityID()
	out := make([]Result, 0, len(f.Topics))
	for _, t := range f.Topics {
		a := c.send(ctx, c.newPush(t, entity), signValid)
		st, detail := c.judgeAccepted(a)
		out = append(out, Result{Scenario: ScenarioTopic, Subject: t, Status: st, Detail: detail, LatencyMs: millis(a.Latency), Duration: a.Latency})
	}
	return out
}

// Duplicates sends one event three times, as Kibo's redeliveries do: the
// original, the same body again, and the body with the eventId spelled as
// 32 hex digits (the spelling of the pull queue and delivery summaries). Every
// copy must be answered 200: a handler that already has the event says so
// with a 200, or Kibo keeps resending it.
func (c *Checker) Duplicates(ctx context.Context, topic string) Result {
	start := time.Now()
	p := c.newPush(topic, newEntityID())
	hex := p
	hex.EventID = webhook.CanonicalID(p.EventID)
	copies := []struct {
		name string
		push webhook.Push
	}{{"the first copy", p}, {"the second copy (same eventId)", p}, {"the third copy (eventId as 32 hex)", hex}}
	r := Result{Scenario: ScenarioDuplicates, Subject: topic, Status: OK}
	var worst time.Duration
	for _, cp := range copies {
		a := c.send(ctx, cp.push, signValid)
		worst = max(worst, a.Latency)
		st, detail := c.judgeAccepted(a)
		if rank(st) > rank(r.Status) {
			r.Status, r.Detail = st, cp.name+": "+detail
		}
	}
	if r.Status == OK {
		r.Detail = fmt.Sprintf("3 copies of event %s, each answered 200", p.EventID)
	}
	r.LatencyMs, r.Duration = millis(worst), time.Since(start)
	return r
}

// OutOfOrder sends a family's topics for one entity in reverse process order
// (order.closed before order.opened), one at a time. Kibo only keeps one
// topic's events in order, so every one must be answered 200.
func (c *Checker) OutOfOrder(ctx context.Context, f Family) Result {
	start := time.Now()
	entity := newEntityID()
	r := Result{Scenario: ScenarioOutOfOrder, Subject: f.Name + ".*", Status: OK}
	var worst time.Duration
	var failed []string
	for i := len(f.Topics) - 1; i >= 0; i-- {
		t := f.Topics[i]
		a := c.send(ctx, c.newPush(t, entity), signValid)
		worst = max(worst, a.Latency)
		st, detail := c.judgeAccepted(a)
		if st == Fail {
			failed = append(failed, t)
		}
		if rank(st) > rank(r.Status) && i > 0 {
			r.Status, r.Detail = st, fmt.Sprintf("%s before %s (same entity): %s", t, f.Topics[0], detail)
		} else if rank(st) > rank(r.Status) {
			r.Status, r.Detail = st, fmt.Sprintf("%s after every later step (same entity): %s", t, detail)
		}
	}
	switch {
	case len(failed) > 1:
		r.Detail += fmt.Sprintf(" (%d of %d failed: %s)", len(failed), len(f.Topics), strings.Join(failed, ", "))
	case r.Status == OK:
		r.Detail = fmt.Sprintf("%d topics in reverse order (%s first), each answered 200", len(f.Topics), f.Topics[len(f.Topics)-1])
	}
	r.LatencyMs, r.Duration = millis(worst), time.Since(start)
	return r
}

// rank orders verdicts so a scenario keeps its worst.
func rank(s Status) int {
	switch s {
	case Fail:
		return 2
	case Warn:
		return 1
	}
	return 0
}
