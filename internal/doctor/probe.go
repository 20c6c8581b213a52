package doctor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// ProbeEntityID marks the entityId of doctor's test pushes.
const ProbeEntityID = "kwh-doctor-probe"

// checkProbe sends each endpoint a correctly signed isTest push of one of its
// subscription's topics and judges the answer by Kibo's rule: 200 within
// 45 s, nothing else (a redirect or a 202 fails too).
func checkProbe(ctx context.Context, d *Doctor) []Result {
	client := webhook.PushClient(d.probeTimeout(), d.ProbeTransport)
	return d.eachSubscription(ctx, func(s kibo.EventSubscription) Result {
		u, err := parseEndpoint(s.Endpoint)
		if err != nil {
			return Result{Status: Skip, Detail: "not probed: the endpoint is not a valid URL"}
		}
		return d.probe(ctx, client, u.String(), probeTopic(s.Topics))
	})
}

// probeTopic is a catalog topic the subscription takes (a glob such as
// order.* stands for its first match), so the handler sees a body it expects.
func probeTopic(topics []string) string {
	for _, t := range topics {
		if !webhook.IsGlob(t) {
			if _, ok := webhook.Lookup(t); ok {
				return t
			}
			continue
		}
		for _, c := range webhook.Topics() {
			if webhook.MatchTopic(t, c.Name) {
				return c.Name
			}
		}
	}
	if len(topics) > 0 && !webhook.IsGlob(topics[0]) {
		return topics[0]
	}
	return "application.installed"
}

func (d *Doctor) probe(ctx context.Context, client *http.Client, endpoint, topic string) Result {
	now := d.now()
	push := webhook.Push{
		EventID: webhook.NewEventID(), Topic: topic, EntityID: ProbeEntityID, Timestamp: webhook.FormatTimestamp(now),
		CorrelationID: webhook.NewEventID(), IsTest: true, ExtendedProperties: webhook.SampleProperties(topic),
	}
	body := push.Marshal()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return Result{Status: Fail, Detail: err.Error()}
	}
	req.Header = webhook.SignedHeaders(d.Secret, webhook.Context{Tenant: d.Settings.Tenant, Site: d.Settings.Site, Correlation: push.CorrelationID}, body, now)
	start := d.now()
	resp, err := client.Do(req)
	took := d.now().Sub(start)
	what := fmt.Sprintf("signed isTest %s push to %s", topic, endpoint)
	if err != nil {
		return probeFailure(err, what, d.probeTimeout())
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return judgeAnswer(resp, what, took)
}

// judgeAnswer applies Kibo's rule to an answer.
func judgeAnswer(resp *http.Response, what string, took time.Duration) Result {
	status := fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	switch c := resp.StatusCode; {
	case kibo.PushAccepted(c):
		return Result{Status: OK, Detail: fmt.Sprintf("%s answered %s %s", what, status, describeLatency(took))}
	case c >= 300 && c < 400:
		to := resp.Header.Get("Location")
		if to == "" {
			to = "no Location"
		}
		return Result{Status: Fail, Detail: fmt.Sprintf("%s was redirected (%s → %s): Kibo does not follow redirects", what, status, to),
			Hint: "Set the endpoint in Dev Center to the final URL (often https:// or a trailing slash makes the difference)."}
	case c >= 200 && c < 300:
		return Result{Status: Fail, Detail: fmt.Sprintf("%s answered %s: Kibo counts only 200 as delivered and will send it again", what, status),
			Hint: "Answer 200 OK (not 201, 202 or 204) as soon as the event is received, then process it."}
	case c == http.StatusUnauthorized || c == http.StatusForbidden:
		return Result{Status: Fail, Detail: fmt.Sprintf("%s answered %s", what, status),
			Hint: "The handler refused a correctly signed push: check it verifies x-vol-hmac-sha256 with this application's shared secret (`kwh verify` helps)."}
	}
	return Result{Status: Fail, Detail: fmt.Sprintf("%s answered %s", what, status),
		Hint: "Answer 200 first and process afterwards; your endpoint's logs say why it failed (`kwh listen` shows what Kibo sends)."}
}

func probeFailure(err error, what string, timeout time.Duration) Result {
	var ne net.Error
	if (errors.As(err, &ne) && ne.Timeout()) || errors.Is(err, context.DeadlineExceeded) {
		return Result{Status: Fail, Detail: fmt.Sprintf("%s got no answer within %s: Kibo gives up at 45 s and sends it again", what, timeout),
			Hint: "Answer 200 immediately and do the work afterwards (a queue or a background job)."}
	}
	reason := shortNetError(err)
	hint := "Make sure the endpoint is up and reachable at this URL."
	if isTLSError(err) {
		hint = "Kibo needs a certificate from a public CA, valid for the endpoint's host name and not expired."
	}
	return Result{Status: Fail, Detail: fmt.Sprintf("%s failed: %s", what, reason), Hint: hint}
}

// describeLatency only goes into detail when it approaches Kibo's limit.
func describeLatency(d time.Duration) string {
	if d < time.Second {
		return "in under a second"
	}
	return "in " + d.Round(100*time.Millisecond).String()
}
