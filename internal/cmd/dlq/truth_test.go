package dlq_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/apptest"
	"github.com/kwh-cli/kwh/internal/emulator"
)

// pushHarness is the seed's tenant with a single subscription to order.*
// whose endpoint answers what status holds, pushed by the emulator on a fake
// clock.
func pushHarness(t *testing.T, status *atomic.Int32, o emulator.PushOptions) (*apptest.Harness, *emulator.FakeClock, string) {
	t.Helper()
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(int(status.Load())) }))
	t.Cleanup(app.Close)
	seed := apptest.Seed(t)
	seed.Subscriptions, seed.DeliveryAttempts = nil, nil
	h := apptest.New(t, seed)
	clock := emulator.NewFakeClock(time.Now())
	sub := emulator.NewSubscription(app.URL, []string{"order.*"}, apptest.ClientID, 12345, clock.Now())
	h.Emu.AddSubscription(sub)
	o.Clock = clock
	h.Emu.EnablePush(o)
	return h, clock, sub["id"].(string)
}

// An endpoint answering 202 is retried on Kibo's whole schedule and ends
// dead: kwh must say so, and why.
func TestDLQAnEndpointAnswering202IsDead(t *testing.T) {
	h, clock, sub := pushHarness(t, answering(http.StatusAccepted), emulator.PushOptions{})
	pub, err := h.Emu.Publish(emulator.PublishRequest{Topic: "order.opened", EntityID: "100234"})
	if err != nil {
		t.Fatal(err)
	}
	pid := pub[0].Deliveries[0].ProcessID
	clock.Advance(time.Minute)
	res := h.Run("dlq", "list", "--fail-if-any")
	if res.Code != 0 {
		t.Fatalf("while Kibo retries, nothing is dead yet: exit %d: %s", res.Code, res.Stderr)
	}
	clock.Advance(3 * 24 * time.Hour)
	res = h.Run("dlq", "list", "--fail-if-any", "-o", "json", "--jq", `.[] | "\(.delivery.id) \(.state) \(.delivery.retriesRemaining) \(.delivery.deliveryAttempts | length)"`)
	if res.Code != 3 || strings.TrimSpace(res.Stdout) != itoa(pid)+" dead 0 6" {
		t.Fatalf("exit %d (want 3), %q: %s", res.Code, res.Stdout, res.Stderr)
	}
	res = h.Run("dlq", "show", sub, itoa(pid))
	if res.Code != 0 || !strings.Contains(res.Stdout, "state\tdead") || !strings.Contains(res.Stdout, "202 Accepted, not 200: Kibo retries anything but 200") {
		t.Fatalf("dlq show: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	res = h.RunWith(apptest.RunOpts{TTY: true}, "dlq", "show", sub, itoa(pid), "--no-color")
	if !strings.Contains(res.Stdout, "(dead)") || !strings.Contains(res.Stdout, "dead: Kibo marked it Undeliverable: it will not try again; last attempt was answered 202 Accepted, not 200") {
		t.Fatalf("dlq show on a terminal:\n%s", res.Stdout)
	}
}

// Replaying to an endpoint that answers 202 is a failed replay.
func TestRetryCountsOnly200(t *testing.T) {
	for _, status := range []int{201, 202, 204} {
		app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) }))
		h := apptest.New(t, apptest.Seed(t))
		res := h.Run("dlq", "retry", "6001", "--to", app.URL, "-o", "json", "--jq", `.[] | "\(.outcome) \(.status) \(.error)"`)
		app.Close()
		if res.Code != 1 || !strings.Contains(res.Stdout, "failed "+itoa(status)+" answered "+itoa(status)) || !strings.Contains(res.Stdout, "not 200") {
			t.Errorf("%d: exit %d, %q: %s", status, res.Code, res.Stdout, res.Stderr)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func answering(status int32) *atomic.Int32 {
	var v atomic.Int32
	v.Store(status)
	return &v
}

// After a successful replay the DLQ no longer fails CI; --include-replayed
// brings the replayed deliveries back, marked.
func TestDLQListLeavesOutReplayedDeliveries(t *testing.T) {
	status := answering(500)
	// A sandbox: one failure each, too short a run for Kibo to disable the subscriber.
	h, clock, sub := pushHarness(t, status, emulator.PushOptions{Sandbox: true})
	if _, err := h.Emu.Publish(emulator.PublishRequest{Topic: "order.opened", Count: 2}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(3 * 24 * time.Hour)
	if res := h.Run("dlq", "list", "--fail-if-any"); res.Code != 3 {
		t.Fatalf("dead before the replay: exit %d: %s", res.Code, res.Stderr)
	}
	status.Store(200)
	if res := h.Run("dlq", "retry", "--all", "--yes"); res.Code != 0 || !strings.Contains(res.Stderr, "2 delivered") {
		t.Fatalf("retry: exit %d: %s", res.Code, res.Stderr)
	}
	res := h.Run("dlq", "list", "--fail-if-any")
	if res.Code != 0 || res.Stdout != "" || !strings.Contains(res.Stderr, "2 dead deliveries replayed successfully since (kwh dlq retry) not listed: --include-replayed shows them") {
		t.Fatalf("after the replay: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	res = h.Run("dlq", "list", "--fail-if-any", "--include-replayed", "-o", "json", "--jq", `.[] | "\(.state) \(.replay.delivered) \(.replay.status) \(.replay.attempts)"`)
	if res.Code != 3 || res.Stdout != "dead true 200 1\ndead true 200 1\n" || strings.Contains(res.Stderr, "disabled") {
		t.Fatalf("--include-replayed: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	res = h.RunWith(apptest.RunOpts{TTY: true}, "dlq", "list", "--include-replayed", "--no-color")
	if !strings.Contains(res.Stdout, "dead · replayed ") {
		t.Errorf("the table should say when it was replayed:\n%s", res.Stdout)
	}
	if res := h.Run("dlq", "show", sub, "1001"); !strings.Contains(res.Stdout, "replay\treplayed ") || !strings.Contains(res.Stdout, "(1 replay)") {
		t.Errorf("dlq show should say it was replayed:\n%s", res.Stdout)
	}
}

// Replaying to a subscription Kibo pushes nothing to still posts, and says
// that Kibo's own pushes stay off.
func TestRetryToASilentSubscriptionSaysSo(t *testing.T) {
	app := newEndpoint(t)
	h := apptest.New(t, apptest.Seed(t))
	res := h.Run("dlq", "retry", "6001", "--to", app.URL)
	if res.Code != 0 || !strings.Contains(res.Stderr, "! subscription 77de…02 is inactive: kwh posts these replays to the endpoint itself, but Kibo will not push new events there until it is re-enabled") {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	if res := h.Run("dlq", "retry", "4711", "--to", app.URL); strings.Contains(res.Stderr, "re-enabled") {
		t.Errorf("an active subscription needs no warning: %s", res.Stderr)
	}
}

// A sandbox tenant gets no retries: one failed attempt, then dead.
func TestDLQSandboxDeliveryDiesAtOnce(t *testing.T) {
	h, clock, sub := pushHarness(t, answering(503), emulator.PushOptions{Sandbox: true})
	pub, _ := h.Emu.Publish(emulator.PublishRequest{Topic: "order.opened"})
	clock.Advance(0)
	res := h.Run("dlq", "list", "--fail-if-any", "-o", "json", "--jq", `.[] | "\(.state) \(.delivery.deliveryStatus) \(.delivery.retriesRemaining) \(.delivery.deliveryAttempts | length) \(.delivery.nextExecutionDate)"`)
	if res.Code != 3 || res.Stdout != "dead Undeliverable 0 1 null\n" {
		t.Fatalf("exit %d: %q %s", res.Code, res.Stdout, res.Stderr)
	}
	if clock.Pending() != 0 {
		t.Errorf("%d retries scheduled on a sandbox", clock.Pending())
	}
	res = h.Run("dlq", "show", sub, itoa(pub[0].Deliveries[0].ProcessID))
	if !strings.Contains(res.Stdout, "state\tdead") || !strings.Contains(res.Stdout, "503 Service Unavailable") {
		t.Errorf("dlq show:\n%s", res.Stdout)
	}
}

// A subscriber failing for 24 h of (time-scaled) Kibo time is disabled for
// the tenant: subs list says so, dlq list warns, --fail-if-any exits 3, and
// kwh emulator enable (Dev Center's part) switches it back on.
func TestDLQSubscriberDisabledAfter24Hours(t *testing.T) {
	base := emulator.NewFakeClock(time.Now())
	status := answering(500)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(int(status.Load())) }))
	defer app.Close()
	seed := apptest.Seed(t)
	seed.Subscriptions, seed.DeliveryAttempts = nil, nil
	h := apptest.New(t, seed)
	sub := emulator.NewSubscription(app.URL, []string{"order.*"}, apptest.ClientID, 12345, base.Now())
	h.Emu.AddSubscription(sub)
	h.Emu.EnablePush(emulator.PushOptions{Clock: emulator.NewScaledClock(base, 3600)})
	h.Emu.Publish(emulator.PublishRequest{Topic: "order.opened"})
	base.Advance(0)
	for _, d := range emulator.RetrySchedule {
		base.Advance(d / 3600)
	}
	res := h.Run("subs", "list", "-o", "json", "--jq", `.[] | "\(.state) \(.stateLabel) \(.disabledTenants) \(.pushing)"`)
	if res.Stdout != "disabled disabled by Kibo for tenant 12345 [12345] false\n" {
		t.Fatalf("subs list: %q %s", res.Stdout, res.Stderr)
	}
	if out, _ := h.Emu.Publish(emulator.PublishRequest{Topic: "order.closed"}); len(out[0].Deliveries) != 0 {
		t.Errorf("a new event was pushed to the disabled subscriber")
	}
	res = h.Run("dlq", "list", "--fail-if-any")
	if res.Code != 3 || !strings.Contains(res.Stderr, "is disabled by Kibo for tenant 12345") || !strings.Contains(res.Stderr, "verify the event configuration in Dev Center") ||
		!strings.Contains(res.Stderr, "1 delivery in the DLQ; 1 subscription Kibo pushes nothing to") {
		t.Fatalf("dlq list: exit %d: %s", res.Code, res.Stderr)
	}
	h.Env["KIBO_API_HOST"] = h.URL // kwh emulator enable finds the emulator here
	res = h.Run("emulator", "enable", sub["id"].(string)[:8])
	if res.Code != 0 || !strings.Contains(res.Stderr, "re-enabled for tenant 12345") {
		t.Fatalf("emulator enable: exit %d: %s", res.Code, res.Stderr)
	}
	if res := h.Run("subs", "list", "--active", "-o", "json", "--jq", "length"); res.Stdout != "1\n" {
		t.Errorf("after enable: %q", res.Stdout)
	}
	if res := h.Run("emulator", "enable", "ffffffff"); res.Code != 1 || !strings.Contains(res.Stderr, "No single subscription") {
		t.Errorf("unknown subscription: exit %d: %s", res.Code, res.Stderr)
	}
}
