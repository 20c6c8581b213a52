package dlq_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kwh-cli/kwh/internal/apptest"
	"github.com/kwh-cli/kwh/internal/emulator"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// endpoint is an app that verifies Kibo's signature and counts deliveries by
// eventId. fail makes it answer 500 for some events.
type endpoint struct {
	*httptest.Server
	mu        sync.Mutex
	delivered map[string]int
	paths     map[string]string
	fail      map[string]bool
	unsigned  int
	// onRequest may stop a run part-way; returning false leaves the request unanswered.
	onRequest func(n int, r *http.Request) bool
	requests  int
}

func newEndpoint(t testing.TB) *endpoint {
	e := &endpoint{delivered: map[string]int{}, paths: map[string]string{}, fail: map[string]bool{}}
	e.Server = httptest.NewServer(http.HandlerFunc(e.serve))
	t.Cleanup(e.Close)
	return e
}

func (e *endpoint) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	e.mu.Lock()
	e.requests++
	n, hook := e.requests, e.onRequest
	e.mu.Unlock()
	if hook != nil && !hook(n, r) {
		<-r.Context().Done() // never answered: the client gave up
		return
	}
	if err := (webhook.Verifier{Secret: apptest.SharedSecret}).VerifyRequest(r.Header, body); err != nil {
		e.mu.Lock()
		e.unsigned++
		e.mu.Unlock()
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	p, err := webhook.ParsePush(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fail[p.EventID] {
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	}
	e.delivered[p.EventID]++
	e.paths[p.EventID] = r.URL.Path
}

func (e *endpoint) counts() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[string]int{}
	for k, v := range e.delivered {
		out[k] = v
	}
	return out
}

// Dead deliveries of the seed and their events' dashed ids.
var deadEvents = map[int]string{
	4711: "5f1c2e00-0000-0000-0000-000000000001",
	4713: "5f1c2e00-0000-0000-0000-000000000006",
	6001: "5f1c2e00-0000-0000-0000-000000000003",
}

// seedWithEndpoint points every subscription at the test app, one path each.
func seedWithEndpoint(t *testing.T, url string) emulator.Seed {
	seed := apptest.Seed(t)
	for i, s := range seed.Subscriptions {
		s["endpoint"] = fmt.Sprintf("%s/sub%d", url, i)
	}
	return seed
}

func TestRetryDeliversEachDeadDeliveryOnce(t *testing.T) {
	app := newEndpoint(t)
	h := apptest.New(t, seedWithEndpoint(t, app.URL))

	res := h.Run("dlq", "retry", "--all", "--yes", "-o", "json", "--jq", `.[] | "\(.processId) \(.outcome)"`)
	if res.Code != 0 {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	got := app.counts()
	for pid, id := range deadEvents {
		if got[id] != 1 {
			t.Errorf("process %d (event %s) delivered %d times, want once", pid, id, got[id])
		}
	}
	if len(got) != 3 || app.unsigned != 0 {
		t.Errorf("delivered %v, %d badly signed", got, app.unsigned)
	}
	if app.paths[deadEvents[6001]] != "/sub1" || app.paths[deadEvents[4711]] != "/sub0" {
		t.Errorf("each replay goes to its subscription's endpoint: %v", app.paths)
	}
	if !strings.Contains(res.Stdout, "4711 delivered") {
		t.Errorf("stdout: %s", res.Stdout)
	}

	res = h.Run("dlq", "retry", "--all", "--yes")
	if res.Code != 0 || !strings.Contains(res.Stderr, "0 delivered · 0 failed · 3 skipped") {
		t.Fatalf("second run: exit %d: %s", res.Code, res.Stderr)
	}
	if c := app.counts(); c[deadEvents[4711]] != 1 {
		t.Fatalf("the second run resent: %v", c)
	}

	res = h.Run("dlq", "retry", "4711", "--force")
	if res.Code != 0 || app.counts()[deadEvents[4711]] != 2 || app.counts()[deadEvents[4713]] != 1 {
		t.Fatalf("--force of one process: exit %d, %v: %s", res.Code, app.counts(), res.Stderr)
	}
}

func TestRetryDryRunSendsNothing(t *testing.T) {
	app := newEndpoint(t)
	h := apptest.New(t, seedWithEndpoint(t, app.URL))
	res := h.Run("dlq", "retry", "--all", "--dry-run", "-o", "json", "--jq", ".[] | [.processId, .url, .body.eventId, .headers[\"x-vol-tenant\"]] | @tsv")
	if res.Code != 0 {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	want := fmt.Sprintf("4711\t%[1]s/sub0\t%[2]s\t12345\n4713\t%[1]s/sub0\t%[3]s\t12345\n6001\t%[1]s/sub1\t%[4]s\t12345\n", app.URL, deadEvents[4711], deadEvents[4713], deadEvents[6001])
	if res.Stdout != want {
		t.Errorf("plan:\n%s\nwant:\n%s", res.Stdout, want)
	}
	if app.requests != 0 {
		t.Errorf("--dry-run sent %d requests", app.requests)
	}
}

func TestRetryFailuresAreRetriedNextTime(t *testing.T) {
	app := newEndpoint(t)
	app.fail[deadEvents[4713]] = true
	h := apptest.New(t, apptest.Seed(t))
	res := h.Run("dlq", "retry", "--all", "--yes", "--to", app.URL)
	if res.Code != 1 || !strings.Contains(res.Stderr, "1 of 3 replays failed") {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	if !strings.Contains(res.Stdout, "3f9c5e0e2b8a4d7f9c1e6a2b4d8f00a1\t4713\torder.cancelled\t5f1c2e00-0000-0000-0000-000000000006\tfailed\t500") {
		t.Errorf("the failure should be listed on stdout: %q", res.Stdout)
	}
	app.mu.Lock()
	app.fail = map[string]bool{}
	before := app.requests
	app.mu.Unlock()
	res = h.Run("dlq", "retry", "--all", "--yes", "--to", app.URL)
	if res.Code != 0 || !strings.Contains(res.Stderr, "1 delivered · 0 failed · 2 skipped") {
		t.Fatalf("rerun: exit %d: %s", res.Code, res.Stderr)
	}
	if app.requests-before != 1 {
		t.Errorf("the rerun sent %d requests, want only the failed one", app.requests-before)
	}
	for _, id := range deadEvents {
		if app.counts()[id] != 1 {
			t.Errorf("%s delivered %d times", id, app.counts()[id])
		}
	}
}

func TestRetryInterruptedThenRerunDeliversTheRestOnce(t *testing.T) {
	seed := apptest.Seed(t)
	subID := seed.Subscriptions[0]["id"].(string)
	var dead []map[string]any
	var ids []string
	for i := range 20 {
		id := fmt.Sprintf("dead%028x", i)
		ids = append(ids, webhook.DashedID(id))
		dead = append(dead, map[string]any{
			"id": 9000 + i, "deliveryStatus": "Failed", "isRunning": false, "retriesRemaining": 0,
			"eventSummary":     map[string]any{"eventId": id, "topic": "order.opened", "entityId": fmt.Sprint(i), "tenantId": 12345},
			"deliveryAttempts": []any{map[string]any{"httpStatus": map[string]any{"code": 500}, "executionDate": "2026-11-20T12:00:00Z"}},
		})
	}
	seed.DeliveryAttempts = map[string][]map[string]any{subID: dead}
	app := newEndpoint(t)
	h := apptest.New(t, seed)

	ctx, cancel := context.WithCancel(context.Background())
	app.onRequest = func(n int, r *http.Request) bool {
		if n == 9 {
			cancel() // Ctrl-C while the ninth request is in flight
			return false
		}
		return true
	}
	res := h.RunContext(ctx, "dlq", "retry", "--all", "--yes", "--to", app.URL, "--concurrency", "1")
	if res.Code != 130 || !strings.Contains(res.Stderr, "Run the same command again") {
		t.Fatalf("interrupted run: exit %d: %s", res.Code, res.Stderr)
	}
	if n := len(app.counts()); n != 8 {
		t.Fatalf("%d delivered before the interruption, want 8", n)
	}
	app.onRequest = nil
	res = h.Run("dlq", "retry", "--all", "--yes", "--to", app.URL, "--concurrency", "1")
	if res.Code != 0 || !strings.Contains(res.Stderr, "12 delivered · 0 failed · 8 skipped") {
		t.Fatalf("rerun: exit %d: %s", res.Code, res.Stderr)
	}
	got := app.counts()
	for _, id := range ids {
		if got[id] != 1 {
			t.Errorf("%s delivered %d times, want exactly once", id, got[id])
		}
	}
}

func TestRetrySelectionAndConfirmation(t *testing.T) {
	app := newEndpoint(t)
	h := apptest.New(t, apptest.Seed(t))
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"dlq", "retry"}, 2, "which deliveries?"},
		{[]string{"dlq", "retry", "--all", "--to", app.URL}, 2, "pass --yes"},
		{[]string{"dlq", "retry", "1234", "--to", app.URL}, 1, "no dead delivery with process id 1234"},
		{[]string{"dlq", "retry", "x"}, 2, "not a number"},
		{[]string{"dlq", "retry", "--topic", "tenant.*", "--to", app.URL}, 0, "nothing to replay"},
		{[]string{"dlq", "retry", "6001", "--to", app.URL}, 0, "1 delivered"},
		{[]string{"dlq", "retry", "--subscription", "3f9c", "--topic", "order.cancelled", "--to", app.URL}, 0, "1 delivered"},
	}
	for _, tt := range tests {
		res := h.Run(tt.args...)
		if res.Code != tt.code || !strings.Contains(res.Stderr, tt.msg) {
			t.Errorf("%v: exit %d (want %d): %s", tt.args, res.Code, tt.code, res.Stderr)
		}
	}
	if got := app.counts(); len(got) != 2 || got[deadEvents[6001]] != 1 || got[deadEvents[4713]] != 1 {
		t.Errorf("delivered %v", got)
	}
	delete(h.Env, "KIBO_SHARED_SECRET")
	h.Env["KIBO_CLIENT_SECRET"] = ""
	if res := h.Run("dlq", "retry", "--all", "--yes"); res.Code != 4 {
		t.Errorf("no secret: exit %d", res.Code)
	}
}

// A delivery whose deliveryStatus kwh cannot decide counts as failing, so
// --all replays it, and says that Kibo may have delivered it already.
func TestRetrySaysWhichReplaysMayBeDuplicates(t *testing.T) {
	app := newEndpoint(t)
	seed := seedWithEndpoint(t, app.URL)
	for _, list := range seed.DeliveryAttempts {
		for _, d := range list {
			if fmt.Sprint(d["id"]) == "4713" { // a word kwh does not know, and nothing else to go by
				d["deliveryStatus"], d["retriesRemaining"], d["deliveryAttempts"] = "Bogus", nil, []any{}
			}
		}
	}
	h := apptest.New(t, seed)
	res := h.Run("dlq", "retry", "--all", "--dry-run")
	if res.Code != 0 || !strings.Contains(res.Stderr, "! 1 of these has a deliveryStatus kwh cannot decide (process 4713): replayed as failing, but Kibo may have delivered it already") {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	if res = h.Run("dlq", "retry", "4711", "--dry-run"); strings.Contains(res.Stderr, "cannot decide") {
		t.Errorf("warned about a process not replayed: %s", res.Stderr)
	}
}
