package metrics_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/listen/metrics/metricstest"

	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/listen/metrics"
)

func push(t *testing.T, url, body string) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func event(i int) string {
	return fmt.Sprintf(`{"eventId":"5f1c2e00-0000-0000-0000-%012d","topic":"order.opened","entityId":"%d","timestamp":"2026-11-20T12:00:00.000Z","correlationId":"c","isTest":false}`, i, i)
}

// TestScrapeShowsWhatHappened: a running listener's /metrics, scraped after
// pushes, counts them: received, duplicates, rejected by fixed reason,
// forwarded and failed by target, both latency histograms, store errors,
// and the backlog, up while the app is down and back to 0 once it is not.
func TestScrapeShowsWhatHappened(t *testing.T) {
	var down atomic.Bool
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer app.Close()
	m := metrics.New([]string{app.URL})
	l, err := listen.Start(listen.Config{Addr: "127.0.0.1:0", StoreDir: t.TempDir(), Forward: []string{app.URL}, MaxBody: 4096,
		RetryMin: time.Millisecond, Observers: []func(listen.Event){m.Observe}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Stop()
	m.Watch(l)
	srv, err := metrics.Serve("127.0.0.1:0", m)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	url := waitFor(l, listen.KindReady).URL
	target := `{target="` + app.URL + `"}`

	down.Store(true)
	if code := push(t, url, event(0)); code != 200 {
		t.Fatalf("push while the app is down: %d", code)
	}
	waitFor(l, listen.KindFailed)
	got := metricstest.Scrape(t, srv.URL())
	if got["kwh_listen_backlog"] != 1 || got["kwh_listen_oldest_pending_seconds"] <= 0 || got["kwh_listen_forward_failed_total"+target] < 1 {
		t.Errorf("while the app is down: backlog %v, oldest pending %vs, failed %v; want 1, > 0, ≥ 1",
			got["kwh_listen_backlog"], got["kwh_listen_oldest_pending_seconds"], got["kwh_listen_forward_failed_total"+target])
	}

	down.Store(false)
	for i := 1; i <= 2; i++ {
		if code := push(t, url, event(i)); code != 200 {
			t.Fatalf("push %d: %d", i, code)
		}
	}
	for body, want := range map[string]int{event(0): 200, "not an event": 400, strings.Repeat("x", 5000): 413} {
		if code := push(t, url, body); code != want {
			t.Fatalf("push %.20q: %d, want %d", body, code, want)
		}
	}
	for range 3 {
		waitFor(l, listen.KindForwarded)
	}
	l.Stop() // every forward finished: nothing left in the backlog
	got = metricstest.Scrape(t, srv.URL())
	want := map[string]float64{
		"kwh_listen_received_total":                             3,
		"kwh_listen_duplicates_total":                           1,
		"kwh_listen_skipped_total":                              0,
		`kwh_listen_rejected_total{reason="bad_request"}`:       1,
		`kwh_listen_rejected_total{reason="too_large"}`:         1,
		`kwh_listen_rejected_total{reason="signature"}`:         0,
		`kwh_listen_rejected_total{reason="store_unavailable"}`: 0,
		"kwh_listen_forwarded_total" + target:                   3,
		"kwh_listen_forward_seconds_count" + target:             3 + got["kwh_listen_forward_failed_total"+target],
		"kwh_listen_ack_seconds_count":                          4,
		"kwh_listen_store_errors_total":                         0,
		"kwh_listen_backlog":                                    0,
		"kwh_listen_oldest_pending_seconds":                     0,
	}
	for series, v := range want {
		if g, ok := got[series]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", series, g, ok, v)
		}
	}
	for series := range got {
		if strings.HasPrefix(series, "kwh_listen_rejected_total") && !strings.Contains(series, `reason="`) {
			t.Errorf("rejection without a fixed reason: %s", series)
		}
	}
}

// waitFor reads the listener's events up to the next one of kind.
func waitFor(l *listen.Listener, kind listen.Kind) listen.Event {
	for e := range l.Events() {
		if e.Kind == kind {
			return e
		}
	}
	return listen.Event{}
}

func TestRejectReasonIsAFixedCode(t *testing.T) {
	tests := []struct {
		status int
		reason string
		want   string
	}{
		{413, "body over 1048576 bytes", metrics.ReasonTooLarge},
		{408, "the body came too slowly", metrics.ReasonSlowBody},
		{401, "signature mismatch", metrics.ReasonSignature},
		{400, "not a Kibo event: whatever the sender wrote", metrics.ReasonBadRequest},
		{503, "storing the event: disk full", metrics.ReasonStoreUnavailable},
		{503, "12 forwards wait for the app (--max-backlog 10): send it again later", metrics.ReasonBacklogFull},
		{418, "anything", metrics.ReasonOther},
	}
	for _, tt := range tests {
		if got := metrics.RejectReason(listen.Event{Kind: listen.KindRejected, Status: tt.status, Reason: tt.reason}); got != tt.want {
			t.Errorf("%d %q: %s, want %s", tt.status, tt.reason, got, tt.want)
		}
	}
}

// kwh_listen_acks_paced is 1 from the listener's pacing event to its end.
func TestAcksPacedGauge(t *testing.T) {
	m := metrics.New(nil)
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	for _, step := range []struct {
		kind listen.Kind
		want float64
	}{{"", 0}, {listen.KindPacing, 1}, {listen.KindReceived, 1}, {listen.KindPacingEnded, 0}} {
		if step.kind != "" {
			m.Observe(listen.Event{Kind: step.kind})
		}
		if got := metricstest.Scrape(t, srv.URL)["kwh_listen_acks_paced"]; got != step.want {
			t.Errorf("after %q: kwh_listen_acks_paced %v, want %v", step.kind, got, step.want)
		}
	}
}
