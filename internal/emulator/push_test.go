package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/webhook"
)

const pushSecret = "00112233445566778899aabbccddeeff"

// endpoint answers with codes[i] for its i-th request (the last code after
// that) and checks every request as a Kibo receiver would.
type endpoint struct {
	*httptest.Server
	mu    sync.Mutex
	codes []int
	seen  []http.Header
	bad   atomic.Int32
}

func newEndpoint(t *testing.T, codes ...int) *endpoint {
	ep := &endpoint{codes: codes}
	ep.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var fields map[string]any
		if err := (webhook.Verifier{Secret: pushSecret}).VerifyRequest(r.Header, body); err != nil || json.Unmarshal(body, &fields) != nil {
			ep.bad.Add(1)
		}
		for _, k := range []string{"eventId", "topic", "entityId", "timestamp", "correlationId", "isTest"} {
			if _, ok := fields[k]; !ok {
				ep.bad.Add(1)
			}
		}
		ep.mu.Lock()
		ep.seen = append(ep.seen, r.Header.Clone())
		code := ep.codes[min(len(ep.seen)-1, len(ep.codes)-1)]
		ep.mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(ep.Close)
	return ep
}

func pushEmulator(t *testing.T, ep *endpoint, clock *FakeClock) *Emulator {
	e := New(DefaultSeed(pushSecret))
	e.AddSubscription(NewSubscription(ep.URL, []string{"order.*"}, DefaultClientID, 10000, clock.Now()))
	e.EnablePush(PushOptions{Clock: clock})
	return e
}

func attemptDates(t *testing.T, e *Emulator) (map[string]any, []time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ds := range e.seed.DeliveryAttempts {
		s := ds[0]
		var dates []time.Time
		for _, a := range s["deliveryAttempts"].([]any) {
			at, _ := time.Parse(time.RFC3339, a.(map[string]any)["executionDate"].(string))
			dates = append(dates, at)
		}
		return s, dates
	}
	t.Fatal("no delivery summary")
	return nil, nil
}

func TestFailedPushFollowsKibosSchedule(t *testing.T) {
	start := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	clock := NewFakeClock(start)
	ep := newEndpoint(t, 500)
	e := pushEmulator(t, ep, clock)
	if _, err := e.Publish(PublishRequest{Topic: "order.opened", EntityID: "100234"}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(0)
	for _, d := range RetrySchedule {
		s, _ := attemptDates(t, e)
		if s["deliveryStatus"] != "Retrying" || s["isRunning"] != false {
			t.Fatalf("between attempts: %v", s["deliveryStatus"])
		}
		clock.Advance(d)
	}
	clock.Advance(72 * time.Hour) // nothing more happens
	s, dates := attemptDates(t, e)
	want := []time.Duration{0, 5 * time.Minute, 65 * time.Minute, 7*time.Hour + 5*time.Minute, 31*time.Hour + 5*time.Minute, 55*time.Hour + 5*time.Minute}
	if len(dates) != len(want) {
		t.Fatalf("%d attempts, want %d", len(dates), len(want))
	}
	for i, d := range want {
		if !dates[i].Equal(start.Add(d)) {
			t.Errorf("attempt %d at %s, want %s", i+1, dates[i], start.Add(d))
		}
	}
	if s["deliveryStatus"] != "Undeliverable" || s["retriesRemaining"] != 0 || s["nextExecutionDate"] != nil || s["isRunning"] != false {
		t.Errorf("dead delivery: %v retries %v next %v", s["deliveryStatus"], s["retriesRemaining"], s["nextExecutionDate"])
	}
	last := s["deliveryAttempts"].([]any)[5].(map[string]any)
	if last["httpStatus"].(map[string]any)["code"] != 500 || last["errorType"] != "HttpError" {
		t.Errorf("last attempt: %v", last)
	}
	if ep.bad.Load() != 0 || len(ep.seen) != 6 {
		t.Errorf("%d requests, %d not like Kibo's", len(ep.seen), ep.bad.Load())
	}
	if h := ep.seen[0]; h.Get("x-vol-tenant") != "10000" || h.Get("x-vol-site") != "10001" {
		t.Errorf("context headers: %v", h)
	}
}

func TestPushSucceedsOnlyOn200(t *testing.T) {
	clock := NewFakeClock(time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC))
	ep := newEndpoint(t, 204, 503, 200)
	e := pushEmulator(t, ep, clock)
	out, _ := e.Publish(PublishRequest{Topic: "order.closed"})
	if len(out) != 1 || len(out[0].Deliveries) != 1 {
		t.Fatalf("published %+v", out)
	}
	clock.Advance(0)
	clock.Advance(5 * time.Minute)
	clock.Advance(time.Hour)
	s, dates := attemptDates(t, e)
	if len(dates) != 3 || s["deliveryStatus"] != "Success" || s["retriesRemaining"] != 4 || s["nextExecutionDate"] != nil {
		t.Fatalf("%d attempts, status %v, retries %v", len(dates), s["deliveryStatus"], s["retriesRemaining"])
	}
	if clock.Pending() != 0 {
		t.Errorf("a delivered event must not be retried")
	}
	// Topics the subscription does not take are not pushed.
	out, _ = e.Publish(PublishRequest{Topic: "product.created"})
	if len(out[0].Deliveries) != 0 {
		t.Errorf("product.created was pushed to an order.* subscription")
	}
}

func TestPushTimeoutIsRecorded(t *testing.T) {
	clock := NewFakeClock(time.Now())
	block := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer slow.Close()
	defer close(block)
	e := New(DefaultSeed(pushSecret))
	e.AddSubscription(NewSubscription(slow.URL, []string{"order.opened"}, DefaultClientID, 10000, clock.Now()))
	e.EnablePush(PushOptions{Clock: clock, Timeout: 20 * time.Millisecond})
	e.Publish(PublishRequest{Topic: "order.opened"})
	clock.Advance(0)
	s, _ := attemptDates(t, e)
	a := s["deliveryAttempts"].([]any)[0].(map[string]any)
	if a["errorType"] != "Timeout" || a["httpStatus"].(map[string]any)["code"] != 0 {
		t.Errorf("attempt %v", a)
	}
}

func TestReorderKeepsOrderWithinATopic(t *testing.T) {
	clock := NewFakeClock(time.Now())
	var mu sync.Mutex
	var got []string
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p, _ := webhook.ParsePush(body)
		mu.Lock()
		got = append(got, p.Topic+"/"+p.EntityID)
		mu.Unlock()
	}))
	defer app.Close()
	e := New(DefaultSeed(pushSecret))
	e.AddSubscription(NewSubscription(app.URL, []string{"order.*", "shipment.*"}, DefaultClientID, 10000, clock.Now()))
	e.EnablePush(PushOptions{Clock: clock, Reorder: true, ReorderWindow: time.Second})
	e.Publish(PublishRequest{Topic: "order.opened", EntityID: "o", Count: 5})
	e.Publish(PublishRequest{Topic: "shipment.statuschanged", EntityID: "s", Count: 5})
	clock.Advance(time.Second)
	if len(got) != 10 {
		t.Fatalf("%d pushes", len(got))
	}
	next := map[string]int{"order.opened": 1, "shipment.statuschanged": 1}
	for _, g := range got {
		var topic, entity string
		for i := range g {
			if g[i] == '/' {
				topic, entity = g[:i], g[i+1:]
			}
		}
		if want := entity[len(entity)-1:]; want != string(rune('0'+next[topic])) {
			t.Errorf("%s out of order within its topic: %v", g, got)
		}
		next[topic]++
	}
}

func TestDuplicateRateRedelivers(t *testing.T) {
	clock := NewFakeClock(time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC))
	var mu sync.Mutex
	ids := map[string]int{}
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := (webhook.Verifier{Secret: pushSecret}).VerifyRequest(r.Header, body); err != nil {
			t.Errorf("redelivery not signed: %v", err)
		}
		p, _ := webhook.ParsePush(body)
		mu.Lock()
		ids[p.EventID]++
		mu.Unlock()
	}))
	defer app.Close()
	e := New(DefaultSeed(pushSecret))
	e.AddSubscription(NewSubscription(app.URL, []string{"order.opened"}, DefaultClientID, 10000, clock.Now()))
	e.EnablePush(PushOptions{Clock: clock, DuplicateRate: 1})
	e.Publish(PublishRequest{Topic: "order.opened"})
	clock.Advance(0)
	clock.Advance(time.Second)
	s, dates := attemptDates(t, e)
	if len(ids) != 1 || len(dates) != 2 || s["deliveryStatus"] != "Success" {
		t.Fatalf("ids %v, %d attempts, status %v: want one event delivered twice", ids, len(dates), s["deliveryStatus"])
	}
	for _, n := range ids {
		if n != 2 {
			t.Errorf("delivered %d times, want 2 (a duplicate on purpose)", n)
		}
	}
}

// TestScaledScheduleStampsWallClockDates: at --time-scale 3600 a day of
// retries passes in 24 s, and every date is a real wall-clock time (only the
// waits are scaled), so --since 2h means what it says against the emulator.
func TestScaledScheduleStampsWallClockDates(t *testing.T) {
	start := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	base := NewFakeClock(start)
	scaled := NewScaledClock(base, 3600)
	ep := newEndpoint(t, 503)
	e := New(DefaultSeed(pushSecret))
	e.AddSubscription(NewSubscription(ep.URL, []string{"order.opened"}, DefaultClientID, 10000, start))
	e.EnablePush(PushOptions{Clock: scaled})
	e.Publish(PublishRequest{Topic: "order.opened"})
	base.Advance(0)
	var next []string
	for _, d := range RetrySchedule {
		s, _ := attemptDates(t, e)
		next = append(next, s["nextExecutionDate"].(string))
		base.Advance(d/3600 + 7*time.Millisecond) // real time, plus some lag
	}
	s, dates := attemptDates(t, e)
	if len(dates) != 6 || s["deliveryStatus"] != "Undeliverable" {
		t.Fatalf("%d attempts, %v", len(dates), s["deliveryStatus"])
	}
	at := start
	for i, d := range append([]time.Duration{0}, RetrySchedule...) {
		at = at.Add(d / 3600)
		if got := dates[i].Sub(at).Abs(); got > 2*time.Millisecond {
			t.Errorf("attempt %d at %s, want the wall-clock %s", i+1, dates[i].Format(time.RFC3339Nano), at.Format(time.RFC3339Nano))
		}
		if i < len(next) && next[i] != stamp(dates[i].Add(RetrySchedule[i]/3600)) {
			t.Errorf("after attempt %d the next try was announced for %s", i+1, next[i])
		}
		at = dates[i] // the lag of each wait carries on
	}
	if created := s["createDate"].(string); created != stamp(start) {
		t.Errorf("createDate %s, want the wall-clock %s", created, stamp(start))
	}
}
