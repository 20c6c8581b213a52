package app_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/apptest"
	"github.com/kwh-cli/kwh/internal/emulator"
)

func listRequests(emu *emulator.Emulator) []emulator.Request {
	var out []emulator.Request
	for _, r := range emu.Requests() {
		if r.Path == "/api/event/push/subscriptions" {
			out = append(out, r)
		}
	}
	return out
}

func TestTokenIsCachedAcrossProcesses(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	for i := range 3 {
		if res := h.Run("subs", "list"); res.Code != 0 {
			t.Fatalf("run %d: exit %d: %s", i, res.Code, res.Stderr)
		}
	}
	if n := h.Emu.TokenRequests(); n != 1 {
		t.Fatalf("three runs made %d token requests, want 1", n)
	}
	if n := h.Emu.Count(http.MethodGet, "/api/platform/tenants/"); n != 1 {
		t.Errorf("tenant looked up %d times, want once (cached)", n)
	}
}

func TestExpiredCachedTokenIsRenewedOnce(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	if res := h.Run("subs", "list"); res.Code != 0 {
		t.Fatal(res.Stderr)
	}
	expireCachedTokens(t, h.Home)
	if res := h.Run("subs", "list"); res.Code != 0 {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	if n := h.Emu.TokenRequests(); n != 2 {
		t.Fatalf("token requests = %d, want 2 (one per expiry)", n)
	}
	if g := fmt.Sprint(h.Emu.Grants()); g != "[client_credentials client_credentials+refresh_token]" {
		t.Errorf("grants = %s: the expired token's refresh_token should have been used", g)
	}
}

// expireCachedTokens moves every cached token's expiry into the past.
func expireCachedTokens(t *testing.T, home string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(home, "cache", "kwh", "tokens", "*.json"))
	if len(files) == 0 {
		t.Fatal("no cached token")
	}
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		m["expiry"] = time.Now().Add(-time.Minute).Format(time.RFC3339)
		raw, _ = json.Marshal(m)
		if err := os.WriteFile(f, raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestUnauthorizedCausesExactlyOneReauthentication(t *testing.T) {
	t.Run("revoked token: re-auth then success", func(t *testing.T) {
		h := apptest.New(t, apptest.Seed(t))
		h.Run("subs", "list")
		h.Emu.RevokeTokens()
		res := h.Run("subs", "list")
		if res.Code != 0 {
			t.Fatalf("exit %d: %s", res.Code, res.Stderr)
		}
		if n := h.Emu.TokenRequests(); n != 2 {
			t.Errorf("token requests = %d, want 2", n)
		}
		if n := len(listRequests(h.Emu)); n != 3 {
			t.Errorf("list requests = %d, want 3 (ok, 401, ok)", n)
		}
	})
	t.Run("persistent 401: one re-auth, then exit 4", func(t *testing.T) {
		h := apptest.New(t, apptest.Seed(t))
		h.Emu.Inject(emulator.Fault{PathPrefix: "/api/event/", Status: 401, Times: 5})
		res := h.Run("subs", "list")
		if res.Code != 4 {
			t.Fatalf("exit %d, want 4: %s", res.Code, res.Stderr)
		}
		if n := h.Emu.TokenRequests(); n != 2 {
			t.Errorf("token requests = %d, want 2 (initial + one re-auth)", n)
		}
		if n := len(listRequests(h.Emu)); n != 2 {
			t.Errorf("list requests = %d, want 2", n)
		}
	})
}

func TestTransientFailuresAreRetried(t *testing.T) {
	tests := []struct {
		name      string
		fault     emulator.Fault
		code      int
		requests  int
		sleeps    []time.Duration // exact waits; nil means "one per retry, any length"
		stderrHas []string
	}{
		{"429 Retry-After 1", emulator.Fault{Status: 429, RetryAfter: "1"}, 0, 2, []time.Duration{time.Second}, nil},
		{"two 500s", emulator.Fault{Status: 500, Times: 2}, 0, 3, nil, nil},
		{"persistent 500", emulator.Fault{Status: 500, Times: 100}, 1, 4, nil,
			[]string{"500 Internal Server Error", "INTERNAL_SERVER_ERROR", "correlation id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := apptest.New(t, apptest.Seed(t))
			h.Run("auth", "token") // cache a token so faults hit the API call only
			tt.fault.PathPrefix = "/api/event/"
			h.Emu.Inject(tt.fault)
			res := h.Run("subs", "list")
			if res.Code != tt.code {
				t.Fatalf("exit %d, want %d: %s", res.Code, tt.code, res.Stderr)
			}
			if n := len(listRequests(h.Emu)); n != tt.requests {
				t.Errorf("list requests = %d, want %d", n, tt.requests)
			}
			if tt.sleeps != nil && fmt.Sprint(h.Sleeps) != fmt.Sprint(tt.sleeps) {
				t.Errorf("waits = %v, want %v", h.Sleeps, tt.sleeps)
			}
			if len(h.Sleeps) != tt.requests-1 {
				t.Errorf("%d waits for %d requests", len(h.Sleeps), tt.requests)
			}
			for _, s := range tt.stderrHas {
				if !strings.Contains(res.Stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, res.Stderr)
				}
			}
		})
	}
}

func TestCredentialErrorsExit4(t *testing.T) {
	t.Run("wrong secret shows Kibo's message", func(t *testing.T) {
		h := apptest.New(t, apptest.Seed(t))
		h.Env["KIBO_SHARED_SECRET"] = strings.Repeat("ab", 16)
		res := h.Run("subs", "list")
		if res.Code != 4 {
			t.Fatalf("exit %d, want 4", res.Code)
		}
		for _, s := range []string{"INVALID_CREDENTIALS", "could not be authenticated", "correlation id"} {
			if !strings.Contains(res.Stderr, s) {
				t.Errorf("stderr lacks %q:\n%s", s, res.Stderr)
			}
		}
		if strings.Contains(res.Stderr, strings.Repeat("ab", 16)) {
			t.Error("the secret appears in the error")
		}
	})
	t.Run("no credentials at all names the fixes", func(t *testing.T) {
		h := apptest.New(t, apptest.Seed(t))
		delete(h.Env, "KIBO_CLIENT_ID")
		delete(h.Env, "KIBO_SHARED_SECRET")
		res := h.Run("subs", "list")
		if res.Code != 4 {
			t.Fatalf("exit %d, want 4", res.Code)
		}
		for _, s := range []string{"kwh auth login", "KIBO_CLIENT_ID", "KIBO_SHARED_SECRET"} {
			if !strings.Contains(res.Stderr, s) {
				t.Errorf("stderr lacks %q:\n%s", s, res.Stderr)
			}
		}
		if h.Emu.TokenRequests() != 0 {
			t.Error("asked for a token without credentials")
		}
	})
}

func TestListAllPagesByTwoHundred(t *testing.T) {
	seed := apptest.Seed(t)
	seed.Subscriptions = nil
	for i := range 450 {
		seed.Subscriptions = append(seed.Subscriptions, map[string]any{
			"id": fmt.Sprintf("%032x", i), "endpoint": fmt.Sprintf("https://h%d.example.com/", i),
			"topics": []any{"order.opened"}, "isActive": true, "confirmed": true, "noCallback": false,
		})
	}
	h := apptest.New(t, seed)
	res := h.Run("subs", "list", "--all", "-o", "json", "--jq", "length")
	if res.Code != 0 || strings.TrimSpace(res.Stdout) != "450" {
		t.Fatalf("exit %d, stdout %q: %s", res.Code, res.Stdout, res.Stderr)
	}
	reqs := listRequests(h.Emu)
	if len(reqs) != 3 {
		t.Fatalf("%d list requests, want 3", len(reqs))
	}
	// Pages after the first are fetched concurrently: compare as a set.
	var got []string
	for _, r := range reqs {
		got = append(got, r.Query.Get("startIndex")+"/"+r.Query.Get("pageSize"))
	}
	slices.Sort(got)
	if fmt.Sprint(got) != "[0/200 200/200 400/200]" {
		t.Errorf("startIndex/pageSize of the requests: %v", got)
	}
}

func TestDebugRedactsSecrets(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	h.Emu.RevokeTokens()
	res := h.Run("subs", "list", "--debug")
	if res.Code != 0 {
		t.Fatal(res.Stderr)
	}
	tok := h.Run("auth", "token").Stdout
	tok = strings.TrimSpace(tok)
	if tok == "" {
		t.Fatal("no token")
	}
	if !strings.Contains(res.Stderr, "> POST "+h.URL+"/api/platform/applications/authtickets/oauth") ||
		!strings.Contains(res.Stderr, "Authorization: Bearer [redacted]") {
		t.Fatalf("debug log lacks the requests:\n%s", res.Stderr)
	}
	for _, secret := range []string{apptest.SharedSecret, tok} {
		if strings.Contains(res.Stderr, secret) || strings.Contains(res.Stdout, secret) {
			t.Errorf("--debug output contains a secret")
		}
	}
}

func TestSecretFilesAre0600(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	res := h.RunWith(apptest.RunOpts{}, "auth", "login")
	if res.Code != 0 {
		t.Fatalf("login: exit %d: %s", res.Code, res.Stderr)
	}
	h.Run("subs", "list") // adds the tenant lookup cache
	var files []string
	_ = filepath.WalkDir(h.Home, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) < 3 { // config, token, tenant lookup
		t.Fatalf("expected config and cache files, got %v", files)
	}
	for _, f := range files {
		st, _ := os.Stat(f)
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, st.Mode().Perm())
		}
	}
	st, _ := os.Stat(filepath.Join(h.Home, "config", "kwh"))
	if st.Mode().Perm() != 0o700 {
		t.Errorf("config dir mode %v, want 0700", st.Mode().Perm())
	}
}
