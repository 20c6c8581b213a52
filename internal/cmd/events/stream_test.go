package events_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kwh-cli/kwh/internal/apptest"
)

// events list --all -o ndjson (and piped TSV) writes each page as it
// arrives, in order; Ctrl-C keeps what was written and exits 130.
func TestEventsListStreams(t *testing.T) {
	for _, format := range [][]string{{"-o", "ndjson"}, nil} {
		t.Run(strings.Join(format, " ")+" piped", func(t *testing.T) {
			seed := apptest.Seed(t)
			seed.Events = nil
			for i := range 600 {
				seed.Events = append(seed.Events, map[string]any{"id": fmt.Sprintf("%032x", i), "topic": "order.opened", "entityId": fmt.Sprint(i)})
			}
			h := apptest.New(t, seed)
			// Every page after the first waits until the test has seen the
			// first page on stdout, then the last page never comes.
			firstSeen := make(chan struct{})
			gate := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Query().Get("startIndex") {
				case "", "0":
				case "400":
					<-r.Context().Done()
					return
				default:
					select {
					case <-firstSeen:
					case <-r.Context().Done():
						return
					}
				}
				h.Emu.ServeHTTP(w, r)
			}))
			defer gate.Close()
			h.Env["KIBO_API_HOST"] = gate.URL
			r := h.Start(append([]string{"events", "list", "--all", "--concurrency", "1"}, format...)...)
			for i := range 400 {
				line := r.Next()
				if !strings.Contains(line, fmt.Sprintf("%032x", i)) {
					t.Fatalf("line %d out of order: %s", i, line)
				}
				if i == 199 {
					close(firstSeen)
				}
			}
			res := r.Stop()
			if res.Code != 130 {
				t.Errorf("Ctrl-C: exit %d: %s", res.Code, res.Stderr)
			}
		})
	}
}
