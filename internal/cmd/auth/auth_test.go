package auth_test

import (
	"strings"
	"testing"

	"github.com/kwh-cli/kwh/internal/apptest"
)

func TestLoginStoresOnlyWorkingCredentials(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	delete(h.Env, "KIBO_SHARED_SECRET")

	res := h.Run("auth", "login", "-p", "demo")
	if res.Code != 4 || !strings.Contains(res.Stderr, "KIBO_SHARED_SECRET") {
		t.Fatalf("login without a secret and no TTY: exit %d: %s", res.Code, res.Stderr)
	}
	res = h.RunWith(apptest.RunOpts{Stdin: strings.Repeat("0", 32)}, "auth", "login", "-p", "demo", "--shared-secret-stdin")
	if res.Code != 4 || !strings.Contains(res.Stderr, "INVALID_CREDENTIALS") {
		t.Fatalf("wrong secret: exit %d: %s", res.Code, res.Stderr)
	}
	if out := h.Run("config", "list", "-o", "json").Stdout; out != "[]\n" {
		t.Fatalf("a refused login stored a profile: %s", out)
	}
	res = h.RunWith(apptest.RunOpts{Stdin: apptest.SharedSecret + "\n"}, "auth", "login", "-p", "demo", "--shared-secret-stdin")
	if res.Code != 0 || !strings.Contains(res.Stderr, "Logged in as "+apptest.ClientID) {
		t.Fatalf("login: exit %d: %s", res.Code, res.Stderr)
	}
	// The stored profile now works with no KIBO_* variables at all.
	for _, k := range []string{"KIBO_CLIENT_ID", "KIBO_TENANT", "KIBO_AUTH_HOST"} {
		delete(h.Env, k)
	}
	if res := h.Run("subs", "list", "-o", "json", "--jq", "length"); res.Code != 0 || res.Stdout != "4\n" {
		t.Fatalf("subs list with the stored profile: exit %d %q %s", res.Code, res.Stdout, res.Stderr)
	}
}

func TestStatusTokenLogout(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	res := h.Run("auth", "status", "-o", "json", "--jq", "[.profile, .tokenValid, .sharedSecret] | @tsv")
	if res.Code != 0 || res.Stdout != "default\ttrue\tset (env KIBO_SHARED_SECRET)\n" {
		t.Fatalf("status: exit %d %q %s", res.Code, res.Stdout, res.Stderr)
	}
	tok := h.Run("auth", "token")
	if tok.Code != 0 || len(strings.TrimSpace(tok.Stdout)) < 32 {
		t.Fatalf("token: %+v", tok)
	}
	status := h.Run("auth", "status")
	if strings.Contains(status.Stdout, strings.TrimSpace(tok.Stdout)) || strings.Contains(status.Stdout, apptest.SharedSecret) {
		t.Fatal("status printed a secret")
	}
	// status asks the auth host each time; token reuses what status got.
	if h.Emu.TokenRequests() != 2 {
		t.Fatalf("token requests = %d, want 2", h.Emu.TokenRequests())
	}
	if res := h.Run("auth", "logout"); res.Code != 0 {
		t.Fatalf("logout: %s", res.Stderr)
	}
	h.Run("auth", "token")
	if h.Emu.TokenRequests() != 3 {
		t.Fatalf("after logout, token requests = %d, want 3", h.Emu.TokenRequests())
	}
	h.Env["KIBO_SHARED_SECRET"] = strings.Repeat("1", 32)
	h.Run("auth", "logout")
	if res := h.Run("auth", "status"); res.Code != 4 || !strings.Contains(res.Stdout, "INVALID_CREDENTIALS") {
		t.Fatalf("status with a wrong secret: exit %d %s", res.Code, res.Stdout)
	}
}

func TestLoginPromptsOnATerminal(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	for _, k := range []string{"KIBO_CLIENT_ID", "KIBO_SHARED_SECRET", "KIBO_TENANT"} {
		delete(h.Env, k)
	}
	res := h.RunWith(apptest.RunOpts{TTY: true, Stdin: apptest.ClientID + "\n" + apptest.SharedSecret + "\n" + apptest.Tenant + "\n"}, "auth", "login", "-p", "dev")
	if res.Code != 0 {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	for _, prompt := range []string{"Application key (client id): ", "Shared secret: ", "Tenant id (optional): "} {
		if !strings.Contains(res.Stderr, prompt) {
			t.Errorf("no prompt %q in %q", prompt, res.Stderr)
		}
	}
	if strings.Contains(res.Stdout+res.Stderr, apptest.SharedSecret) {
		t.Error("the secret was echoed")
	}
	if out := h.Run("config", "list", "-o", "json", "--jq", `.[] | "\(.name) \(.tenant) \(.hasSharedSecret) \(.current)"`); out.Stdout != "dev 12345 true true\n" {
		t.Errorf("stored profile: %q", out.Stdout)
	}
}

// auth status asks the auth host whatever the cache holds, and says where
// each setting came from.
func TestStatusChecksForReal(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(h *apptest.Harness)
		code    int
		want    string
	}{
		{"valid", func(h *apptest.Harness) {}, 0, "checked with the auth host"},
		{"wrong secret, cached token", func(h *apptest.Harness) { h.Env["KIBO_SHARED_SECRET"] = strings.Repeat("1", 32) }, 4, "INVALID_CREDENTIALS"},
		{"emulator stopped, cached token", func(h *apptest.Harness) { h.StopEmulator() }, 1, "could not reach Kibo's auth host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := apptest.New(t, apptest.Seed(t))
			if res := h.Run("auth", "token"); res.Code != 0 {
				t.Fatalf("token: %s", res.Stderr)
			}
			tt.prepare(h)
			res := h.Run("auth", "status", "-t", apptest.Tenant)
			if res.Code != tt.code || !strings.Contains(res.Stdout+res.Stderr, tt.want) {
				t.Fatalf("exit %d (want %d), no %q:\n%s%s", res.Code, tt.code, tt.want, res.Stdout, res.Stderr)
			}
			for _, src := range []string{"default  (default)", "(env KIBO_CLIENT_ID)", "set (env KIBO_SHARED_SECRET)", "(flag --tenant)", "(env KIBO_AUTH_HOST)"} {
				if !strings.Contains(res.Stdout, src) {
					t.Errorf("status does not say %q:\n%s", src, res.Stdout)
				}
			}
		})
	}
}
