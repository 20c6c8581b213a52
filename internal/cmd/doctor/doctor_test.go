package doctor_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/apptest"
	"github.com/kwh-cli/kwh/internal/emulator"
	"github.com/kwh-cli/kwh/internal/netutil/netutiltest"
)

// stable replaces what changes from run to run: correlation ids.
var correlation = regexp.MustCompile(`correlation id [0-9a-f]{32}`)

func stable(h *apptest.Harness, s string) string {
	s = strings.ReplaceAll(s, h.URL, "EMULATOR")
	s = strings.ReplaceAll(s, strings.TrimPrefix(h.URL, "http://"), "EMULATOR_HOST")
	return correlation.ReplaceAllString(s, "correlation id CORRELATION")
}

// healthySeed is the test tenant with one healthy subscription whose
// endpoint is the emulator's own 200 test endpoint, and no dead deliveries.
func healthySeed(t *testing.T) emulator.Seed {
	seed := apptest.Seed(t)
	seed.Subscriptions = seed.Subscriptions[:1]
	seed.DeliveryAttempts = map[string][]map[string]any{}
	return seed
}

func TestDoctorGolden(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(h *apptest.Harness)
		tty    bool
		args   []string
		code   int
		golden string
	}{
		{"everything healthy", nil, true, nil, 0, "healthy_tty.golden"},
		{"everything healthy, json", nil, false, []string{"-o", "json"}, 0, "healthy_json.golden"},
		{"seeded problems", func(h *apptest.Harness) {}, true, nil, 3, "problems_tty.golden"},
		{"seeded problems, json", func(h *apptest.Harness) {}, false, []string{"-o", "json"}, 3, "problems_json.golden"},
		{"seeded problems, piped", func(h *apptest.Harness) {}, false, nil, 3, "problems_plain.golden"},
		{"wrong secret", func(h *apptest.Harness) { h.Env["KIBO_SHARED_SECRET"] = "ffffffffffffffffffffffffffffffff" }, true, nil, 3, "wrong_secret_tty.golden"},
		{"clock skew of 200 s", func(h *apptest.Harness) { h.Emu.SetClockSkew(200 * time.Second) }, false, []string{"-o", "json", "--jq", `.[] | select(.check == "clock")`}, 3, "skew_jq.golden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seed := healthySeed(t)
			if tt.setup != nil {
				seed = apptest.Seed(t)
			}
			h := apptest.New(t, seed)
			h.Env["KIBO_SITE"] = apptest.Site
			if tt.setup != nil {
				tt.setup(h)
			}
			res := h.RunWith(apptest.RunOpts{TTY: tt.tty}, append([]string{"doctor"}, tt.args...)...)
			if res.Code != tt.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", res.Code, tt.code, res.Stdout, res.Stderr)
			}
			out := res.Stdout
			if tt.tty {
				out += "--- stderr\n" + res.Stderr
			}
			h.Golden(tt.golden, stable(h, out))
		})
	}
}

func TestDoctorProbe(t *testing.T) {
	seed := healthySeed(t)
	seed.Subscriptions = nil
	h := apptest.New(t, seed)
	h.Env["KIBO_SITE"] = apptest.Site
	for _, b := range []string{"200", "202", "500", "redirect", "hang"} {
		s := emulator.NewSubscription(h.URL+emulator.TestEndpointPath(b), []string{"order.opened"}, apptest.ClientID, 12345, time.Now())
		s["id"] = strings.Repeat(b[:1], 32)
		h.Emu.AddSubscription(s)
	}
	res := h.Run("doctor", "--probe", "--probe-timeout", "1s", "-o", "json", "--jq", `.[] | select(.check == "probe") | [.status, .detail] | join(" ")`)
	if res.Code != 3 {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	h.Golden("probe_jq.golden", res.Stdout)
}

func TestDoctorJSONShape(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	res := h.Run("doctor", "-o", "json")
	var got []map[string]any
	if err := json.Unmarshal([]byte(res.Stdout), &got); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, res.Stdout)
	}
	for _, r := range got {
		if len(r) != 5 {
			t.Errorf("want exactly check, subject, status, detail, hint: %v", r)
		}
		switch r["status"] {
		case "ok", "warn", "fail", "skip":
		default:
			t.Errorf("status %v", r["status"])
		}
	}
	if res.Stderr != "" {
		t.Errorf("-o json talks on stderr: %q", res.Stderr)
	}
}

func TestDoctorUnreachableHost(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	url := netutiltest.RefusedURL(t)
	h.Env["KIBO_AUTH_HOST"] = url
	res := h.Run("doctor", "-o", "json", "--jq", `.[] | select(.check == "credentials") | .detail`)
	if res.Code != 3 {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	if !strings.Contains(res.Stdout, "could not reach the auth host "+url) || strings.Contains(res.Stdout, "refused client id") {
		t.Errorf("detail %q does not name the host", res.Stdout)
	}
}

func TestDoctorStrict(t *testing.T) {
	h := apptest.New(t, healthySeed(t)) // no KIBO_SITE: a warning
	if res := h.Run("doctor"); res.Code != 0 {
		t.Errorf("a warning alone exits %d, want 0: %s", res.Code, res.Stdout)
	}
	if res := h.Run("doctor", "--strict"); res.Code != 3 {
		t.Errorf("--strict with a warning exits %d, want 3", res.Code)
	}
}

func TestDoctorSubscriptionProblems(t *testing.T) {
	seed := healthySeed(t)
	base := seed.Subscriptions[0]
	clone := func(id string, change func(map[string]any)) map[string]any {
		raw, _ := json.Marshal(base)
		var s map[string]any
		_ = json.Unmarshal(raw, &s)
		s["id"] = id
		change(s)
		return s
	}
	seed.Subscriptions = []map[string]any{
		clone("11111111111111111111111111111111", func(s map[string]any) { s["isActive"] = false }),
		clone("22222222222222222222222222222222", func(s map[string]any) {
			s["subscribingTenants"].([]any)[0].(map[string]any)["isActive"] = false // Kibo's 24 h disable
		}),
		clone("33333333333333333333333333333333", func(s map[string]any) { s["topics"] = []any{"order.openned"} }),
	}
	h := apptest.New(t, seed)
	h.Env["KIBO_SITE"] = apptest.Site
	res := h.Run("doctor", "-o", "json", "--jq", `.[] | select(.check == "subscription" or .check == "topics") | select(.status != "ok") | [.status, .subject[:4], .detail, .hint] | join(" | ")`)
	if res.Code != 3 {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	h.Golden("subscription_problems.golden", res.Stdout)
	for _, line := range strings.Split(strings.TrimSpace(res.Stdout), "\n") {
		if strings.HasPrefix(line, "fail") && !strings.Contains(line, "Dev Center") {
			t.Errorf("a failed subscription without the Dev Center hint: %s", line)
		}
	}
}

func TestDoctorListener(t *testing.T) {
	h := apptest.New(t, healthySeed(t))
	h.Env["KIBO_SITE"] = apptest.Site
	store := t.TempDir()
	listenerOnly := `.[] | select(.check == "listener") | .status + " " + .detail`

	res := h.Run("doctor", "--listen", "--store", store, "-o", "json", "--jq", listenerOnly)
	if res.Code != 3 || !strings.Contains(res.Stdout, "fail no running kwh listen found") {
		t.Fatalf("--listen without one running: exit %d, %q", res.Code, res.Stdout)
	}

	app := httptest.NewServer(nil) // any answer means the app is up
	t.Cleanup(app.Close)
	r := h.Start("listen", "--port", "0", "-o", "ndjson", "--store", store, "--forward", app.URL)
	t.Cleanup(func() { r.Stop() })
	r.Next() // ready
	res = h.Run("doctor", "--store", store, "-o", "json", "--jq", listenerOnly)
	if res.Code != 0 {
		t.Fatalf("exit %d: %s %s", res.Code, res.Stdout, res.Stderr)
	}
	want := "ok running and ready, 0 forwards spooled\nok forward target accepts connections\n"
	if res.Stdout != want {
		t.Errorf("a running kwh listen is found without --listen: got %q, want %q", res.Stdout, want)
	}

	// KWH_STORE (or the profile's store) leads there too, as it leads kwh
	// listen; a redis:// store cannot be looked into: said, never as
	// "none runs", and with its password hidden.
	h.Env["KWH_STORE"] = store
	if res = h.Run("doctor", "--listen", "-o", "json", "--jq", listenerOnly); res.Code != 0 || res.Stdout != want {
		t.Errorf("KWH_STORE: exit %d, got %q, want %q", res.Code, res.Stdout, want)
	}
	h.Env["KWH_STORE"] = "redis://:hunter2@127.0.0.1:1/0"
	res = h.Run("doctor", "--listen", "-o", "json", "--jq", listenerOnly)
	if res.Code != 0 || !strings.HasPrefix(res.Stdout, "warn kwh listen's store is redis://") || strings.Contains(res.Stdout+res.Stderr, "hunter2") {
		t.Errorf("KWH_STORE=redis://: exit %d, %q %s", res.Code, res.Stdout, res.Stderr)
	}
}

// The emulator disables a subscriber whose deliveries fail for 24 h of Kibo
// time, as Kibo does: doctor says so, with the Dev Center hint, and counts
// the dead delivery.
func TestDoctorSubscriberDisabledByKibo(t *testing.T) {
	base := emulator.NewFakeClock(time.Now())
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) }))
	t.Cleanup(app.Close)
	seed := healthySeed(t)
	seed.Subscriptions = nil
	h := apptest.New(t, seed)
	h.Env["KIBO_SITE"] = apptest.Site
	sub := emulator.NewSubscription(app.URL, []string{"order.*"}, apptest.ClientID, 12345, base.Now())
	sub["id"] = "d15ab1edd15ab1edd15ab1edd15ab1ed"
	h.Emu.AddSubscription(sub)
	h.Emu.EnablePush(emulator.PushOptions{Clock: emulator.NewScaledClock(base, 3600)})
	if _, err := h.Emu.Publish(emulator.PublishRequest{Topic: "order.opened"}); err != nil {
		t.Fatal(err)
	}
	base.Advance(0)
	for _, d := range emulator.RetrySchedule {
		base.Advance(d / 3600)
	}
	res := h.Run("doctor", "-o", "json", "--jq", `.[] | select(.check == "subscription" or .check == "dead-letters") | [.check, .status, .detail, .hint] | join(" | ")`)
	if res.Code != 3 {
		t.Fatalf("exit %d: %s %s", res.Code, res.Stdout, res.Stderr)
	}
	for _, want := range []string{
		"subscription | fail | disabled by Kibo for tenant 12345",
		"re-verify the event configuration in Dev Center",
		"`kwh emulator enable d15ab1edd15ab1edd15ab1edd15ab1ed`",
		"dead-letters | fail | 1 dead delivery (Kibo gave up)",
		"kwh dlq retry --subscription d15ab1edd15ab1edd15ab1edd15ab1ed",
	} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("doctor does not say %q:\n%s", want, res.Stdout)
		}
	}
}

func TestDoctorWithoutCredentials(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	delete(h.Env, "KIBO_SHARED_SECRET")
	res := h.Run("doctor", "-o", "json", "--jq", `.[] | .check + " " + .status`)
	if res.Code != 3 {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	if !strings.HasPrefix(res.Stdout, "settings fail\ncredentials skip\n") {
		t.Errorf("got %q", res.Stdout)
	}
	res = h.Run("doctor", "-o", "json", "--jq", `.[0].detail`)
	if !strings.Contains(res.Stdout, "missing shared secret") || !strings.Contains(res.Stdout, "shared secret not set") {
		t.Errorf("settings detail %q", res.Stdout)
	}
}

func TestDoctorExitCodes(t *testing.T) {
	h := apptest.New(t, healthySeed(t))
	h.Env["KIBO_SITE"] = apptest.Site
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"doctor"}, 0},
		{[]string{"doctor", "extra"}, 2},
		{[]string{"doctor", "--probe-timeout", "0s"}, 2},
		{[]string{"doctor", "--store", "redis://127.0.0.1:6379/0"}, 2},
		{[]string{"doctor", "--nope"}, 2},
		{[]string{"doctor", "-o", "json", "--jq", ".["}, 2},
	}
	for _, tt := range tests {
		if res := h.Run(tt.args...); res.Code != tt.code {
			t.Errorf("%v: exit %d, want %d: %s", tt.args, res.Code, tt.code, res.Stderr)
		}
	}
	if res := h.RunCancelled("doctor"); res.Code != 130 {
		t.Errorf("interrupted: exit %d, want 130", res.Code)
	}
}

func TestDoctorOtherFormats(t *testing.T) {
	h := apptest.New(t, healthySeed(t))
	h.Env["KIBO_SITE"] = apptest.Site
	res := h.Run("doctor", "-o", "ndjson")
	lines := strings.Split(strings.TrimSpace(res.Stdout), "\n")
	for _, l := range lines {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil || r["check"] == nil {
			t.Errorf("ndjson line %q: %v", l, err)
		}
	}
	if len(lines) < 10 {
		t.Errorf("ndjson printed %d lines", len(lines))
	}
	res = h.Run("doctor", "-o", "csv")
	if !strings.HasPrefix(res.Stdout, "status,check,subject,detail,hint\nok,settings,profile default,") {
		t.Errorf("csv: %q", res.Stdout)
	}
}
