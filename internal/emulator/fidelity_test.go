package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kwh-cli/kwh/internal/webhook"
)

// A sandbox tenant gets no retries (seed 001): the first failure is final.
func TestSandboxDoesNotRetry(t *testing.T) {
	clock := NewFakeClock(time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC))
	ep := newEndpoint(t, 500)
	e := New(DefaultSeed(pushSecret))
	e.AddSubscription(NewSubscription(ep.URL, []string{"order.*"}, DefaultClientID, 10000, clock.Now()))
	e.EnablePush(PushOptions{Clock: clock, Sandbox: true})
	e.Publish(PublishRequest{Topic: "order.opened"})
	clock.Advance(0)
	s, dates := attemptDates(t, e)
	if len(dates) != 1 || s["deliveryStatus"] != "Undeliverable" || s["retriesRemaining"] != 0 || s["nextExecutionDate"] != nil {
		t.Fatalf("%d attempts, %v, retries %v, next %v", len(dates), s["deliveryStatus"], s["retriesRemaining"], s["nextExecutionDate"])
	}
	if clock.Pending() != 0 {
		t.Errorf("%d retries scheduled on a sandbox", clock.Pending())
	}
}

// After 24 h (Kibo time) of failed deliveries Kibo disables the subscriber
// for the tenant, or for the site of a site-level subscription, and pushes
// it no new events.
func TestFailingSubscriberIsDisabledAfter24Hours(t *testing.T) {
	for _, level := range []string{"Tenant", "Site"} {
		t.Run(level, func(t *testing.T) {
			base := NewFakeClock(time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC))
			clock := NewScaledClock(base, 3600)
			ep := newEndpoint(t, 503)
			e := New(DefaultSeed(pushSecret))
			sub := NewSubscription(ep.URL, []string{"order.*"}, DefaultClientID, 10000, clock.Now())
			tenant := sub["subscribingTenants"].([]any)[0].(map[string]any)
			if level == "Site" {
				tenant["subscribingContextLevelType"] = "Site"
				tenant["subscribingSites"] = []any{map[string]any{"siteId": 10001, "isActive": true}}
			}
			e.AddSubscription(sub)
			var disabled []string
			e.EnablePush(PushOptions{Clock: clock, OnAttempt: func(a AttemptInfo) {
				if a.Disabled != "" {
					disabled = append(disabled, a.Disabled)
				}
			}})
			e.Publish(PublishRequest{Topic: "order.opened"})
			base.Advance(7*time.Hour/3600 + time.Second) // four failures over 7 h 5 min
			if !pushesTo(sub, 10000, 10001) || len(disabled) != 0 {
				t.Fatal("disabled before 24 h of failures")
			}
			base.Advance(24 * time.Hour / 3600) // the fifth, 31 h after the first
			want := map[string]string{"Tenant": "tenant 10000", "Site": "site 10001"}[level]
			if len(disabled) != 1 || disabled[0] != want || pushesTo(sub, 10000, 10001) {
				t.Fatalf("disabled %v, want %s", disabled, want)
			}
			if level == "Tenant" && tenant["isActive"] != false || level == "Site" && tenant["subscribingSites"].([]any)[0].(map[string]any)["isActive"] != false {
				t.Errorf("isActive not switched off: %v", tenant)
			}
			if sub["isActive"] != true {
				t.Errorf("Kibo disables the subscriber, not the subscription")
			}
			out, _ := e.Publish(PublishRequest{Topic: "order.closed"})
			if len(out[0].Deliveries) != 0 {
				t.Errorf("a new event was pushed to a disabled subscriber")
			}
		})
	}
}

func TestSiteLevelIsActiveIsHonoured(t *testing.T) {
	clock := NewFakeClock(time.Now())
	ep := newEndpoint(t, 200)
	e := New(DefaultSeed(pushSecret))
	sub := NewSubscription(ep.URL, []string{"order.*"}, DefaultClientID, 10000, clock.Now())
	sub["subscribingTenants"].([]any)[0].(map[string]any)["subscribingSites"] = []any{map[string]any{"siteId": 10001, "isActive": false}}
	e.AddSubscription(sub)
	e.EnablePush(PushOptions{Clock: clock})
	if out, _ := e.Publish(PublishRequest{Topic: "order.opened"}); len(out[0].Deliveries) != 0 {
		t.Errorf("pushed to a subscription switched off for the site")
	}
}

// Event ids are v4 GUIDs (32 hex in the pull queue, dashed in the push body)
// and push timestamps carry seven fractional digits, as Kibo's do.
func TestEventIDsAndTimestampsLookLikeKibos(t *testing.T) {
	clock := NewFakeClock(time.Date(2026, 11, 20, 12, 0, 0, 123456789, time.UTC))
	e := New(DefaultSeed(pushSecret))
	e.EnablePush(PushOptions{Clock: clock})
	out, _ := e.Publish(PublishRequest{Topic: "order.opened", Count: 3})
	for _, p := range out {
		u, err := uuid.Parse(p.EventID)
		if err != nil || len(p.EventID) != 32 || u.Version() != 4 || u.Variant() != uuid.RFC4122 {
			t.Errorf("event id %s is not a v4 GUID", p.EventID)
		}
	}
	bodies := make(chan []byte, 1)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies <- b
	}))
	defer app.Close()
	e.AddSubscription(NewSubscription(app.URL, []string{"order.*"}, DefaultClientID, 10000, clock.Now()))
	e.Publish(PublishRequest{Topic: "order.opened"})
	clock.Advance(0)
	p, err := webhook.ParsePush(<-bodies)
	if err != nil || !regexp.MustCompile(`^2026-11-20T12:00:00\.1234567Z$`).MatchString(p.Timestamp) {
		t.Errorf("push timestamp %q (%v), want seven fractional digits", p.Timestamp, err)
	}
	if u, err := uuid.Parse(p.EventID); err != nil || len(p.EventID) != 36 || u.Version() != 4 {
		t.Errorf("push eventId %s is not a dashed v4 GUID", p.EventID)
	}
}

func TestSortByTakesSeveralFields(t *testing.T) {
	e := New(DefaultSeed(pushSecret))
	for i, ev := range []struct{ topic, entity string }{{"order.opened", "2"}, {"order.closed", "9"}, {"order.opened", "1"}, {"order.closed", "3"}} {
		e.AddEvent(map[string]any{"id": uuid.NewString(), "topic": ev.topic, "entityId": ev.entity, "auditInfo": map[string]any{"createDate": stamp(time.Unix(int64(i), 0))}})
	}
	srv := httptest.NewServer(e)
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/api/platform/applications/authtickets/oauth", "application/json",
		strings.NewReader(`{"client_id":"`+DefaultClientID+`","client_secret":"`+pushSecret+`","grant_type":"client_credentials"}`))
	if err != nil {
		t.Fatal(err)
	}
	var tk struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tk)
	resp.Body.Close()
	tok := tk.AccessToken
	for _, tt := range []struct{ sort, want string }{
		{"topic asc, entityId desc", "order.closed/9 order.closed/3 order.opened/2 order.opened/1"},
		{"topic desc,entityId", "order.opened/1 order.opened/2 order.closed/3 order.closed/9"},
	} {
		code, page, _ := get(t, srv, tok, "/api/event/pull", url.Values{"sortBy": {tt.sort}})
		if code != 200 {
			t.Fatalf("%s: %d", tt.sort, code)
		}
		got := ""
		for _, it := range page["items"].([]any) {
			m := it.(map[string]any)
			if got != "" {
				got += " "
			}
			got += m["topic"].(string) + "/" + m["entityId"].(string)
		}
		if got != tt.want {
			t.Errorf("sortBy %q: %s, want %s", tt.sort, got, tt.want)
		}
	}
	if code, _, _ := get(t, srv, tok, "/api/event/pull", url.Values{"sortBy": {"topic asc, entityId sideways"}}); code != 400 {
		t.Errorf("a bad second field: %d, want 400", code)
	}
}
