package events_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/apptest"
	"github.com/kwh-cli/kwh/internal/emulator"
	"github.com/kwh-cli/kwh/internal/webhook"
)

func TestEventsListGolden(t *testing.T) {
	tests := []struct {
		name   string
		tty    bool
		args   []string
		golden string
	}{
		{"table", true, nil, "list_table.golden"},
		{"wide", true, []string{"-o", "wide"}, "list_wide.golden"},
		{"plain", false, nil, "list_plain.golden"},
		{"json", false, []string{"--topic", "shipment.statuschanged", "-o", "json"}, "list_json.golden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := apptest.New(t, apptest.Seed(t))
			res := h.RunWith(apptest.RunOpts{TTY: tt.tty}, append([]string{"events", "list"}, tt.args...)...)
			if res.Code != 0 {
				t.Fatalf("exit %d: %s", res.Code, res.Stderr)
			}
			h.Golden(tt.golden, res.Stdout)
		})
	}
}

// pullFilters returns the filter and sortBy of every pull-queue list request.
func pullFilters(emu *emulator.Emulator) []string {
	var out []string
	for _, r := range emu.Requests() {
		if r.Path == "/api/event/pull" {
			out = append(out, r.Query.Get("filter"))
		}
	}
	return out
}

func TestEventsListFilters(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		filter string
		ids    string // last digits of the event ids returned, in order
	}{
		{"one topic", []string{"--topic", "order.opened"}, "topic eq order.opened", "17"},
		{"several topics", []string{"--topic", "order.opened", "--topic", "order.closed"}, "topic eq order.opened or topic eq order.closed", "127"},
		{"glob", []string{"--topic", "order.*"}, "topic sw order.", "1267"},
		{"glob and entity", []string{"--topic", "order.*", "--entity-id", "100241"}, "topic sw order. and entityId eq 100241", "7"},
		{"entity", []string{"--entity-id", "SKU-NEW-1"}, "entityId eq SKU-NEW-1", "3"},
		{"since and until", []string{"--since", "2026-11-20T12:02:00Z", "--until", "2026-11-21T09:00:00Z"},
			"auditInfo.createDate ge 2026-11-20T12:02:00Z and auditInfo.createDate lt 2026-11-21T09:00:00Z", "3456"},
		{"since a duration", []string{"--since", "2h"}, "auditInfo.createDate ge ", ""},
		{"raw filter", []string{"--topic", "order.opened", "--topic", "customeraccount.created", "--filter", "isTest eq true"},
			"topic eq order.opened and isTest eq true or topic eq customeraccount.created and isTest eq true", "5"},
		{"client-side glob", []string{"--topic", "*.created"}, "", "5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := apptest.New(t, apptest.Seed(t))
			before := time.Now().UTC()
			res := h.Run(append([]string{"events", "list", "-o", "json", "--jq", ".[].id[-1:]"}, tt.args...)...)
			after := time.Now().UTC()
			if res.Code != 0 {
				t.Fatalf("exit %d: %s", res.Code, res.Stderr)
			}
			filters := pullFilters(h.Emu)
			if len(filters) != 1 || !strings.HasPrefix(filters[0], tt.filter) {
				t.Errorf("filter sent: %q, want %q", filters, tt.filter)
			}
			if tt.name == "since a duration" && len(filters) == 1 {
				assertSinceWithin(t, filters[0], before.Add(-2*time.Hour), after.Add(-2*time.Hour))
			}
			if got := strings.ReplaceAll(res.Stdout, "\n", ""); got != tt.ids {
				t.Errorf("events %q, want %q", got, tt.ids)
			}
		})
	}
}

// assertSinceWithin checks the date a relative --since sent lies between the
// run's start and end (minus the duration): the run may cross a minute.
func assertSinceWithin(t *testing.T, filter string, lo, hi time.Time) {
	t.Helper()
	date, _, _ := strings.Cut(strings.TrimPrefix(filter, "auditInfo.createDate ge "), " ")
	got, err := time.Parse(time.RFC3339, date)
	if err != nil {
		t.Fatalf("filter %q: %v", filter, err)
	}
	if got.Before(lo.Truncate(time.Second)) || got.After(hi) {
		t.Errorf("--since 2h sent %s, want between %s and %s", got, lo, hi)
	}
}

func TestEventsListUnknownTopicWarns(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	res := h.Run("events", "list", "--topic", "order.opend")
	if res.Code != 0 || !strings.Contains(res.Stderr, `"order.opend" is not a topic kwh knows (did you mean order.opened`) {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	if f := pullFilters(h.Emu); len(f) != 1 || f[0] != "topic eq order.opend" {
		t.Errorf("the unknown topic should still be asked for: %q", f)
	}
}

func TestEventsListLimitAndAll(t *testing.T) {
	seed := apptest.Seed(t)
	seed.Events = nil
	for i := range 450 {
		seed.Events = append(seed.Events, map[string]any{"id": fmt.Sprintf("%032x", i), "topic": "order.opened", "entityId": fmt.Sprint(i)})
	}
	h := apptest.New(t, seed)
	if res := h.Run("events", "list", "-o", "json", "--jq", "length"); res.Stdout != "50\n" {
		t.Fatalf("default limit: %q %s", res.Stdout, res.Stderr)
	}
	if res := h.Run("events", "list", "--limit", "250", "-o", "json", "--jq", "length"); res.Stdout != "250\n" {
		t.Fatalf("--limit 250: %q %s", res.Stdout, res.Stderr)
	}
	res := h.Run("events", "list", "--all", "-o", "ndjson")
	lines := strings.Split(strings.TrimSpace(res.Stdout), "\n")
	if len(lines) != 450 || !strings.Contains(lines[0], `"entityId":"0"`) || !strings.Contains(lines[449], `"entityId":"449"`) {
		t.Fatalf("--all: %d lines, in order? first %s", len(lines), lines[0])
	}
}

func TestEventsGet(t *testing.T) {
	tests := []struct {
		id     string
		args   []string
		code   int
		golden string
	}{
		{"5f1c2e00000000000000000000000004", nil, 0, "get.golden"},
		{"5f1c2e00000000000000000000000003", []string{"-o", "table"}, 0, "get_table.golden"},
		{"5F1C2E00-0000-0000-0000-000000000004", []string{"-o", "json"}, 0, "get_json.golden"},
		{"not-an-id", nil, 2, ""},
		{"5f1c2e000000000000000000000000ff", nil, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			h := apptest.New(t, apptest.Seed(t))
			res := h.Run(append([]string{"events", "get", tt.id}, tt.args...)...)
			if res.Code != tt.code {
				t.Fatalf("exit %d, want %d: %s", res.Code, tt.code, res.Stderr)
			}
			if tt.golden != "" {
				h.Golden(tt.golden, res.Stdout)
			}
			if tt.code == 1 && !strings.Contains(res.Stderr, "ITEM_NOT_FOUND") {
				t.Errorf("stderr: %s", res.Stderr)
			}
		})
	}
}

func newEvent(i int, topic, at string) map[string]any {
	return map[string]any{"id": fmt.Sprintf("7a11%028x", i), "tenantId": 12345, "siteId": 23456, "topic": topic, "entityId": fmt.Sprint(i),
		"isTest": false, "auditInfo": map[string]any{"createDate": at}}
}

func TestEventsTailPrintsOnlyNewEvents(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	h.OnPause = func(n int, d time.Duration) error {
		if d != 2*time.Second {
			t.Errorf("pause %v, want the interval", d)
		}
		switch n {
		case 1:
			h.Emu.AddEvent(newEvent(1, "order.opened", "2026-11-22T10:00:00Z"))
			h.Emu.AddEvent(newEvent(2, "product.updated", "2026-11-22T10:00:01Z")) // filtered out
		case 2:
			h.Emu.AddEvent(newEvent(3, "order.closed", "2026-11-22T10:00:02Z"))
		case 3:
			// nothing new: nothing printed
		default:
			return context.Canceled // Ctrl-C
		}
		return nil
	}
	res := h.Run("events", "tail", "--topic", "order.*", "--interval", "2s", "--last", "2", "-o", "ndjson", "--jq", ".entityId")
	if res.Code != 0 {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	if want := "100240\n100241\n1\n3\n"; res.Stdout != want {
		t.Errorf("stdout %q, want %q", res.Stdout, want)
	}
}

func TestEventsTailSurvivesTransientErrors(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	h.Run("auth", "token")
	h.OnPause = func(n int, d time.Duration) error {
		switch n {
		case 1:
			h.Emu.Inject(emulator.Fault{PathPrefix: "/api/event/pull", Status: 503, Times: 4}) // one whole poll fails
		case 2:
			if d < 2*time.Second {
				t.Errorf("after a failed poll the pause is %v, want back-off of at least the interval", d)
			}
			h.Emu.AddEvent(newEvent(9, "order.opened", "2026-11-23T00:00:00Z"))
		default:
			return context.Canceled
		}
		return nil
	}
	res := h.Run("events", "tail", "--interval", "2s", "--last", "0", "-o", "ndjson", "--jq", ".entityId")
	if res.Code != 0 || res.Stdout != "9\n" {
		t.Fatalf("exit %d stdout %q: %s", res.Code, res.Stdout, res.Stderr)
	}
	if !strings.Contains(res.Stderr, "polling failed") || !strings.Contains(res.Stderr, "503") {
		t.Errorf("the failure should be reported on stderr: %s", res.Stderr)
	}
}

// tailOneEvent runs `kwh events tail --last 1` while one event arrives
// during the first pause; the second pause ends it.
func tailOneEvent(t *testing.T, o apptest.RunOpts, args ...string) (*apptest.Harness, apptest.Result) {
	h := apptest.New(t, apptest.Seed(t))
	h.OnPause = func(n int, d time.Duration) error {
		if n == 1 {
			h.Emu.AddEvent(newEvent(1, "order.opened", "2026-11-22T10:00:00Z"))
			return nil
		}
		return context.Canceled
	}
	return h, h.RunWith(o, append([]string{"events", "tail", "--last", "1"}, args...)...)
}

func TestEventsTailOnATerminal(t *testing.T) {
	h, res := tailOneEvent(t, apptest.RunOpts{TTY: true})
	if res.Code != 0 {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	h.Golden("tail_tty.golden", res.Stdout)
	if !strings.Contains(res.Stderr, "Following the pull queue every 5s") {
		t.Errorf("stderr: %q", res.Stderr)
	}
	for name, args := range map[string][]string{"tail_plain.golden": nil, "tail_ndjson.golden": {"-o", "ndjson"}} {
		h, res := tailOneEvent(t, apptest.RunOpts{}, args...)
		if res.Code != 0 || res.Stderr != "" {
			t.Fatalf("%s: exit %d: %s", name, res.Code, res.Stderr)
		}
		h.Golden(name, res.Stdout)
	}
}

func TestEventsTailForwardsToTheApp(t *testing.T) {
	var mu sync.Mutex
	var got []string
	arrived := make(chan struct{}, 100)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := (webhook.Verifier{Secret: apptest.SharedSecret}).VerifyRequest(r.Header, body); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		p, _ := webhook.ParsePush(body)
		mu.Lock()
		got = append(got, p.EventID)
		mu.Unlock()
		arrived <- struct{}{}
	}))
	defer app.Close()
	waitArrivals := func(n int) {
		for range n {
			select {
			case <-arrived:
			case <-time.After(10 * time.Second):
				t.Fatalf("the app did not receive %d events", n)
			}
		}
	}
	h := apptest.New(t, apptest.Seed(t))
	store := t.TempDir()
	h.OnPause = func(n int, d time.Duration) error {
		if n == 1 {
			waitArrivals(2) // the two most recent events
			h.Emu.AddEvent(newEvent(1, "order.opened", "2026-11-22T10:00:00Z"))
			return nil
		}
		waitArrivals(1)
		return context.Canceled
	}
	res := h.Run("events", "tail", "--last", "2", "--forward", app.URL, "--store", store, "-o", "ndjson", "--jq", ".entityId")
	if res.Code != 0 || res.Stdout != "100241\nSKU-9\n1\n" {
		t.Fatalf("exit %d stdout %q: %s", res.Code, res.Stdout, res.Stderr)
	}
	mu.Lock()
	want := []string{"5f1c2e00-0000-0000-0000-000000000007", "5f1c2e00-0000-0000-0000-000000000008", "7a110000-0000-0000-0000-000000000001"}
	if strings.Join(slices.Sorted(slices.Values(got)), " ") != strings.Join(want, " ") {
		t.Errorf("the app got %v, want %v (dashed ids, signed)", got, want)
	}
	mu.Unlock()

	// A second run on the same store (found through KWH_STORE, as kwh
	// listen finds it) prints the recent events again but does not forward
	// them twice.
	h.OnPause = func(int, time.Duration) error { return context.Canceled }
	h.Env["KWH_STORE"] = store
	res = h.Run("events", "tail", "--last", "2", "--forward", app.URL)
	if res.Code != 0 || strings.Count(res.Stderr, "duplicate, not forwarded") != 2 {
		t.Fatalf("second run: exit %d: %s", res.Code, res.Stderr)
	}
	// A redis:// store there is kwh listen's: tail cannot share it, says so.
	h.Env["KWH_STORE"] = "redis://:hunter2@127.0.0.1:1/0"
	res = h.Run("events", "tail", "--last", "2", "--forward", app.URL)
	if res.Code != 2 || !strings.Contains(res.Stderr, "give --store DIR") || strings.Contains(res.Stderr+res.Stdout, "hunter2") {
		t.Fatalf("KWH_STORE=redis://: exit %d: %s", res.Code, res.Stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 {
		t.Errorf("the app got %d events after the second run, want still 3", len(got))
	}
}

// events get takes the shortened ids the tables print, as subs get does.
func TestEventsGetShortID(t *testing.T) {
	tests := []struct {
		typed  string
		code   int
		stdout string // substring
		stderr string // substring
	}{
		{"5f1c…04", 0, "5f1c2e00000000000000000000000004", ""},
		{"5f1c...03", 0, "5f1c2e00000000000000000000000003", ""},
		{"5f1c", 2, "", "matches 8 events"},
		{"5f1c2e…", 2, "", "5f1c2e00000000000000000000000001  order.opened 100234"},
		{"abcd…ef", 1, "", `no event in the pull queue matches "abcd…ef"`},
	}
	for _, tt := range tests {
		t.Run(tt.typed, func(t *testing.T) {
			h := apptest.New(t, apptest.Seed(t))
			res := h.Run("events", "get", tt.typed, "-o", "json", "--jq", ".id")
			if res.Code != tt.code || !strings.Contains(res.Stdout, tt.stdout) || !strings.Contains(res.Stderr, tt.stderr) {
				t.Errorf("exit %d (want %d)\nstdout: %s\nstderr: %s", res.Code, tt.code, res.Stdout, res.Stderr)
			}
		})
	}
}
