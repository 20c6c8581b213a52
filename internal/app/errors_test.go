package app_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/apptest"
)

// A host that does not answer is not a bad secret: exit 1 naming the host and
// what to try; exit 4 only when Kibo answered and refused.
func TestUnreachableHostIsNotABadSecret(t *testing.T) {
	tests := []struct {
		name      string
		prepare   func(h *apptest.Harness)
		code      int
		want      []string
		forbidden string
	}{
		{"no cached token", func(h *apptest.Harness) { h.StopEmulator() }, 1,
			[]string{"could not reach Kibo's auth host " + "EMULATOR", "Is `kwh emulator` running at EMULATOR?", "--auth-host"}, "Dev Center"},
		{"cached token", func(h *apptest.Harness) {
			if res := h.Run("subs", "list"); res.Code != 0 {
				t.Fatalf("warm-up: %s", res.Stderr)
			}
			h.StopEmulator()
		}, 1, []string{"could not reach Kibo's API host EMULATOR", "--api-host"}, "dial tcp"},
		{"refused credentials", func(h *apptest.Harness) { h.Env["KIBO_SHARED_SECRET"] = strings.Repeat("1", 32) }, 4,
			[]string{"INVALID_CREDENTIALS", "Kibo refused the credentials", "Dev Center"}, "could not reach"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := apptest.New(t, apptest.Seed(t))
			tt.prepare(h)
			res := h.Run("subs", "list")
			stderr := strings.ReplaceAll(res.Stderr, h.URL, "EMULATOR")
			if res.Code != tt.code {
				t.Errorf("exit %d, want %d: %s", res.Code, tt.code, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if strings.Contains(stderr, tt.forbidden) {
				t.Errorf("stderr says %q:\n%s", tt.forbidden, stderr)
			}
		})
	}
}

// Ctrl-C while the auth host has not answered a token request ends kwh at
// once with 130, not after --timeout.
func TestCtrlCDuringTokenRequest(t *testing.T) {
	arrived := make(chan struct{}, 1)
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		_, _ = io.Copy(io.Discard, r.Body) // so the server notices the client hang up
		<-r.Context().Done()               // answers nothing until the client gives up
	}))
	defer stuck.Close()
	h := apptest.New(t, apptest.Seed(t))
	h.Env["KIBO_AUTH_HOST"] = stuck.URL
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan apptest.Result, 1)
	go func() { done <- h.RunContext(ctx, "subs", "list", "--timeout", "1h") }()
	<-arrived
	cancel()
	select {
	case res := <-done:
		if res.Code != 130 || !strings.Contains(res.Stderr, "interrupted") {
			t.Fatalf("exit %d: %s", res.Code, res.Stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("kwh kept waiting for the token after Ctrl-C")
	}
}

// A mistyped profile is a usage error listing the profiles that exist.
func TestMistypedProfile(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	for _, name := range []string{"sandbox", "emulator"} {
		if res := h.Run("config", "set", "-p", name, "tenant", "1"); res.Code != 0 {
			t.Fatalf("config set: %s", res.Stderr)
		}
	}
	tests := []struct {
		args []string
		env  string
	}{
		{[]string{"-p", "nope", "subs", "list"}, ""},
		{[]string{"subs", "list"}, "nope"},
		{[]string{"-p", "nope", "auth", "status"}, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " ")+" KWH_PROFILE="+tt.env, func(t *testing.T) {
			h.Env["KWH_PROFILE"] = tt.env
			res := h.Run(tt.args...)
			for _, w := range []string{`no profile "nope"`, "profiles: emulator, sandbox", "kwh auth login -p nope"} {
				if !strings.Contains(res.Stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, res.Stderr)
				}
			}
			if res.Code != 2 {
				t.Errorf("exit %d, want 2", res.Code)
			}
		})
	}
	h.Env["KWH_PROFILE"] = ""
	// A profile without credentials names itself in the hint.
	h.Env["KIBO_SHARED_SECRET"] = ""
	if res := h.Run("-p", "sandbox", "subs", "list"); res.Code != 4 || !strings.Contains(res.Stderr, "kwh auth login -p sandbox") {
		t.Errorf("exit %d: %s", res.Code, res.Stderr)
	}
}
