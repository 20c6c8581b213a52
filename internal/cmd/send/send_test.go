package send_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kwh-cli/kwh/internal/apptest"
	"github.com/kwh-cli/kwh/internal/webhook"
)

type captured struct {
	header http.Header
	body   []byte
	raw    []byte
}

func sink(t *testing.T, status int) (*httptest.Server, func() []captured) {
	var mu sync.Mutex
	var got []captured
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := httputil.DumpRequest(r, true)
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, captured{r.Header.Clone(), body, raw})
		mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []captured {
		mu.Lock()
		defer mu.Unlock()
		return append([]captured(nil), got...)
	}
}

func TestSendSignsLikeKibo(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	h.Env["KIBO_SITE"] = apptest.Site
	srv, got := sink(t, 200)
	res := h.Run("send", "shipment.statuschanged", "--to", srv.URL, "--count", "2", "--duplicate", "1", "--entity-id", "SHP-1", "-o", "ndjson")
	if res.Code != 0 {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	reqs := got()
	if len(reqs) != 4 || strings.Count(res.Stdout, "\n") != 4 {
		t.Fatalf("%d requests, %d result lines", len(reqs), strings.Count(res.Stdout, "\n"))
	}
	ids := map[string]int{}
	for _, r := range reqs {
		if err := (webhook.Verifier{Secret: apptest.SharedSecret}).VerifyRequest(r.header, r.body); err != nil {
			t.Errorf("a sent request does not verify: %v", err)
		}
		p, err := webhook.ParsePush(r.body)
		if err != nil || p.Topic != "shipment.statuschanged" || p.EntityID != "SHP-1" || len(p.ExtendedProperties) != 5 {
			t.Errorf("body %s: %v", r.body, err)
		}
		ids[p.EventID]++
		if r.header.Get("x-vol-tenant") != apptest.Tenant || r.header.Get("x-vol-site") != apptest.Site || r.header.Get("x-vol-correlation") != p.CorrelationID {
			t.Errorf("context headers: %v", r.header)
		}
	}
	if len(ids) != 2 {
		t.Errorf("event ids %v: want two events, each sent twice", ids)
	}
	if !strings.Contains(res.Stdout, `"duplicate":true`) {
		t.Errorf("duplicates should be marked: %s", res.Stdout)
	}
}

func TestSendFailuresExit1(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	srv, _ := sink(t, 500)
	res := h.Run("send", "order.opened", "--to", srv.URL)
	if res.Code != 1 || !strings.Contains(res.Stderr, "1 of 1 requests were not answered 200") || !strings.HasPrefix(res.Stdout, "500\t") {
		t.Fatalf("exit %d\n%s\n%s", res.Code, res.Stdout, res.Stderr)
	}
	res = h.Run("send", "order.opened", "--to", "http://127.0.0.1:1")
	if res.Code != 1 || !strings.Contains(res.Stdout, "connection refused") {
		t.Fatalf("unreachable: exit %d\n%s", res.Code, res.Stdout)
	}
	for _, args := range [][]string{{"send", "order.opened"}, {"send", "order.opened", "--to", "ftp://x"}, {"send", "order.opened", "--to", srv.URL, "--count", "0"}} {
		if res := h.Run(args...); res.Code != 2 {
			t.Errorf("%v: exit %d, want 2", args, res.Code)
		}
	}
	delete(h.Env, "KIBO_SHARED_SECRET")
	if res := h.Run("send", "order.opened", "--to", srv.URL); res.Code != 4 {
		t.Errorf("no secret: exit %d, want 4", res.Code)
	}
	if res := h.Run("send", "order.opened", "--to", srv.URL, "--no-sign"); res.Code != 1 {
		t.Errorf("--no-sign to a failing sink: exit %d, want 1", res.Code)
	}
}

// TestSendCountsOnly200 holds Kibo's rule: any answer but 200 is a failure.
func TestSendCountsOnly200(t *testing.T) {
	tests := []struct {
		status int
		code   int
		why    string
	}{
		{200, 0, ""},
		{201, 1, "201 Created, not 200: Kibo retries anything but 200"},
		{202, 1, "202 Accepted, not 200: Kibo retries anything but 200"},
		{204, 1, "204 No Content, not 200: Kibo retries anything but 200"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			h := apptest.New(t, apptest.Seed(t))
			srv, _ := sink(t, tt.status)
			res := h.Run("send", "order.opened", "--to", srv.URL, "-o", "json", "--jq", ".error // \"\"")
			if res.Code != tt.code || strings.TrimSpace(res.Stdout) != tt.why {
				t.Fatalf("exit %d (want %d), error %q (want %q): %s", res.Code, tt.code, res.Stdout, tt.why, res.Stderr)
			}
		})
	}
}

func TestSendWholeBodyIsSentVerbatim(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	srv, got := sink(t, 200)
	body := "{ \"eventId\":\"5f1c2e00-0000-0000-0000-000000000001\", \"topic\":\"order.opened\",\n \"entityId\":\"1\" }"
	path := filepath.Join(t.TempDir(), "body.json")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if res := h.Run("send", "order.opened", "--to", srv.URL, "--data", path); res.Code != 0 {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	if r := got(); len(r) != 1 || string(r[0].body) != body {
		t.Fatalf("body changed on the way: %q", r[0].body)
	}
}

// TestSentRequestsPassVerify closes the loop: what kwh send signs, kwh verify accepts.
func TestSentRequestsPassVerify(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	srv, got := sink(t, 200)
	if res := h.Run("send", "product.coderenamed", "--to", srv.URL); res.Code != 0 {
		t.Fatal(res.Stderr)
	}
	r := got()[0]
	dir := t.TempDir()
	reqFile, bodyFile := filepath.Join(dir, "req.http"), filepath.Join(dir, "body.json")
	_ = os.WriteFile(reqFile, r.raw, 0o600)
	_ = os.WriteFile(bodyFile, r.body, 0o600)
	date, sig := r.header.Get("Date"), r.header.Get("x-vol-hmac-sha256")

	tests := []struct {
		name string
		args []string
		in   string
		code int
		out  string
	}{
		{"raw request", []string{"verify", "--request", reqFile}, "", 0, "result\tvalid"},
		{"body file", []string{"verify", bodyFile, "--date", date, "--signature", sig, "-o", "json", "--jq", ".valid"}, "", 0, "true"},
		{"body on stdin", []string{"verify", "--date", date, "--signature", sig}, string(r.body), 0, "valid"},
		{"tampered body", []string{"verify", "--date", date, "--signature", sig}, string(r.body) + " ", 3, "signature does not match"},
		{"other date", []string{"verify", bodyFile, "--date", "Mon, 02 Jan 2006 15:04:05 GMT", "--signature", sig}, "", 3, "signature does not match"},
		{"no signature", []string{"verify", bodyFile, "--date", date}, "", 3, "missing x-vol-hmac-sha256"},
		{"too old", []string{"verify", "--request", reqFile, "--at", "2099-01-01T00:00:00Z"}, "", 3, "too old"},
		{"secret on stdin", []string{"verify", "--request", reqFile, "--shared-secret-stdin"}, "ffffffffffffffffffffffffffffffff\n", 3, "signature does not match"},
		{"request and date", []string{"verify", "--request", reqFile, "--date", date}, "", 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.RunWith(apptest.RunOpts{Stdin: tt.in}, tt.args...)
			if res.Code != tt.code || !strings.Contains(res.Stdout+res.Stderr, tt.out) {
				t.Errorf("exit %d (want %d)\nstdout %s\nstderr %s", res.Code, tt.code, res.Stdout, res.Stderr)
			}
		})
	}
}
