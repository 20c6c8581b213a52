package listen_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kwh-cli/kwh/internal/apptest"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// An app answering 202 has not taken the event by Kibo's rule: the forward is
// retried and the line says why; --sync hands the 202 back to Kibo.
func TestForwardTreatsNon200AsFailure(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	a := newApp(t)
	a.code.Store(202)
	r := start(t, h, t.TempDir(), "--forward", a.URL)
	defer r.Stop()
	body, hdr := signedPush(t, webhook.NewEventID(), "order.opened", "1")
	post(t, r.url, body, hdr)
	retry := r.waitFor(listen.KindFailed, 1)[0]
	if retry.Status != 202 || !strings.Contains(retry.Reason, "202 Accepted, not 200: Kibo retries anything but 200") {
		t.Errorf("retrying event: %+v", retry)
	}
	a.code.Store(200)
	if fwd := r.waitFor(listen.KindForwarded, 1)[0]; fwd.Status != 200 {
		t.Errorf("forwarded: %+v", fwd)
	}

	s := start(t, h, t.TempDir(), "--forward", a.URL, "--sync")
	defer s.Stop()
	a.code.Store(204)
	body, hdr = signedPush(t, webhook.NewEventID(), "order.opened", "2")
	if code := post(t, s.url, body, hdr); code != 204 {
		t.Errorf("--sync with an app answering 204: Kibo got %d, want the app's own 204", code)
	}
	a.code.Store(200)
	if code := post(t, s.url, body, hdr); code != 200 {
		t.Errorf("Kibo's retry after a 204 must reach the app again (not seen): %d", code)
	}
}

// seqApp answers codes[i] to its i-th request, then the last code.
func seqApp(t *testing.T, codes ...int) *httptest.Server {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		w.WriteHeader(codes[min(i, len(codes)-1)])
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Every forward attempt is a forwarded or failed object with its status,
// target and attempt, and the inbox agrees with the per-target results, in
// async and --sync modes alike.
func TestEveryForwardAttemptIsReported(t *testing.T) {
	type outcome struct {
		kind    listen.Kind
		status  int
		attempt int
	}
	tests := []struct {
		name   string
		args   []string
		events int
		want   []outcome
		inbox  string // states, newest first
	}{
		{"async, one event retried", nil, 1,
			[]outcome{{listen.KindFailed, 202, 1}, {listen.KindFailed, 500, 2}, {listen.KindForwarded, 200, 3}}, "forwarded 200×3\n"},
		{"async, each given up at once", []string{"--max-attempts", "1"}, 3,
			[]outcome{{listen.KindFailed, 202, 1}, {listen.KindFailed, 500, 1}, {listen.KindForwarded, 200, 1}}, "forwarded 200×1\nfailed 500×1\nfailed 202×1\n"},
		{"--sync", []string{"--sync"}, 3,
			[]outcome{{listen.KindFailed, 202, 1}, {listen.KindFailed, 500, 1}, {listen.KindForwarded, 200, 1}}, "forwarded 200×1\nfailed 500×1\nfailed 202×1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := apptest.New(t, apptest.Seed(t))
			app := seqApp(t, 202, 500, 200)
			store := t.TempDir()
			r := start(t, h, store, append([]string{"--forward", app.URL}, tt.args...)...)
			for i := range tt.events {
				body, hdr := signedPush(t, webhook.NewEventID(), "order.opened", fmt.Sprint(i))
				code := post(t, r.url, body, hdr)
				if sync := len(tt.args) > 0 && tt.args[0] == "--sync"; sync && code != tt.want[i].status || !sync && code != 200 {
					t.Errorf("push %d answered %d", i, code)
				}
			}
			var got []outcome
			for len(got) < len(tt.want) {
				var e listen.Event
				if err := json.Unmarshal([]byte(r.Next()), &e); err != nil {
					t.Fatal(err)
				}
				if e.Kind != listen.KindFailed && e.Kind != listen.KindForwarded {
					continue
				}
				if e.Target != app.URL || e.DeliveryID == 0 {
					t.Errorf("%s without its target or delivery: %+v", e.Kind, e)
				}
				if e.Kind == listen.KindFailed && e.Status == 202 && !strings.Contains(e.Reason, "not 200") {
					t.Errorf("a 202 must say why it failed: %q", e.Reason)
				}
				got = append(got, outcome{e.Kind, e.Status, e.Attempt})
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("stream %v, want %v", got, tt.want)
			}
			if res := r.Stop(); res.Code != 0 {
				t.Fatal(res.Stderr)
			}
			res := h.Run("inbox", "list", "--store", store, "-o", "json", "--jq", `.[] | "\(.state) \(.forwards[] | "\(.status)×\(.attempts)")"`)
			if res.Stdout != tt.inbox {
				t.Errorf("inbox:\n%s\nwant:\n%s%s", res.Stdout, tt.inbox, res.Stderr)
			}
		})
	}
}
