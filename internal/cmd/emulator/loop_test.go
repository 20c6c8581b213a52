package emulator_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/apptest"
	"github.com/kwh-cli/kwh/internal/emulator"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// handler is the developer's app: it fails while broken, and counts the
// events it accepted.
type handler struct {
	*httptest.Server
	broken   atomic.Bool
	mu       sync.Mutex
	accepted map[string]int
	calls    int
}

func newHandler(t *testing.T) *handler {
	a := &handler{accepted: map[string]int{}}
	a.broken.Store(true)
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p, _ := webhook.ParsePush(body)
		a.mu.Lock()
		defer a.mu.Unlock()
		a.calls++
		if a.broken.Load() {
			http.Error(w, "handler bug", http.StatusInternalServerError)
			return
		}
		a.accepted[p.EventID]++
	}))
	t.Cleanup(a.Close)
	return a
}

// TestTheWholeLoop: emulator → kwh listen --sync → an app that answers 500;
// deliveries fail on Kibo's (fake-clock) schedule and reach the DLQ; the app
// is fixed; kwh dlq retry delivers each event once through listen; the
// emulator's later retries are answered 200 by listen as duplicates.
func TestTheWholeLoop(t *testing.T) {
	seed := apptest.Seed(t)
	seed.Subscriptions, seed.DeliveryAttempts = nil, nil
	h := apptest.New(t, seed)
	app := newHandler(t)

	lst := h.Start("listen", "--sync", "--forward", app.URL, "--port", "0", "--store", t.TempDir(), "-o", "ndjson")
	defer lst.Stop()
	ready := readEvent(t, lst, listen.KindReady)

	clock := emulator.NewFakeClock(time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC))
	sub := emulator.NewSubscription(ready.URL, []string{"order.*"}, apptest.ClientID, 12345, clock.Now())
	h.Emu.AddSubscription(sub)
	h.Emu.EnablePush(emulator.PushOptions{Clock: clock})
	h.Env["KIBO_API_HOST"] = h.URL // kwh emulator publish finds the emulator here

	publish := func(topic string) []string {
		res := h.Run("emulator", "publish", topic, "--count", "2", "-o", "json", "--jq", ".[].eventId")
		if res.Code != 0 {
			t.Fatalf("publish: exit %d: %s", res.Code, res.Stderr)
		}
		return strings.Fields(res.Stdout)
	}
	dead := publish("order.opened")
	clock.Advance(0)
	for _, d := range emulator.RetrySchedule {
		clock.Advance(d)
	}
	// 31 h of failures: Kibo disabled the subscriber, as Dev Center would show.
	if res := h.Run("emulator", "enable", sub["id"].(string)); res.Code != 0 || !strings.Contains(res.Stderr, "re-enabled for tenant 12345") {
		t.Fatalf("emulator enable: exit %d: %s", res.Code, res.Stderr)
	}
	pending := publish("order.closed")
	clock.Advance(0)
	clock.Advance(5 * time.Minute)

	ids := func(args ...string) string {
		res := h.Run(append([]string{"dlq", "list", "-o", "json", "--jq", ".[] | .delivery.eventSummary.eventId + \" \" + .state"}, args...)...)
		if res.Code != 0 {
			t.Fatalf("dlq list: exit %d: %s", res.Code, res.Stderr)
		}
		return strings.TrimSpace(res.Stdout)
	}
	if got, want := ids(), dead[0]+" dead\n"+dead[1]+" dead"; got != want {
		t.Fatalf("dlq list:\n%s\nwant:\n%s", got, want)
	}
	if got := ids("--include-pending"); strings.Count(got, "retrying") != 2 || !strings.Contains(got, pending[0]+" retrying") {
		t.Fatalf("dlq list --include-pending:\n%s", got)
	}
	if app.calls != 2*6+2*2 {
		t.Errorf("the app was called %d times; Kibo's schedule gives 16", app.calls)
	}

	app.broken.Store(false)
	res := h.Run("dlq", "retry", "--all", "--include-pending", "--yes")
	if res.Code != 0 || !strings.Contains(res.Stderr, "4 delivered") {
		t.Fatalf("dlq retry: exit %d: %s", res.Code, res.Stderr)
	}
	clock.Advance(time.Hour) // the emulator's own next try of the pending ones
	app.mu.Lock()
	for _, id := range append(dead, pending...) {
		if n := app.accepted[webhook.DashedID(id)]; n != 1 {
			t.Errorf("event %s accepted %d times by the app, want exactly once", id, n)
		}
	}
	app.mu.Unlock()
	if got := ids("--include-pending"); strings.Contains(got, "retrying") {
		t.Errorf("the emulator's retries should have been answered 200 (duplicates):\n%s", got)
	}
	dups := 0
	for _, e := range drain(lst) {
		switch e.Kind {
		case listen.KindRejected:
			t.Errorf("listen rejected a request: %s", e.Reason)
		case listen.KindDuplicate:
			dups++
		}
	}
	if dups != 2 {
		t.Errorf("listen reported %d duplicates, want the emulator's 2 retries", dups)
	}
}

func readEvent(t *testing.T, r *apptest.Running, kind listen.Kind) listen.Event {
	t.Helper()
	for {
		var e listen.Event
		if err := json.Unmarshal([]byte(r.Next()), &e); err != nil {
			t.Fatal(err)
		}
		if e.Kind == kind {
			return e
		}
	}
}

// drain stops the command and returns every event it printed after ready.
func drain(r *apptest.Running) []listen.Event {
	res := r.Stop()
	var out []listen.Event
	sc := bufio.NewScanner(strings.NewReader(res.Stdout))
	for sc.Scan() {
		var e listen.Event
		if json.Unmarshal(sc.Bytes(), &e) == nil {
			out = append(out, e)
		}
	}
	return out
}
