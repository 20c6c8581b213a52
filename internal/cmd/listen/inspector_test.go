package listen_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kwh-cli/kwh/internal/apptest"
)

// The ready event names the inspector (loopback, with a token) unless
// --no-inspector; the URL opens it.
func TestReadyNamesTheInspector(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	tests := []struct {
		name string
		args []string
		want bool
	}{{"default", nil, true}, {"--no-inspector", []string{"--no-inspector"}, false}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := start(t, h, t.TempDir(), tt.args...)
			defer r.Stop()
			u := r.ready.Inspector
			if (u != "") != tt.want {
				t.Fatalf("inspector %q", u)
			}
			if !tt.want {
				return
			}
			if !strings.HasPrefix(u, "http://127.0.0.1:") || !strings.Contains(u, "/inspector/?token=") || strings.HasPrefix(u, r.url) {
				t.Fatalf("inspector %q (receiver %s): want the loopback admin listener with a token", u, r.url)
			}
			c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			res, err := c.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusSeeOther || len(res.Cookies()) != 1 {
				t.Fatalf("opening it: %d", res.StatusCode)
			}
		})
	}
}
