package handlercheck_test

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/handlercheck"
)

func config(url string) handlercheck.Config {
	return handlercheck.Config{URL: url, Secret: secret, Topics: orderTopics(), Burst: 5}
}

// key names a row: "signature/forged signature".
func key(r handlercheck.Result) string { return r.Scenario + "/" + r.Subject }

// TestEachFlawFailsExactlyItsScenario runs the whole check against handlers
// with one flaw each: only that flaw's scenario fails, with a detail that
// says what Kibo would do.
func TestEachFlawFailsExactlyItsScenario(t *testing.T) {
	tests := []struct {
		name    string
		flaw    flaws
		timeout time.Duration
		fail    map[string]string // row key or scenario → words its detail must hold
		warn    map[string]string
	}{
		{name: "correct handler", fail: map[string]string{}},
		{name: "answers 202", flaw: flaws{Answer202: true}, fail: map[string]string{
			"topic": "answered 202 Accepted: Kibo counts only 200",
		}, warn: map[string]string{"duplicates": "not run: no topic was answered 200", "burst": "not run"}},
		{name: "500 on the second copy", flaw: flaws{FailDuplicate: true}, fail: map[string]string{
			"duplicates/order.opened": "the second copy (same eventId): answered 500 Internal Server Error",
		}},
		{name: "500 when closed comes before opened", flaw: flaws{NeedsOpenedFirst: true}, fail: map[string]string{
			"out-of-order/order.*": "order.closed before order.opened (same entity): answered 500 Internal Server Error",
		}},
		{name: "accepts forged signatures", flaw: flaws{AcceptUnsigned: true}, fail: map[string]string{
			"signature/forged signature":  "answered 200 OK: accepts pushes nobody signed",
			"signature/missing signature": "answered 200 OK: accepts pushes nobody signed",
		}, warn: map[string]string{"signature/Date 10 min old": "a captured push can be replayed"}},
		{name: "redirects", flaw: flaws{Redirect: true}, fail: map[string]string{
			"transport": "redirects (302) to https://elsewhere.example/hooks: Kibo does not follow redirects",
		}, warn: map[string]string{"topic": "not run", "duplicates": "not run", "out-of-order": "not run", "burst": "not run", "signature": "not run"}},
		{name: "sleeps past the timeout", flaw: flaws{Hang: true}, timeout: 50 * time.Millisecond, fail: map[string]string{
			"transport": "no answer within 50ms: Kibo gives up and resends",
		}, warn: map[string]string{"topic": "not run", "duplicates": "not run", "out-of-order": "not run", "burst": "not run", "signature": "not run"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config(serve(t, tt.flaw).URL)
			cfg.Timeout = tt.timeout
			results, err := handlercheck.Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range results {
				var want map[string]string
				switch r.Status {
				case handlercheck.Fail:
					want = tt.fail
				case handlercheck.Warn:
					want = tt.warn
				default:
					continue
				}
				words, ok := want[key(r)]
				if !ok {
					words, ok = want[r.Scenario]
				}
				if !ok {
					t.Errorf("%s: %s %q, want ok", key(r), r.Status, r.Detail)
				} else if !strings.Contains(r.Detail, words) {
					t.Errorf("%s: detail %q, want it to say %q", key(r), r.Detail, words)
				}
			}
			for k := range tt.fail {
				if !hasRow(results, k, handlercheck.Fail) {
					t.Errorf("no failing row %s in %v", k, results)
				}
			}
		})
	}
}

func hasRow(rs []handlercheck.Result, k string, st handlercheck.Status) bool {
	for _, r := range rs {
		if (key(r) == k || r.Scenario == k) && r.Status == st {
			return true
		}
	}
	return false
}

// TestEveryScenarioHasARow: a correct handler gets one row per topic and one
// per other scenario, all ok.
func TestEveryScenarioHasARow(t *testing.T) {
	cfg := config(serve(t, flaws{}).URL)
	cfg.Topics = append(cfg.Topics, "shipment.statuschanged")
	results, err := handlercheck.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, r := range results {
		count[r.Scenario]++
		if r.Status != handlercheck.OK {
			t.Errorf("%s: %s %s", key(r), r.Status, r.Detail)
		}
	}
	want := map[string]int{"transport": 1, "topic": 13, "duplicates": 1, "out-of-order": 1, "burst": 1, "signature": 3}
	for s, n := range want {
		if count[s] != n {
			t.Errorf("%d %s rows, want %d", count[s], s, n)
		}
	}
	if len(results) != 20 {
		t.Errorf("%d rows, want 20", len(results))
	}
}

func TestScenariosAlone(t *testing.T) {
	ctx := context.Background()
	good := handlercheck.New(config(serve(t, flaws{}).URL))
	if r := good.Burst(ctx, "order.opened"); r.Status != handlercheck.OK || !strings.HasPrefix(r.Detail, "5 of 5 answered 200; p50 ") || r.Subject != "5 × order.opened" {
		t.Errorf("burst: %+v", r)
	}
	if r := good.Duplicates(ctx, "order.opened"); r.Status != handlercheck.OK || !strings.HasSuffix(r.Detail, "each answered 200") {
		t.Errorf("duplicates: %+v", r)
	}
	fam := handlercheck.Families([]string{"order.opened", "order.closed"})[0]
	if r := good.OutOfOrder(ctx, fam); r.Status != handlercheck.OK || !strings.Contains(r.Detail, "order.closed first") {
		t.Errorf("out of order: %+v", r)
	}
	bad := handlercheck.New(config(serve(t, flaws{Answer202: true}).URL))
	if r := bad.Burst(ctx, "order.opened"); r.Status != handlercheck.Fail || !strings.HasPrefix(r.Detail, "5 of 5 not answered 200 (202 ×5)") {
		t.Errorf("burst of 202s: %+v", r)
	}
	if r := bad.Transport(ctx, "order.opened"); r.Status != handlercheck.OK || !strings.Contains(r.Detail, "answered 202") {
		t.Errorf("a 202 is no transport problem: %+v", r)
	}
}

// TestSlowAnswersWarn: a 200 slower than Slow is a warning, not a failure.
func TestSlowAnswersWarn(t *testing.T) {
	cfg := config(serve(t, flaws{}).URL)
	cfg.Slow = time.Nanosecond // every answer is slower than that
	c := handlercheck.New(cfg)
	for _, r := range []handlercheck.Result{c.Transport(context.Background(), "order.opened"), c.Topics(context.Background(), handlercheck.Families([]string{"order.opened"}))[0]} {
		if r.Status != handlercheck.Warn || !strings.Contains(r.Detail, "Kibo gives up at 45s") {
			t.Errorf("%s: %+v", key(r), r)
		}
	}
}

// TestTLSErrorsAreNamed: a certificate the client does not trust fails the
// transport scenario with the reason; a trusted one reports the TLS version.
func TestTLSErrorsAreNamed(t *testing.T) {
	srv := httptest.NewUnstartedServer(newHandler(flaws{}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	t.Cleanup(srv.Close)
	cfg := config(srv.URL)
	r := handlercheck.New(cfg).Transport(context.Background(), "order.opened")
	if r.Status != handlercheck.Fail || r.Detail != "TLS: the certificate is signed by an unknown authority (Kibo cannot deliver either)" {
		t.Errorf("untrusted: %+v", r)
	}
	cfg.Transport = srv.Client().Transport
	r = handlercheck.New(cfg).Transport(context.Background(), "order.opened")
	if r.Status != handlercheck.OK || !strings.Contains(r.Detail, "over TLS 1.3") {
		t.Errorf("trusted: %+v", r)
	}
	cfg.URL = strings.Replace(serve(t, flaws{}).URL, "http:", "https:", 1)
	r = handlercheck.New(cfg).Transport(context.Background(), "order.opened")
	if r.Status != handlercheck.Fail || !strings.Contains(r.Detail, "does not speak TLS") {
		t.Errorf("https to a plain server: %+v", r)
	}
}

func TestCancelledRunStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := handlercheck.Run(ctx, config(serve(t, flaws{}).URL)); err == nil {
		t.Fatal("a cancelled run reported no error")
	}
	if _, err := handlercheck.Run(context.Background(), handlercheck.Config{URL: "http://127.0.0.1:1"}); err == nil {
		t.Fatal("no topics: no error")
	}
}
