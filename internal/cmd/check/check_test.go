package check_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kwh-cli/kwh/internal/apptest"
	"github.com/kwh-cli/kwh/internal/handlercheck/checktest"
)

type row struct {
	Scenario string  `json:"scenario"`
	Subject  string  `json:"subject"`
	Status   string  `json:"status"`
	Detail   string  `json:"detail"`
	Latency  float64 `json:"latencyMs"`
}

func rows(t *testing.T, stdout string) []row {
	t.Helper()
	var rs []row
	if err := json.Unmarshal([]byte(stdout), &rs); err != nil {
		t.Fatalf("-o json: %v\n%s", err, stdout)
	}
	return rs
}

// failing lists "scenario/subject" of the failed rows.
func failing(rs []row) []string {
	var out []string
	for _, r := range rs {
		if r.Status == "fail" {
			out = append(out, r.Scenario+"/"+r.Subject)
		}
	}
	return out
}

// TestFlawedHandlersFailTheirScenario: each flaw fails exactly its scenario
// with exit 3; the correct handler passes with exit 0.
func TestFlawedHandlersFailTheirScenario(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	tests := []struct {
		name   string
		flaws  checktest.Flaws
		args   []string
		code   int
		fail   string // the failing rows, joined by spaces
		detail string
	}{
		{"correct", checktest.Flaws{}, nil, 0, "", ""},
		{"answers 202", checktest.Flaws{Answer202: true}, nil, 3,
			"topic", "answered 202 Accepted: Kibo counts only 200 as delivered"},
		{"500 on a duplicate", checktest.Flaws{FailDuplicate: true}, nil, 3,
			"duplicates/order.opened", "the second copy (same eventId): answered 500 Internal Server Error"},
		{"500 on closed before opened", checktest.Flaws{NeedsOpenedFirst: true}, nil, 3,
			"out-of-order/order.*", "order.closed before order.opened (same entity): answered 500"},
		{"accepts forged signatures", checktest.Flaws{AcceptUnsigned: true}, nil, 3,
			"signature/forged signature signature/missing signature", "accepts pushes nobody signed"},
		{"redirects", checktest.Flaws{Redirect: true}, nil, 3,
			"transport/HANDLER", "redirects (302) to https://elsewhere.example/hooks: Kibo does not follow redirects"},
		{"sleeps past the timeout", checktest.Flaws{Hang: true}, []string{"--timeout", "50ms"}, 3,
			"transport/HANDLER", "no answer within 50ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := checktest.Serve(t, apptest.SharedSecret, tt.flaws)
			args := append([]string{"check", srv.URL, "--topic", "order.*", "--concurrency", "4", "-o", "json"}, tt.args...)
			res := h.Run(args...)
			if res.Code != tt.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", res.Code, tt.code, res.Stdout, res.Stderr)
			}
			rs := rows(t, res.Stdout)
			got := strings.ReplaceAll(strings.Join(failing(rs), " "), srv.URL, "HANDLER")
			if tt.fail == "topic" { // every topic row
				got = regexp.MustCompile(`topic/\S+`).ReplaceAllString(got, "topic")
				got = strings.Join(slices.Compact(strings.Fields(got)), " ")
			}
			if got != tt.fail {
				t.Errorf("failed rows %q, want %q", got, tt.fail)
			}
			for _, r := range rs {
				if r.Status == "fail" && !strings.Contains(r.Detail, tt.detail) {
					t.Errorf("%s/%s: %q, want it to say %q", r.Scenario, r.Subject, r.Detail, tt.detail)
				}
			}
			if tt.code == 3 && !strings.Contains(res.Stderr, "checks failed") {
				t.Errorf("stderr does not say it failed: %s", res.Stderr)
			}
		})
	}
}

// TestJUnitReportListsEveryScenario: the --junit file parses as JUnit XML and
// has one test case per row, failures and skips marked.
func TestJUnitReportListsEveryScenario(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	for _, tt := range []struct {
		name            string
		flaws           checktest.Flaws
		failures, skips int
	}{
		{"correct", checktest.Flaws{}, 0, 0},
		{"redirects", checktest.Flaws{Redirect: true}, 1, 8},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := checktest.Serve(t, apptest.SharedSecret, tt.flaws)
			file := filepath.Join(t.TempDir(), "report.xml")
			res := h.Run("check", srv.URL, "--topic", "order.opened", "--topic", "order.closed", "--junit", file, "-o", "json")
			rs := rows(t, res.Stdout)
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				XMLName  xml.Name `xml:"testsuites"`
				Tests    int      `xml:"tests,attr"`
				Failures int      `xml:"failures,attr"`
				Suites   []struct {
					Name  string `xml:"name,attr"`
					Cases []struct {
						Name      string    `xml:"name,attr"`
						Classname string    `xml:"classname,attr"`
						Failure   *struct{} `xml:"failure"`
						Skipped   *struct{} `xml:"skipped"`
					} `xml:"testcase"`
				} `xml:"testsuite"`
			}
			if err := xml.Unmarshal(raw, &doc); err != nil {
				t.Fatalf("the JUnit file does not parse: %v\n%s", err, raw)
			}
			if len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != len(rs) || doc.Tests != len(rs) || doc.Failures != tt.failures {
				t.Fatalf("%d rows; JUnit: %+v", len(rs), doc)
			}
			failures, skips := 0, 0
			for i, c := range doc.Suites[0].Cases {
				if want := rs[i].Scenario + ": " + rs[i].Subject; c.Name != want || c.Classname != "kwh.check."+rs[i].Scenario {
					t.Errorf("case %d is %q (%s), want %q", i, c.Name, c.Classname, want)
				}
				if c.Failure != nil {
					failures++
				}
				if c.Skipped != nil {
					skips++
				}
			}
			if failures != tt.failures || skips != tt.skips {
				t.Errorf("%d failures and %d skips, want %d and %d", failures, skips, tt.failures, tt.skips)
			}
		})
	}
}

// TestTopicsComeFromSubscriptions: --subscription checks that subscription's
// topics; with neither flag, the subscriptions pushing to the URL.
func TestTopicsComeFromSubscriptions(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	srv := checktest.Serve(t, apptest.SharedSecret, checktest.Flaws{})
	topicRows := func(res apptest.Result) string {
		var subjects []string
		for _, r := range rows(t, res.Stdout) {
			if r.Scenario == "topic" {
				subjects = append(subjects, r.Subject)
			}
		}
		return strings.Join(subjects, " ")
	}
	res := h.Run("check", srv.URL, "--subscription", "a1b2", "-o", "json")
	if res.Code != 0 || topicRows(res) != "shipment.statuschanged shipment.workflowstatechanged" {
		t.Errorf("--subscription: exit %d, topics %q\n%s", res.Code, topicRows(res), res.Stderr)
	}
	res = h.Run("check", srv.URL, "-o", "json")
	if res.Code != 0 || !strings.Contains(res.Stderr, "from every subscription") || len(strings.Fields(topicRows(res))) != 11 {
		t.Errorf("default: exit %d, topics %q\n%s", res.Code, topicRows(res), res.Stderr)
	}
	delete(h.Env, "KIBO_CLIENT_ID")
	res = h.Run("check", srv.URL, "-o", "json")
	if res.Code != 0 || !strings.Contains(res.Stderr, "order.* (no client id to read subscriptions with)") || len(strings.Fields(topicRows(res))) != 12 {
		t.Errorf("no client id: exit %d, topics %q\n%s", res.Code, topicRows(res), res.Stderr)
	}
}

func TestBadInput(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	srv := checktest.Serve(t, apptest.SharedSecret, checktest.Flaws{})
	for _, tt := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"check"}, 2, "which handler?"},
		{[]string{"check", "ftp://x"}, 2, "not an http(s) URL"},
		{[]string{"check", srv.URL, "--topic", "order.*", "--subscription", "3f9c"}, 2, "give one"},
		{[]string{"check", srv.URL, "--concurrency", "0"}, 2, "--concurrency"},
		{[]string{"check", srv.URL, "--timeout", "0s"}, 2, "--timeout"},
		{[]string{"check", srv.URL, "--timeout", "soon"}, 2, "want a duration such as 90s, 1h30m or 14d"},
		{[]string{"check", srv.URL, "--topic", "nosuch.*"}, 2, "matches no topic"},
		{[]string{"check", srv.URL, "--subscription", "ffff"}, 1, "no subscription"},
		{[]string{"check", srv.URL, "--topic", "order.opened", "--junit", filepath.Join(t.TempDir(), "no", "dir.xml")}, 1, "--junit"},
	} {
		res := h.Run(tt.args...)
		if res.Code != tt.code || !strings.Contains(res.Stderr, tt.says) {
			t.Errorf("%v: exit %d (want %d), stderr %q (want %q)", tt.args, res.Code, tt.code, res.Stderr, tt.says)
		}
	}
	if res := h.Run("check", srv.URL, "--topic", "order.opened", "--timeout", "1m"); res.Code != 0 || !strings.Contains(res.Stderr, "--timeout 1m is longer than Kibo waits (45s)") {
		t.Errorf("--timeout 1m: exit %d, %s", res.Code, res.Stderr)
	}
	delete(h.Env, "KIBO_SHARED_SECRET")
	if res := h.Run("check", srv.URL); res.Code != 4 || !strings.Contains(res.Stderr, "shared secret") {
		t.Errorf("no secret: exit %d, %s", res.Code, res.Stderr)
	}
}

var (
	latency = regexp.MustCompile(`\d+(\.\d+)? (ms|s)\b`)
	eventID = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	msCol   = regexp.MustCompile(`\t\d+\.\d\n`)
)

// TestGolden: the terminal table and the piped plain rows, latencies and ids
// masked.
func TestGolden(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	srv := checktest.Serve(t, apptest.SharedSecret, checktest.Flaws{NeedsOpenedFirst: true})
	mask := func(s string) string {
		s = strings.ReplaceAll(s, srv.URL, "HANDLER")
		s = latency.ReplaceAllString(s, "N ms")
		s = msCol.ReplaceAllString(s, "\tN\n")
		return eventID.ReplaceAllString(s, "EVENT-ID")
	}
	args := []string{"check", srv.URL, "--topic", "order.opened", "--topic", "order.closed", "--topic", "order.updated", "--concurrency", "3"}
	tty := h.RunWith(apptest.RunOpts{TTY: true}, append(args, "--no-color")...)
	if tty.Code != 3 {
		t.Fatalf("exit %d: %s", tty.Code, tty.Stderr)
	}
	apptest.Golden(t, "check-tty.txt", mask(tty.Stdout+"--- stderr\n"+tty.Stderr))
	plain := h.Run(args...)
	apptest.Golden(t, "check-plain.txt", mask(plain.Stdout))
}

// TestSecretOnStdin: --shared-secret-stdin signs with what stdin holds; a
// handler checking with another secret fails every topic, saying why.
func TestSecretOnStdin(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	delete(h.Env, "KIBO_SHARED_SECRET")
	srv := checktest.Serve(t, apptest.SharedSecret, checktest.Flaws{})
	args := []string{"check", srv.URL, "--topic", "order.opened", "--shared-secret-stdin", "-o", "json"}
	if res := h.RunWith(apptest.RunOpts{Stdin: apptest.SharedSecret + "\n"}, args...); res.Code != 0 {
		t.Fatalf("exit %d\n%s\n%s", res.Code, res.Stdout, res.Stderr)
	}
	res := h.RunWith(apptest.RunOpts{Stdin: "ffffffffffffffffffffffffffffffff"}, args...)
	rs := rows(t, res.Stdout)
	if res.Code != 3 || strings.Join(failing(rs), " ") != "topic/order.opened" ||
		!strings.Contains(rs[1].Detail, "answered 401 Unauthorized to a validly signed push: does the handler check with the same shared secret?") {
		t.Errorf("wrong secret: exit %d\n%s", res.Code, res.Stdout)
	}
	if strings.Contains(res.Stdout+res.Stderr, "ffffffff") {
		t.Error("the secret is in the output")
	}
}

// TestKwhListenSurvivesKwhCheck: kwh's own receiver (verifies, dedupes,
// answers 200 once stored) passes every scenario.
func TestKwhListenSurvivesKwhCheck(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	lst := h.Start("listen", "--port", "0", "--store", t.TempDir(), "-o", "ndjson")
	defer lst.Stop()
	var ready struct {
		Kind string `json:"kind"`
		URL  string `json:"url"`
	}
	if err := json.Unmarshal([]byte(lst.Next()), &ready); err != nil || ready.URL == "" {
		t.Fatalf("no ready line: %v %+v", err, ready)
	}
	res := h.Run("check", ready.URL, "--topic", "order.*", "--topic", "shipment.*", "-o", "json")
	if res.Code != 0 {
		t.Fatalf("exit %d\n%s\n%s", res.Code, res.Stdout, res.Stderr)
	}
	for _, r := range rows(t, res.Stdout) {
		if r.Status != "ok" {
			t.Errorf("%s/%s: %s %s", r.Scenario, r.Subject, r.Status, r.Detail)
		}
	}
}

// TestInterruptedRunPrintsWhatWasDecided: Ctrl-C mid-run exits 130 with the
// rows decided before it, none made up by the interruption.
func TestInterruptedRunPrintsWhatWasDecided(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	good := &checktest.Handler{Secret: apptest.SharedSecret}
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 2 { // the first topic push: Ctrl-C
			cancel()
		}
		good.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	res := h.RunContext(ctx, "check", srv.URL, "--topic", "order.*", "-o", "json")
	if res.Code != 130 {
		t.Fatalf("exit %d\n%s", res.Code, res.Stderr)
	}
	if rs := rows(t, res.Stdout); len(rs) != 1 || rs[0].Scenario != "transport" || rs[0].Status != "ok" {
		t.Errorf("rows: %+v", rs)
	}
}
