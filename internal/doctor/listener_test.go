package doctor

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/netutil/netutiltest"
)

func TestCheckListener(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) }))
	t.Cleanup(app.Close)
	downURL := netutiltest.RefusedURL(t)
	found := func(st *ListenerStatus) ListenerFinder {
		return func(context.Context) (*ListenerStatus, error) { return st, nil }
	}
	tests := []struct {
		name     string
		finder   ListenerFinder
		required bool
		want     [][3]string // status, subject prefix, part of the detail
	}{
		{"none running, not asked for", found(nil), false, nil},
		{"none running, --listen", found(nil), true, [][3]string{{"fail", "kwh listen", "no running kwh listen found"}}},
		{"asking failed", func(context.Context) (*ListenerStatus, error) { return nil, errors.New("boom") }, false, [][3]string{{"fail", "kwh listen", "boom"}}},
		{"healthy", found(&ListenerStatus{URL: "http://127.0.0.1:8080", Ready: true, Targets: []string{app.URL}}), false,
			[][3]string{{"ok", "http://127.0.0.1:8080", "running and ready, 0 forwards spooled"}, {"ok", app.URL, "forward target accepts connections"}}},
		{"target down, backlog and given up", found(&ListenerStatus{URL: "http://127.0.0.1:8080", Ready: true, Targets: []string{"order.* → " + downURL}, Spooled: 3, GivenUp: 2, OldestPending: 90 * time.Second}), false,
			[][3]string{{"warn", "http://127.0.0.1:8080", "3 forwards spooled, the oldest waiting 1m30s, 2 forwards given up"}, {"fail", "order.* → ", "forward target does not answer: connection refused"}}},
		{"not ready", found(&ListenerStatus{URL: "http://127.0.0.1:8080"}), false, [][3]string{{"fail", "http://127.0.0.1:8080", "running but not ready"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkListener(context.Background(), &Doctor{Listener: tt.finder, ListenRequired: tt.required})
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %d results", got, len(tt.want))
			}
			for i, w := range tt.want {
				r := got[i]
				if string(r.Status) != w[0] || !strings.HasPrefix(r.Subject, w[1]) || !strings.Contains(r.Detail, w[2]) {
					t.Errorf("result %d is %+v, want %v", i, r, w)
				}
				if got[i].Status == Fail && got[i].Hint == "" {
					t.Errorf("result %d fails without a hint", i)
				}
			}
		})
	}
}
