package emulator

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/netutil"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// RetrySchedule is Kibo's production back-off after a failed push: 5 min,
// 1 h, 6 h, 24 h, then a final try 24 h later.
var RetrySchedule = []time.Duration{5 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour, 24 * time.Hour}

// PushOptions turn on push delivery.
type PushOptions struct {
	// Clock schedules retries and stamps attempts; with a ScaledClock the
	// retry delays (only they) run scale times faster, while dates stay
	// wall-clock times and the 24 h disable rule counts Kibo's time.
	Clock Clock
	// Sandbox is a sandbox tenant: no retries (seed 001), the first failed
	// attempt is final.
	Sandbox bool
	// Wall gives the Date header: receivers compare it with their own clock.
	Wall      func() time.Time
	Transport http.RoundTripper
	Timeout   time.Duration
	// DuplicateRate is the chance that a delivered event is pushed again.
	DuplicateRate float64
	// Reorder holds new pushes for ReorderWindow and sends them with topics
	// interleaved at random (order within a topic is kept), as Kibo may.
	Reorder       bool
	ReorderWindow time.Duration
	Rand          *rand.Rand
	// OnAttempt hears about every push attempt (for logs).
	OnAttempt func(AttemptInfo)
}

// AttemptInfo describes one push attempt.
type AttemptInfo struct {
	SubscriptionID string
	ProcessID      int
	EventID        string
	Topic          string
	Endpoint       string
	Attempt        int
	Status         int
	Err            string
	Delivered      bool
	Duplicate      bool
	NextIn         time.Duration // Kibo's wait before the retry; 0 when none follows
	// Disabled is set when this failure made Kibo disable the subscriber
	// (24 h of failed deliveries): new events are not pushed to it.
	Disabled string
}

type pusher struct {
	e       *Emulator
	o       PushOptions
	client  *http.Client
	secret  string
	mu      sync.Mutex
	held    []*delivery // reorder window
	flushAt bool
}

// delivery is one event's push to one subscription; summary is the
// EventDeliverySummary object the API serves.
type delivery struct {
	subID    string
	endpoint string
	summary  map[string]any
	push     webhook.Push
	ctx      webhook.Context
	attempts int
}

// EnablePush makes Publish push events to matching subscriptions.
func (e *Emulator) EnablePush(o PushOptions) {
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.Wall == nil {
		o.Wall = time.Now
	}
	if o.Timeout <= 0 {
		o.Timeout = kibo.PushTimeout
	}
	if o.Rand == nil {
		o.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if o.ReorderWindow <= 0 {
		o.ReorderWindow = 2 * time.Second
	}
	secret := ""
	if len(e.seed.Apps) > 0 {
		secret = e.seed.Apps[0].SharedSecret
	}
	e.mu.Lock()
	e.push = &pusher{e: e, o: o, secret: secret, client: webhook.PushClient(o.Timeout, o.Transport)}
	e.mu.Unlock()
}

func (p *pusher) start(ds []*delivery) {
	if !p.o.Reorder {
		for _, d := range ds {
			p.schedule(d, 0)
		}
		return
	}
	p.mu.Lock()
	p.held = append(p.held, ds...)
	if !p.flushAt {
		p.flushAt = true
		p.o.Clock.AfterFunc(p.o.ReorderWindow, p.flush)
	}
	p.mu.Unlock()
}

// flush sends the held pushes with topics interleaved at random, keeping
// each topic's own order.
func (p *pusher) flush() {
	p.mu.Lock()
	held := p.held
	p.held, p.flushAt = nil, false
	p.mu.Unlock()
	queues := map[string][]*delivery{}
	var topics []string
	for _, d := range held {
		k := d.subID + "\x00" + d.push.Topic
		if _, ok := queues[k]; !ok {
			topics = append(topics, k)
		}
		queues[k] = append(queues[k], d)
	}
	for len(topics) > 0 {
		i := p.o.Rand.IntN(len(topics))
		k := topics[i]
		p.schedule(queues[k][0], 0)
		if queues[k] = queues[k][1:]; len(queues[k]) == 0 {
			topics = append(topics[:i], topics[i+1:]...)
		}
	}
}

func (p *pusher) schedule(d *delivery, after time.Duration) {
	p.o.Clock.AfterFunc(after, func() { p.attempt(d, false) })
}

// attempt pushes once and records it in the delivery summary, then either
// finishes or schedules the next try on Kibo's schedule.
func (p *pusher) attempt(d *delivery, duplicate bool) {
	p.e.mu.Lock()
	d.summary["isRunning"] = true
	p.e.mu.Unlock()

	body := d.push.Marshal()
	status, msg, errType := p.post(d.endpoint, body, d.ctx)
	ok := status == http.StatusOK // Kibo wants exactly 200

	p.e.mu.Lock()
	info := p.record(d, duplicate, ok, status, msg, errType)
	p.e.mu.Unlock()
	if p.o.OnAttempt != nil {
		p.o.OnAttempt(info)
	}
}

// record appends the attempt to the summary and decides what comes next.
// Callers hold e.mu.
func (p *pusher) record(d *delivery, duplicate, ok bool, status int, msg, errType string) AttemptInfo {
	now := p.o.Clock.Now()
	d.attempts++
	attempt := map[string]any{
		"deliveryStatus": map[bool]string{true: "Success", false: "Failed"}[ok],
		"errorType":      nil,
		"httpStatus":     map[string]any{"code": status, "name": statusName(status)},
		"message":        nilIfEmpty(msg),
		"executionDate":  stamp(now),
	}
	if !ok {
		attempt["errorType"] = errType
	}
	s := d.summary
	s["deliveryAttempts"] = append(s["deliveryAttempts"].([]any), attempt)
	s["lastExecutionDate"], s["updateDate"], s["isRunning"] = stamp(now), stamp(now), false
	info := AttemptInfo{SubscriptionID: d.subID, ProcessID: intOf(s["id"]), EventID: d.push.EventID, Topic: d.push.Topic, Endpoint: d.endpoint,
		Attempt: d.attempts, Status: status, Err: msg, Delivered: ok, Duplicate: duplicate}
	switch {
	case duplicate:
		// a redelivery changes nothing but the attempt list
	case ok:
		p.e.subscriberSucceeded(d)
		s["deliveryStatus"], s["nextExecutionDate"] = "Success", nil
		if p.o.DuplicateRate > 0 && p.o.Rand.Float64() < p.o.DuplicateRate {
			p.o.Clock.AfterFunc(time.Second, func() { p.attempt(d, true) })
		}
	default:
		info.Disabled = p.e.subscriberFailed(d, kiboNow(p.o.Clock))
		remaining := intOf(s["retriesRemaining"])
		if d.attempts > 1 {
			remaining-- // this attempt was one of the retries
		}
		remaining = max(remaining, 0)
		s["retriesRemaining"] = remaining
		if remaining > 0 {
			wait := RetrySchedule[len(RetrySchedule)-remaining]
			s["deliveryStatus"], s["nextExecutionDate"] = "Retrying", stamp(now.Add(wallDelay(p.o.Clock, wait)))
			info.NextIn = wait
			p.schedule(d, wait)
		} else {
			// Seed 001: Kibo "terminates the process and the event status
			// updates to undeliverable".
			s["deliveryStatus"], s["nextExecutionDate"] = "Undeliverable", nil
		}
	}
	return info
}

// post sends a push as Kibo does and classifies the outcome.
func (p *pusher) post(endpoint string, body []byte, c webhook.Context) (int, string, string) {
	req, err := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return 0, err.Error(), "Network"
	}
	req.Header = webhook.SignedHeaders(p.secret, c, body, p.o.Wall().Add(p.e.ClockSkew()))
	resp, err := p.client.Do(req)
	if err != nil {
		short := netutil.ShortError(err)
		if short == "timeout" {
			return 0, "no answer within 45 s", "Timeout"
		}
		return 0, short, "Network"
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	return resp.StatusCode, strings.TrimSpace(string(raw)), "HttpError"
}

func statusName(code int) any {
	if code == 0 {
		return nil
	}
	return http.StatusText(code)
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func intOf(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case float64:
		return int(n)
	case int32:
		return int(n)
	case int64:
		return int(n)
	}
	return 0
}

// subscribes reports whether a subscription takes a topic: its topics may
// be names or, from --subscribe, globs.
func subscribes(s map[string]any, topic string) bool {
	topics, _ := s["topics"].([]any)
	for _, t := range topics {
		if webhook.MatchTopic(fmt.Sprint(t), topic) {
			return true
		}
	}
	return false
}
