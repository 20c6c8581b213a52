package listen_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kwh-cli/kwh/internal/listen/metrics/metricstest"

	"github.com/kwh-cli/kwh/internal/apptest"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/store/redisstore/redistest"
)

// Two replicas, one Redis, one app: 300 distinct events, each sent three
// times with the copies alternating between the replicas, reach the app
// once each, in order per topic, whichever replica holds a topic's lane;
// kwh inbox reads the shared store through the same URL.
func TestTwoReplicasOneRedis(t *testing.T) {
	srv := redistest.Start(t)
	h := apptest.New(t, apptest.Seed(t))
	a := newLaneApp()
	appSrv := httptest.NewServer(a)
	defer appSrv.Close()
	// A lease far longer than a stall of a loaded machine: no lease may
	// lapse while its holder is alive (that could send a forward twice).
	replicas := []*receiver{
		start(t, h, srv.URL(), "--forward", appSrv.URL, "--lease-time", "5s"),
		start(t, h, srv.URL(), "--forward", appSrv.URL, "--lease-time", "5s"),
	}
	topics := []string{"order.opened", "order.closed", "shipment.statuschanged", "product.updated", "return.opened", "customer.created"}
	const events = 300
	ids := make([]string, events)
	for i := range events {
		ids[i] = fmt.Sprintf("5f1c2e00-0000-0000-0000-%012d", i)
		for k := range 3 { // the first copy goes to replica i%2
			body, hdr := signedPush(t, ids[i], topics[i%len(topics)], fmt.Sprint(i))
			if code := post(t, replicas[(i+k)%2].url, body, hdr); code != 200 {
				t.Fatalf("event %d copy %d: %d", i, k, code)
			}
		}
	}
	a.waitFor(t, func() []string { return ids })
	for _, r := range replicas {
		r.Stop() // nothing is left to forward: nothing more can reach the app
	}
	if dups := a.checkLanes(t); dups != 0 || len(a.count) != events {
		t.Fatalf("the app got %d distinct events and %d duplicates, want %d and 0", len(a.count), dups, events)
	}
	res := h.Run("inbox", "list", "--store", srv.URL(), "--limit", "1000", "-o", "json", "--jq", "length")
	if res.Code != 0 || res.Stdout != fmt.Sprintf("%d\n", events) {
		t.Fatalf("inbox list on the Redis store: exit %d %q %s", res.Code, res.Stdout, res.Stderr)
	}
}

// Redis stopped while events arrive: pushes get 503 (never 200) and
// /readyz says not ready; once Redis is back (its append-only file holds
// what was acknowledged) kwh recovers by itself, and every acknowledged
// event reaches the app, in order.
func TestRedisStoppedAnswers503AndRecovers(t *testing.T) {
	srv := redistest.Start(t)
	h := apptest.New(t, apptest.Seed(t))
	a := newApp(t)
	a.down.Store(true) // forwards stay spooled in Redis across the outage
	r := start(t, h, srv.URL(), "--forward", a.URL)
	defer r.Stop()
	if d := r.waitFor(listen.KindDurability, 1)[0]; !d.Lossless || !strings.Contains(d.Reason, "appendfsync always") {
		t.Errorf("durability at start: %+v", d)
	}
	id := func(i int) string { return fmt.Sprintf("5f1c2e00-0000-0000-0000-%012d", i) }
	send := func(i int) int {
		body, hdr := signedPush(t, id(i), "order.opened", fmt.Sprint(i))
		return post(t, r.url, body, hdr)
	}
	const before = 5
	for i := range before {
		if code := send(i); code != 200 {
			t.Fatalf("event %d before the outage: %d", i, code)
		}
	}
	if code := getStatus(t, r.url+"/readyz"); code != 200 {
		t.Fatalf("readyz before the outage: %d", code)
	}

	srv.Kill()
	for range 3 {
		if code := send(before); code != http.StatusServiceUnavailable {
			t.Fatalf("a push while Redis is down: %d, want 503", code)
		}
	}
	if code := getStatus(t, r.url+"/readyz"); code != http.StatusServiceUnavailable {
		t.Fatalf("readyz while Redis is down: %d, want 503", code)
	}
	r.waitFor(listen.KindStoreFailing, 1)

	srv.Restart()
	r.waitFor(listen.KindStoreRecovered, 1)
	if code := getStatus(t, r.url+"/readyz"); code != 200 {
		t.Fatalf("readyz once Redis is back: %d", code)
	}
	if code := send(before); code != 200 {
		t.Fatalf("Kibo's retry once Redis is back: %d", code)
	}
	a.down.Store(false)
	r.waitFor(listen.KindForwarded, before+1)
	got := a.received()
	if len(got) != before+1 {
		t.Fatalf("the app got %d events, want %d", len(got), before+1)
	}
	for i, g := range got {
		if !strings.Contains(string(g.body), id(i)) {
			t.Fatalf("event %d at the app is %s: out of order", i, g.body)
		}
	}
}

func getStatus(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// The store comes from --store, else KWH_STORE, else the profile's store
// setting; --redis-prefix keeps deployments apart in one Redis; kwh inbox
// drop and replay work on the Redis store as on bbolt.
func TestRedisStoreFromEnvWithPrefixDropAndReplay(t *testing.T) {
	srv := redistest.Start(t)
	h := apptest.New(t, apptest.Seed(t))
	h.Env["KWH_STORE"] = srv.URL()
	a := newApp(t)
	a.down.Store(true)
	run := h.Start("listen", "--port", "0", "-o", "ndjson", "--retry-min", "2ms", "--redis-prefix", "team1", "--forward", a.URL)
	r := &receiver{Running: run, t: t, ready: next(t, run, listen.KindReady)}
	r.url = r.ready.URL
	if r.ready.Store != srv.URL() {
		t.Fatalf("ready names store %q, want KWH_STORE's %q", r.ready.Store, srv.URL())
	}
	for i := range 2 {
		body, hdr := signedPush(t, fmt.Sprintf("5f1c2e00-0000-0000-0000-%012d", i), "order.opened", fmt.Sprint(i))
		if code := post(t, r.url, body, hdr); code != 200 {
			t.Fatalf("event %d: %d", i, code)
		}
	}
	r.waitFor(listen.KindFailed, 1)
	if res := r.Stop(); res.Code != 0 {
		t.Fatalf("listen exit %d: %s", res.Code, res.Stderr)
	}
	inbox := func(args ...string) apptest.Result {
		t.Helper()
		res := h.Run(append([]string{"inbox"}, args...)...)
		if res.Code != 0 {
			t.Fatalf("kwh inbox %v: exit %d %s", args, res.Code, res.Stderr)
		}
		return res
	}
	states := `[.[] | "\(.id) \(.state)"] | join(",")`
	if got := inbox("list", "--redis-prefix", "team1", "-o", "json", "--jq", states).Stdout; got != "2 pending,1 pending\n" {
		t.Fatalf("inbox under prefix team1: %q", got)
	}
	if got := inbox("list", "-o", "json", "--jq", "length").Stdout; got != "0\n" {
		t.Fatalf("the default prefix must not see team1's entries: %q", got)
	}
	if res := h.Run("inbox", "drop", "1", "--store", srv.URL()); res.Code == 0 {
		t.Fatalf("drop under the default prefix found team1's forward: %s", res.Stderr)
	}
	inbox("drop", "1", "--redis-prefix", "team1")
	if got := inbox("list", "--redis-prefix", "team1", "-o", "json", "--jq", states).Stdout; got != "2 pending,1 dropped\n" {
		t.Fatalf("after drop 1: %q", got)
	}
	a.down.Store(false)
	inbox("replay", "1", "--redis-prefix", "team1", "--to", a.URL)
	if got := a.received(); len(got) != 1 || !strings.Contains(string(got[0].body), `"entityId":"0"`) {
		t.Fatalf("replay of 1 delivered %d events", len(got))
	}
	if res := h.Run("inbox", "drop", "--all-pending", "--redis-prefix", "team1"); res.Code != 0 || !strings.Contains(res.Stderr, "dropped 1 pending forward") {
		t.Fatalf("drop --all-pending: exit %d %s", res.Code, res.Stderr)
	}
}

// TestStoreLocationPrecedence: --store beats KWH_STORE beats the profile.
func TestStoreLocationPrecedence(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	fromProfile, fromEnv, fromFlag := t.TempDir(), t.TempDir(), t.TempDir()
	if res := h.Run("config", "set", "store", fromProfile); res.Code != 0 {
		t.Fatalf("config set store: %s", res.Stderr)
	}
	storeOf := func(args ...string) string {
		t.Helper()
		r := h.Start(append([]string{"listen", "--port", "0", "-o", "ndjson"}, args...)...)
		defer r.Stop()
		return next(t, r, listen.KindReady).Store
	}
	if got := storeOf(); got != fromProfile {
		t.Errorf("profile only: store %q, want %q", got, fromProfile)
	}
	h.Env["KWH_STORE"] = fromEnv
	if got := storeOf(); got != fromEnv {
		t.Errorf("KWH_STORE and profile: store %q, want %q", got, fromEnv)
	}
	if got := storeOf("--store", fromFlag); got != fromFlag {
		t.Errorf("flag, KWH_STORE and profile: store %q, want %q", got, fromFlag)
	}
}

// Two replicas on one Redis, each with --metrics-addr: scraped after every
// event was sent three times (copies alternating between them), their
// metrics add up to what happened: each event received once, the other
// copies duplicates, nothing rejected, and the forwards (by whichever
// replica holds the lane) never more than one per event.
func TestMetricsOfTwoReplicasAddUp(t *testing.T) {
	srv := redistest.Start(t)
	h := apptest.New(t, apptest.Seed(t))
	a := newLaneApp()
	appSrv := httptest.NewServer(a)
	defer appSrv.Close()
	replicas := []*receiver{
		start(t, h, srv.URL(), "--forward", appSrv.URL, "--metrics-addr", "127.0.0.1:0"),
		start(t, h, srv.URL(), "--forward", appSrv.URL, "--metrics-addr", "127.0.0.1:0"),
	}
	for _, r := range replicas {
		defer r.Stop()
		if r.ready.Metrics == "" {
			t.Fatal("the ready event does not name the metrics URL")
		}
	}
	const events = 20
	ids := make([]string, events)
	for i := range events {
		ids[i] = fmt.Sprintf("5f1c2e00-0000-0000-0000-%012d", i)
		for k := range 3 { // the first copy goes to replica i%2
			body, hdr := signedPush(t, ids[i], "order.opened", fmt.Sprint(i))
			if code := post(t, replicas[(i+k)%2].url, body, hdr); code != 200 {
				t.Fatalf("event %d copy %d: %d", i, k, code)
			}
		}
	}
	a.waitFor(t, func() []string { return ids })
	sum := map[string]float64{}
	for _, r := range replicas {
		// Each replica counted a push before reporting it: once these are
		// read, its counters hold them.
		r.waitFor(listen.KindReceived, events/2)
		r.waitFor(listen.KindDuplicate, events)
		for series, v := range metricstest.Scrape(t, r.ready.Metrics) {
			sum[series] += v
		}
	}
	want := map[string]float64{
		"kwh_listen_received_total":                             events,
		"kwh_listen_duplicates_total":                           2 * events,
		"kwh_listen_ack_seconds_count":                          3 * events,
		`kwh_listen_rejected_total{reason="store_unavailable"}`: 0,
		`kwh_listen_rejected_total{reason="signature"}`:         0,
		"kwh_listen_store_errors_total":                         0,
	}
	for series, v := range want {
		if sum[series] != v {
			t.Errorf("%s over both replicas = %v, want %v", series, sum[series], v)
		}
	}
	// A forward is counted once its outcome is recorded, just after the app
	// answered: some may still be on their way here, none counted twice.
	if f := sum[`kwh_listen_forwarded_total{target="`+appSrv.URL+`"}`]; f < 1 || f > events {
		t.Errorf("forwarded over both replicas = %v, want 1 to %d", f, events)
	}
}
