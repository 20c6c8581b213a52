package emulator_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/kwh-cli/kwh/internal/apptest"
)

var exportedSecret = regexp.MustCompile(`KIBO_SHARED_SECRET=(\S+)`)

// startEmulator runs kwh emulator until its export line, then stops it and
// returns the secret it exported and what it said on stderr.
func startEmulator(t *testing.T, h *apptest.Harness, args ...string) (secret, banner string) {
	t.Helper()
	r := h.Start(append([]string{"emulator", "--port", "0"}, args...)...)
	m := exportedSecret.FindStringSubmatch(r.Next())
	res := r.Stop()
	if m == nil || res.Code != 0 {
		t.Fatalf("emulator: exit %d: %s", res.Code, res.Stderr)
	}
	return m[1], res.Stderr
}

// Restarting with the same --write-profile keeps the secret (so a running
// kwh listen -p emulator keeps verifying); the environment wins when set.
func TestEmulatorKeepsItsSecret(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	delete(h.Env, "KIBO_SHARED_SECRET")
	first, banner := startEmulator(t, h, "--write-profile", "emulator")
	if !strings.Contains(banner, "Shared secret: new; saved in profile emulator, restarts keep it") {
		t.Errorf("first banner:\n%s", banner)
	}
	again, banner := startEmulator(t, h, "--write-profile", "emulator")
	if again != first || !strings.Contains(banner, "Shared secret: reused from profile emulator") {
		t.Errorf("restart: secret %q, want %q; banner:\n%s", again, first, banner)
	}
	h.Env["KIBO_SHARED_SECRET"] = apptest.SharedSecret
	if s, banner := startEmulator(t, h); s != apptest.SharedSecret || !strings.Contains(banner, "from env KIBO_SHARED_SECRET") {
		t.Errorf("env: secret %q; banner:\n%s", s, banner)
	}
	delete(h.Env, "KIBO_SHARED_SECRET")
	r := h.RunWith(apptest.RunOpts{Stdin: "x"}, "emulator", "--port", "99999", "--shared-secret-stdin")
	if r.Code != 2 {
		t.Errorf("bad port with a secret on stdin: exit %d", r.Code)
	}
}

var exportedURL = regexp.MustCompile(`KIBO_API_HOST=(\S+)`)

// The banner's publish command works exactly as printed.
func TestEmulatorBannerCommandsWork(t *testing.T) {
	tests := []struct {
		args []string
		cmd  string // URL stands for the emulator's address
	}{
		{[]string{"--write-profile", "emu"}, "kwh -p emu emulator publish order.opened"},
		{nil, "kwh emulator publish order.opened --emulator URL"},
	}
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			h := apptest.New(t, apptest.Seed(t))
			for _, k := range []string{"KIBO_CLIENT_ID", "KIBO_SHARED_SECRET", "KIBO_TENANT", "KIBO_AUTH_HOST"} {
				delete(h.Env, k)
			}
			r := h.Start(append([]string{"emulator", "--port", "0"}, tt.args...)...)
			defer r.Stop()
			cmd := strings.ReplaceAll(tt.cmd, "URL", exportedURL.FindStringSubmatch(r.Next())[1])
			if res := h.Run(strings.Fields(cmd)[1:]...); res.Code != 0 {
				t.Errorf("%s: exit %d: %s", cmd, res.Code, res.Stderr)
			}
			if banner := r.Stop().Stderr; !strings.Contains(banner, cmd) {
				t.Errorf("the banner does not print %q:\n%s", cmd, banner)
			}
		})
	}
}

// --subscribe (emulator) and --route (listen) take a glob and a URL in
// either order.
func TestRouteEitherOrder(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	for _, k := range []string{"KIBO_CLIENT_ID", "KIBO_TENANT", "KIBO_AUTH_HOST"} {
		delete(h.Env, k)
	}
	emu := h.Start("emulator", "--port", "0", "--write-profile", "e",
		"--subscribe", "order.*,shipment.*=http://127.0.0.1:9/a?x=1",
		"--subscribe", "http://127.0.0.1:9/b=return.*")
	defer emu.Stop()
	emu.Next()
	res := h.Run("-p", "e", "subs", "list", "-o", "json", "--jq", `.[] | select(.endpoint | startswith("http://127.0.0.1:9/")) | "\(.endpoint) \(.topics | map(split(".")[0]) | unique | join(","))"`)
	if want := "http://127.0.0.1:9/a?x=1 order,shipment\nhttp://127.0.0.1:9/b return\n"; res.Stdout != want {
		t.Errorf("subscriptions: exit %d %q, want %q; %s", res.Code, res.Stdout, want, res.Stderr)
	}
	for _, route := range []string{"order.*=http://127.0.0.1:9/orders", "http://127.0.0.1:9/orders?k=v=order.*"} {
		lst := h.Start("listen", "--port", "0", "-o", "ndjson", "--store", t.TempDir(), "--route", route)
		if line := lst.Next(); !strings.Contains(line, `"ready"`) {
			t.Errorf("--route %s: %s", route, line)
		}
		lst.Stop()
	}
}
