package listen_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/apptest"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// app is the developer's handler: it records what reaches it and answers
// with status (503 while down).
type app struct {
	*httptest.Server
	mu   sync.Mutex
	got  []received
	down atomic.Bool
	code atomic.Int32
}

type received struct {
	header http.Header
	body   []byte
	path   string
}

func newApp(t *testing.T) *app {
	a := &app{}
	a.code.Store(200)
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if a.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		a.mu.Lock()
		a.got = append(a.got, received{r.Header.Clone(), body, r.URL.Path})
		a.mu.Unlock()
		w.WriteHeader(int(a.code.Load()))
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *app) received() []received {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]received(nil), a.got...)
}

// receiver is a running kwh listen.
type receiver struct {
	*apptest.Running
	t     *testing.T
	url   string
	store string
	ready listen.Event
	seen  []listen.Event // every event read so far
	used  map[listen.Kind]int
}

func (r *receiver) storeDir() string { return r.store }

func start(t *testing.T, h *apptest.Harness, store string, args ...string) *receiver {
	t.Helper()
	r := h.Start(append([]string{"listen", "--port", "0", "-o", "ndjson", "--store", store, "--retry-min", "2ms"}, args...)...)
	ready := next(t, r, listen.KindReady)
	return &receiver{Running: r, t: t, url: ready.URL, store: store, ready: ready}
}

// next reads events until one of kind.
func next(t *testing.T, r *apptest.Running, kind listen.Kind) listen.Event {
	t.Helper()
	for {
		var e listen.Event
		line := r.Next()
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("not an event: %s", line)
		}
		if e.Kind == kind {
			return e
		}
	}
}

// waitFor returns the next n events of kind not returned before, reading
// more output as needed; events of other kinds read on the way stay
// available to later calls.
func (r *receiver) waitFor(kind listen.Kind, n int) []listen.Event {
	r.t.Helper()
	if r.used == nil {
		r.used = map[listen.Kind]int{}
	}
	var out []listen.Event
	ofKind := 0
	for i := 0; len(out) < n; i++ {
		if i == len(r.seen) {
			var e listen.Event
			line := r.Next()
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				r.t.Fatalf("not an event: %s", line)
			}
			r.seen = append(r.seen, e)
		}
		if r.seen[i].Kind != kind {
			continue
		}
		if ofKind++; ofKind > r.used[kind] {
			out = append(out, r.seen[i])
		}
	}
	r.used[kind] += len(out)
	return out
}

func signedPush(t *testing.T, id, topic, entity string) ([]byte, http.Header) {
	body := []byte(fmt.Sprintf(`{"eventId":"%s","topic":"%s","entityId":"%s","timestamp":"2026-11-20T12:00:00.000Z","correlationId":"c-%s","isTest":false}`, id, topic, entity, entity))
	return body, webhook.SignedHeaders(apptest.SharedSecret, webhook.Context{Tenant: "12345", Site: "23456", Correlation: "c-" + entity}, body, time.Now())
}

func post(t *testing.T, url string, body []byte, h http.Header) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestForwardsTheRawBodyAndHeaders(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	a := newApp(t)
	r := start(t, h, t.TempDir(), "--forward", a.URL+"/hooks")
	defer r.Stop()

	// Spacing and an escape that re-serialising would change.
	body := []byte("{ \"eventId\": \"5f1c2e00-0000-0000-0000-000000000001\",\n \"topic\":\"order.opened\", \"entityId\":\"A\\u00e9\", \"isTest\":false }")
	hdr := webhook.SignedHeaders(apptest.SharedSecret, webhook.Context{Tenant: "12345", Site: "23456", Correlation: "corr-1"}, body, time.Now())
	hdr.Set("X-Custom", "kept")
	if code := post(t, r.url+"/kibo/events", body, hdr); code != 200 {
		t.Fatalf("status %d", code)
	}
	fwd := r.waitFor(listen.KindForwarded, 1)[0]
	got := a.received()
	if len(got) != 1 || !bytes.Equal(got[0].body, body) {
		t.Fatalf("the app got %q, want the raw body %q", got[0].body, body)
	}
	g := got[0].header
	for _, k := range []string{"Date", "X-Vol-Hmac-Sha256", "X-Vol-Tenant", "X-Vol-Site", "X-Vol-Correlation", "X-Custom"} {
		if g.Get(k) != hdr.Get(k) {
			t.Errorf("header %s = %q, want %q", k, g.Get(k), hdr.Get(k))
		}
	}
	if g.Get("X-Kwh-Delivery-Id") != fmt.Sprint(fwd.DeliveryID) || g.Get("X-Kwh-Attempt") != "1" || got[0].path != "/hooks" {
		t.Errorf("kwh headers: %v, path %s", g, got[0].path)
	}
	if err := (webhook.Verifier{Secret: apptest.SharedSecret}).VerifyRequest(g, got[0].body); err != nil {
		t.Errorf("the app cannot verify what kwh forwarded: %v", err)
	}
}

func TestRejectsAndDedupes(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	a := newApp(t)
	r := start(t, h, t.TempDir(), "--forward", a.URL, "--max-body", "1KiB")
	defer r.Stop()

	dashed, hex := "5f1c2e00-0000-0000-0000-0000000000aa", "5F1C2E000000000000000000000000AA"
	body, hdr := signedPush(t, dashed, "order.opened", "1")
	if code := post(t, r.url, body, hdr); code != 200 {
		t.Fatalf("first: %d", code)
	}
	r.waitFor(listen.KindForwarded, 1)
	for _, id := range []string{dashed, hex} { // a redelivery, in either spelling
		body, hdr := signedPush(t, id, "order.opened", "1")
		if code := post(t, r.url, body, hdr); code != 200 {
			t.Fatalf("redelivery: %d", code)
		}
		r.waitFor(listen.KindDuplicate, 1)
	}

	bad := http.Header{}
	for k, v := range hdr {
		bad[k] = v
	}
	bad.Set("x-vol-hmac-sha256", webhook.Sign("ffffffffffffffffffffffffffffffff", hdr.Get("Date"), body))
	tests := []struct {
		name string
		body []byte
		hdr  http.Header
		code int
	}{
		{"bad signature", body, bad, 401},
		{"unsigned", body, http.Header{"Date": {hdr.Get("Date")}}, 401},
		{"oversized", bytes.Repeat([]byte("x"), 2048), hdr, 413},
		{"not JSON", []byte("hello"), webhook.SignedHeaders(apptest.SharedSecret, webhook.Context{}, []byte("hello"), time.Now()), 400},
		{"not an event", []byte(`{"a":1}`), webhook.SignedHeaders(apptest.SharedSecret, webhook.Context{}, []byte(`{"a":1}`), time.Now()), 400},
	}
	for _, tt := range tests {
		if code := post(t, r.url, tt.body, tt.hdr); code != tt.code {
			t.Errorf("%s: %d, want %d", tt.name, code, tt.code)
		}
		if e := r.waitFor(listen.KindRejected, 1)[0]; e.Status != tt.code {
			t.Errorf("%s: rejected event status %d", tt.name, e.Status)
		}
	}
	if n := len(a.received()); n != 1 {
		t.Errorf("the app got %d requests, want 1", n)
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(r.url + p)
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("%s: %v %v", p, resp, err)
		}
	}
	res := r.Stop()
	if res.Code != 0 {
		t.Errorf("exit %d after Ctrl-C: %s", res.Code, res.Stderr)
	}
	// Nothing rejected reached the inbox: one delivery, its two duplicates
	// counted on it (not stored again).
	out := h.Run("inbox", "list", "--store", r.storeDir(), "-o", "json", "--jq", `"\(length) \(.[0].duplicates)"`)
	if strings.TrimSpace(out.Stdout) != "1 2" {
		t.Errorf("inbox holds %q (entries, duplicates), want 1 2: %s", out.Stdout, out.Stderr)
	}
}

func TestTopicFilterAndRoutes(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	all, orders := newApp(t), newApp(t)
	r := start(t, h, t.TempDir(), "--forward", all.URL, "--route", "order.*="+orders.URL, "--topic", "order.*", "--topic", "product.created")
	defer r.Stop()
	for i, topic := range []string{"order.opened", "product.created", "customeraccount.created", "order.closed"} {
		body, hdr := signedPush(t, webhook.NewEventID(), topic, fmt.Sprint(i))
		if code := post(t, r.url, body, hdr); code != 200 {
			t.Fatalf("%s: %d", topic, code)
		}
	}
	if e := r.waitFor(listen.KindSkipped, 1)[0]; e.Topic != "customeraccount.created" {
		t.Errorf("skipped %s", e.Topic)
	}
	r.waitFor(listen.KindForwarded, 5) // 3 to the --forward app, 2 to the route
	topics := func(a *app) string {
		var ts []string
		for _, g := range a.received() {
			p, _ := webhook.ParsePush(g.body)
			ts = append(ts, p.Topic)
		}
		return strings.Join(slices.Sorted(slices.Values(ts)), " ")
	}
	if got := topics(all); got != "order.closed order.opened product.created" {
		t.Errorf("--forward app got %s", got)
	}
	if got := topics(orders); got != "order.closed order.opened" {
		t.Errorf("route app got %s", got)
	}
}

// TestAppDownThenUp: while the app answers 503, events wait; once it is up
// every event arrives, in order per topic.
func TestAppDownThenUp(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	a := newApp(t)
	a.down.Store(true)
	r := start(t, h, t.TempDir(), "--forward", a.URL)
	defer r.Stop()
	for i := range 30 {
		topic := []string{"order.opened", "order.closed", "shipment.statuschanged"}[i%3]
		body, hdr := signedPush(t, webhook.NewEventID(), topic, fmt.Sprintf("%s-%02d", topic, i))
		if code := post(t, r.url, body, hdr); code != 200 {
			t.Fatalf("kwh must answer 200 while the app is down, got %d", code)
		}
	}
	r.waitFor(listen.KindFailed, 3) // each topic's lane is retrying
	a.down.Store(false)
	r.waitFor(listen.KindForwarded, 30)
	got := a.received()
	if len(got) != 30 {
		t.Fatalf("the app got %d events, want 30", len(got))
	}
	last := map[string]string{}
	for _, g := range got {
		p, _ := webhook.ParsePush(g.body)
		if p.EntityID <= last[p.Topic] {
			t.Errorf("%s arrived after %s: order per topic broken", p.EntityID, last[p.Topic])
		}
		last[p.Topic] = p.EntityID
	}
}

func TestPendingForwardsSurviveARestart(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	a := newApp(t)
	a.down.Store(true)
	store := t.TempDir()
	r := start(t, h, store, "--forward", a.URL)
	for i := range 3 {
		body, hdr := signedPush(t, webhook.NewEventID(), "order.opened", fmt.Sprint(i))
		post(t, r.url, body, hdr)
	}
	r.waitFor(listen.KindFailed, 1)
	if res := r.Stop(); res.Code != 0 {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	if len(a.received()) != 0 {
		t.Fatal("nothing should have arrived yet")
	}
	a.down.Store(false)
	r2 := start(t, h, store, "--forward", a.URL)
	defer r2.Stop()
	if r2.ready.Pending != 3 {
		t.Errorf("ready reports %d pending, want 3", r2.ready.Pending)
	}
	r2.waitFor(listen.KindForwarded, 3)
	got := a.received()
	if len(got) != 3 {
		t.Fatalf("after the restart the app got %d events, want 3", len(got))
	}
	for i, g := range got {
		if p, _ := webhook.ParsePush(g.body); p.EntityID != fmt.Sprint(i) {
			t.Errorf("event %d arrived as entity %s: order lost across the restart", i, p.EntityID)
		}
	}
	if g := got[0].header.Get("X-Kwh-Attempt"); g == "1" {
		t.Errorf("the first event was tried before the restart; attempt header %s should count on", g)
	}
	// Already seen before the restart: a redelivery now is a duplicate.
	body, hdr := signedPush(t, webhook.NewEventID(), "order.opened", "x")
	post(t, r2.url, body, hdr)
	r2.waitFor(listen.KindForwarded, 1)
	post(t, r2.url, body, hdr)
	r2.waitFor(listen.KindDuplicate, 1)
}

func TestSyncAnswersWithTheAppsStatus(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	a := newApp(t)
	a.code.Store(500)
	r := start(t, h, t.TempDir(), "--forward", a.URL, "--sync")
	defer r.Stop()
	body, hdr := signedPush(t, webhook.NewEventID(), "order.opened", "1")
	if code := post(t, r.url, body, hdr); code != 500 {
		t.Fatalf("sync with a failing app: %d, want the app's 500", code)
	}
	a.code.Store(200)
	if code := post(t, r.url, body, hdr); code != 200 {
		t.Fatalf("Kibo's retry after the app was fixed: %d, want 200 (a 5xx must not mark the event seen)", code)
	}
	if code := post(t, r.url, body, hdr); code != 200 {
		t.Fatalf("a later redelivery: %d", code)
	}
	r.waitFor(listen.KindDuplicate, 1)
	if n := len(a.received()); n != 2 {
		t.Errorf("the app saw %d requests, want 2 (the 500 and the success)", n)
	}
}

func TestListenUsageErrors(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	for _, args := range [][]string{
		{"listen", "--forward", "localhost:3000"},
		{"listen", "--route", "order.*"},
		{"listen", "--sync"},
		{"listen", "--max-body", "lots"},
		{"listen", "--path", "hooks"},
		{"listen", "--order", "lane"},
		{"listen", "--forward-concurrency", "0"},
		{"listen", "--max-backlog", "-1"},
	} {
		if res := h.Run(args...); res.Code != 2 {
			t.Errorf("%v: exit %d, want 2: %s", args, res.Code, res.Stderr)
		}
	}
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// TestInboxWhileListenRuns: the ngrok-inspector workflow, live.
func TestInboxWhileListenRuns(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	a := newApp(t)
	store := t.TempDir()
	r := start(t, h, store, "--forward", a.URL)
	defer r.Stop()
	body, hdr := signedPush(t, "5f1c2e00-0000-0000-0000-0000000000bb", "order.opened", "42")
	post(t, r.url, body, hdr)
	fwd := r.waitFor(listen.KindForwarded, 1)[0]

	res := h.Run("inbox", "list", "--store", store, "-o", "json", "--jq", `.[0] | "\(.id) \(.state) \(.entityId)"`)
	if res.Code != 0 || res.Stdout != fmt.Sprintf("%d forwarded 42\n", fwd.DeliveryID) {
		t.Fatalf("inbox list: exit %d %q %s", res.Code, res.Stdout, res.Stderr)
	}
	res = h.Run("inbox", "show", fmt.Sprint(fwd.DeliveryID), "--store", store, "-o", "json", "--jq", ".body.entityId")
	if res.Code != 0 || res.Stdout != "42\n" {
		t.Fatalf("inbox show: exit %d %q %s", res.Code, res.Stdout, res.Stderr)
	}
	res = h.Run("inbox", "replay", fmt.Sprint(fwd.DeliveryID), "--store", store)
	if res.Code != 0 || len(a.received()) != 2 {
		t.Fatalf("inbox replay: exit %d, app got %d: %s", res.Code, len(a.received()), res.Stderr)
	}
	replayed := a.received()[1]
	if !bytes.Equal(replayed.body, body) || replayed.header.Get("X-Kwh-Attempt") != "replay" {
		t.Errorf("replay: %q %v", replayed.body, replayed.header)
	}
	if err := (webhook.Verifier{Secret: apptest.SharedSecret}).VerifyRequest(replayed.header, replayed.body); err != nil {
		t.Errorf("a replay is re-signed with a fresh Date: %v", err)
	}
	if res := h.Run("inbox", "show", "999", "--store", store); res.Code != 1 {
		t.Errorf("unknown id: exit %d", res.Code)
	}
	r.Stop()
	// After listen stopped, the store file itself answers.
	if res := h.Run("inbox", "list", "--store", store, "-o", "json", "--jq", "length"); res.Stdout != "1\n" {
		t.Errorf("inbox list after stop: %q %s", res.Stdout, res.Stderr)
	}
}

func TestMaxAttemptsGivesUp(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	a := newApp(t)
	a.down.Store(true)
	store := t.TempDir()
	r := start(t, h, store, "--forward", a.URL, "--max-attempts", "3")
	body, hdr := signedPush(t, webhook.NewEventID(), "order.opened", "1")
	post(t, r.url, body, hdr)
	failed := r.waitFor(listen.KindFailed, 3)[2] // attempts 1 and 2 failed with a retry to come
	if failed.Attempt != 3 || !strings.Contains(failed.Reason, "gave up after 3 attempts: 503") {
		t.Errorf("failed event: %+v", failed)
	}
	if res := r.Stop(); res.Code != 0 {
		t.Fatal(res.Stderr)
	}
	out := h.Run("inbox", "list", "--store", store, "-o", "json", "--jq", `.[0].state`)
	if out.Stdout != "failed\n" {
		t.Errorf("inbox state %q", out.Stdout)
	}
	r2 := start(t, h, store, "--forward", a.URL)
	defer r2.Stop()
	if r2.ready.Pending != 0 {
		t.Errorf("a given-up forward was resumed after a restart")
	}
}
