package inbox_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kwh-cli/kwh/internal/apptest"
	"github.com/kwh-cli/kwh/internal/cmd/inbox"
	"github.com/kwh-cli/kwh/internal/cmdutil/cmdutiltest"
	"github.com/kwh-cli/kwh/internal/inspector"
	"github.com/kwh-cli/kwh/internal/listen"
)

// kwh inbox web serves the inspector over a stopped kwh listen's store:
// the list, one event, and a re-forward as kwh inbox replay sends it.
func TestWebOverAStoppedStore(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	var got atomic.Int32
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got.Add(1) }))
	defer app.Close()
	dir := t.TempDir()
	l := h.Start("listen", "--port", "0", "-o", "ndjson", "--store", dir, "--forward", app.URL)
	var ready listen.Event
	for ready.Kind != listen.KindReady {
		if err := json.Unmarshal([]byte(l.Next()), &ready); err != nil {
			t.Fatal(err)
		}
	}
	if res := h.Run("send", "order.opened", "--to", ready.URL, "--entity-id", "ORD-5"); res.Code != 0 {
		t.Fatalf("send: %s", res.Stderr)
	}
	for e := (listen.Event{}); e.Kind != listen.KindForwarded; {
		if err := json.Unmarshal([]byte(l.Next()), &e); err != nil {
			t.Fatal(err)
		}
	}
	l.Stop()

	web := h.Start("inbox", "web", "--store", dir)
	defer web.Stop()
	entry := web.Next()
	base, token, ok := strings.Cut(entry, "?token=")
	if !ok || !strings.HasPrefix(entry, "http://127.0.0.1:") {
		t.Fatalf("kwh inbox web printed %q, want the inspector URL with its token", entry)
	}
	do := func(method, path string, body io.Reader) (int, string) {
		req, _ := http.NewRequest(method, base+path, body)
		req.Header.Set(inspector.TokenHeader, token)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	var rows []inspector.Row
	code, out := do(http.MethodGet, "api/deliveries", nil)
	if err := json.Unmarshal([]byte(out), &rows); err != nil || code != http.StatusOK || len(rows) != 1 || rows[0].EntityID != "ORD-5" || rows[0].State != "forwarded" {
		t.Fatalf("rows: %d %s", code, out)
	}
	if code, page := do(http.MethodGet, "", nil); code != http.StatusOK || !strings.Contains(page, "not receiving") {
		t.Fatalf("the list page: %d", code)
	}
	if code, _ := do(http.MethodGet, "api/stream", nil); code != http.StatusNotFound {
		t.Fatalf("a live stream over a stopped store: %d, want 404", code)
	}
	code, out = do(http.MethodPost, "events/1/reforward", strings.NewReader(url.Values{"target": {app.URL}}.Encode()))
	if code != http.StatusOK || !strings.Contains(out, `"status":200`) || got.Load() != 2 {
		t.Fatalf("re-forward: %d %s, the app got %d", code, out, got.Load())
	}
}

func TestWebArgs(t *testing.T) {
	tests := []struct {
		argv    string
		port    int
		wantErr string
	}{
		{"", 0, ""},
		{"--port 4040 --store /tmp/s", 4040, ""},
		{"--port 70000", 0, "--port"},
		{"extra", 0, "extra"},
	}
	for _, tt := range tests {
		t.Run(tt.argv, func(t *testing.T) {
			got, err := cmdutiltest.Parse(t, inbox.NewCmdWeb, strings.Fields(tt.argv)...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v: want one about %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got.Port != tt.port {
				t.Fatalf("err %v, port %d", err, got.Port)
			}
		})
	}
}
