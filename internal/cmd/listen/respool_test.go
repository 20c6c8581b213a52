package listen_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/kwh-cli/kwh/internal/apptest"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/netutil/netutiltest"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// startCollecting starts kwh listen and returns it with every event before ready.
func startCollecting(t *testing.T, h *apptest.Harness, store string, args ...string) (*receiver, []listen.Event) {
	t.Helper()
	r := h.Start(append([]string{"listen", "--port", "0", "-o", "ndjson", "--store", store, "--retry-min", "2ms"}, args...)...)
	var before []listen.Event
	for {
		var e listen.Event
		if err := json.Unmarshal([]byte(r.Next()), &e); err != nil {
			t.Fatal(err)
		}
		if e.Kind == listen.KindReady {
			return &receiver{Running: r, t: t, url: e.URL, store: store, ready: e}, before
		}
		before = append(before, e)
	}
}

// A restart with another --forward sends what is pending to the new target
// only, and says which old target it was meant for; kwh inbox drop
// --all-pending empties the spool instead.
func TestRestartSendsPendingToTheNewTargets(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	gone := netutiltest.RefusedURL(t) // the URL the user abandoned
	store := t.TempDir()
	r := start(t, h, store, "--forward", gone)
	for i := range 3 {
		body, hdr := signedPush(t, webhook.NewEventID(), "order.opened", fmt.Sprint(i))
		post(t, r.url, body, hdr)
	}
	r.waitFor(listen.KindFailed, 1)
	if res := r.Stop(); res.Code != 0 {
		t.Fatal(res.Stderr)
	}

	app := newApp(t)
	r2, before := startCollecting(t, h, store, "--forward", app.URL)
	if len(before) != 1 || before[0].Kind != listen.KindRespooled || before[0].Target != gone || before[0].Pending != 3 ||
		len(before[0].Targets) != 1 || before[0].Targets[0] != app.URL || !strings.Contains(before[0].Reason, "3 spooled forwards meant for "+gone+" go to "+app.URL) {
		t.Fatalf("events before ready: %+v", before)
	}
	if r2.ready.Pending != 3 {
		t.Errorf("ready: %d pending, want 3", r2.ready.Pending)
	}
	for _, e := range r2.waitFor(listen.KindForwarded, 3) {
		if e.Target != app.URL {
			t.Errorf("forwarded to %s", e.Target)
		}
	}
	for i, g := range app.received() {
		if p, _ := webhook.ParsePush(g.body); p.EntityID != fmt.Sprint(i) {
			t.Errorf("event %d arrived as entity %s: order lost", i, p.EntityID)
		}
	}
	if res := r2.Stop(); res.Code != 0 {
		t.Fatal(res.Stderr)
	}
	res := h.Run("inbox", "list", "--store", store, "-o", "json", "--jq", `.[] | "\(.state) \(.forwards["`+gone+`"].dropped) \(.forwards["`+app.URL+`"].status)"`)
	if res.Stdout != strings.Repeat("forwarded true 200\n", 3) {
		t.Errorf("inbox after the move:\n%s%s", res.Stdout, res.Stderr)
	}

	// Pending forwards to a dead URL, then dropped.
	r3 := start(t, h, store, "--forward", gone)
	body, hdr := signedPush(t, webhook.NewEventID(), "order.closed", "x")
	post(t, r3.url, body, hdr)
	r3.waitFor(listen.KindFailed, 1)
	if res := h.Run("inbox", "drop", "--all-pending", "--store", store); res.Code != 1 || !strings.Contains(res.Stderr, "kwh listen is running") {
		t.Errorf("drop while listen runs: exit %d: %s", res.Code, res.Stderr)
	}
	if res := r3.Stop(); res.Code != 0 {
		t.Fatal(res.Stderr)
	}
	res = h.Run("inbox", "drop", "--all-pending", "--store", store)
	if res.Code != 0 || !strings.Contains(res.Stderr, "dropped 1 pending forward") {
		t.Fatalf("drop: exit %d: %s", res.Code, res.Stderr)
	}
	if res := h.Run("inbox", "list", "--store", store, "-o", "json", "--jq", ".[0].state"); res.Stdout != "dropped\n" {
		t.Errorf("state after drop: %q", res.Stdout)
	}
	if res := h.Run("inbox", "drop", "4", "--store", store); res.Code != 1 || !strings.Contains(res.Stderr, "nothing pending for inbox id 4") {
		t.Errorf("drop of nothing pending: exit %d: %s", res.Code, res.Stderr)
	}
	if res := h.Run("inbox", "drop", "--store", store); res.Code != 2 {
		t.Errorf("drop without ids: exit %d", res.Code)
	}
	r4, before := startCollecting(t, h, store, "--forward", gone)
	defer r4.Stop()
	if r4.ready.Pending != 0 || len(before) != 0 {
		t.Errorf("after drop: %d pending, events %+v", r4.ready.Pending, before)
	}
}
