package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kwh-cli/kwh/internal/store/ledger"
	"github.com/kwh-cli/kwh/internal/webhook"
)

const secret = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"

// fakeLedger is a Ledger in memory; failRecord makes Record fail.
type fakeLedger struct {
	mu         sync.Mutex
	got        map[string]ledger.Outcome
	failRecord bool
}

func newFakeLedger() *fakeLedger { return &fakeLedger{got: map[string]ledger.Outcome{}} }

func (l *fakeLedger) Get(key string) (ledger.Outcome, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	o, ok := l.got[key]
	return o, ok, nil
}

func (l *fakeLedger) Record(o ledger.Outcome) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failRecord {
		return errors.New("disk full")
	}
	o.Attempts = l.got[o.Key].Attempts + 1
	l.got[o.Key] = o
	return nil
}

func (l *fakeLedger) Close() error { return nil }

// endpoint answers each request with the status its eventId is mapped to
// (200 otherwise), after checking Kibo's signature.
func endpoint(t *testing.T, status map[string]int) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		n.Add(1)
		if err := (webhook.Verifier{Secret: secret}).VerifyRequest(r.Header, body); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		p, err := webhook.ParsePush(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if s, ok := status[p.EventID]; ok {
			w.WriteHeader(s)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func items(url string, n int) []Item {
	var out []Item
	for i := range n {
		push := webhook.Push{EventID: fmt.Sprintf("5f1c2e00-0000-0000-0000-%012d", i), Topic: "order.opened", EntityID: fmt.Sprint(i)}
		out = append(out, NewItem("sub", int32(i), url, push, webhook.Context{Tenant: "1"}))
	}
	return out
}

func TestRunDeliversAndRecords(t *testing.T) {
	refused := "5f1c2e00-0000-0000-0000-000000000001"
	tests := []struct {
		name   string
		status int
	}{
		{"a 500 is a failure", http.StatusInternalServerError},
		{"a 202 is a failure: Kibo wants 200", http.StatusAccepted},
		{"a redirect is an answer, not followed", http.StatusFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := endpoint(t, map[string]int{refused: tt.status})
			led := newFakeLedger()
			var results []Result
			sum, err := Run(context.Background(), items(srv.URL, 3), Options{Secret: secret, Ledger: led,
				OnResult: func(r Result) { results = append(results, r) }})
			if err != nil {
				t.Fatal(err)
			}
			if sum != (Summary{Delivered: 2, Failed: 1}) || len(results) != 3 {
				t.Fatalf("summary %+v, %d results", sum, len(results))
			}
			for _, r := range results {
				o, found, _ := led.Get(r.Item.Key)
				if !found || o.Delivered != r.Delivered || o.Status != r.Status {
					t.Errorf("%s: ledger %+v, result %+v", r.Item.EventID, o, r)
				}
				if r.Item.EventID == refused && (r.Delivered || r.Status != tt.status || r.Err == nil) {
					t.Errorf("refused item: %+v", r)
				}
			}
		})
	}
}

func TestRunSkipsWhatTheLedgerDelivered(t *testing.T) {
	srv, hits := endpoint(t, nil)
	led := newFakeLedger()
	its := items(srv.URL, 4)
	led.got[its[1].Key] = ledger.Outcome{Key: its[1].Key, Delivered: true, Status: 200}
	led.got[its[2].Key] = ledger.Outcome{Key: its[2].Key, Delivered: false, Status: 500}
	sum, err := Run(context.Background(), its, Options{Secret: secret, Ledger: led})
	if err != nil || sum != (Summary{Delivered: 3, Skipped: 1}) || hits.Load() != 3 {
		t.Fatalf("summary %+v (%v), %d requests: want 3 delivered, 1 skipped", sum, err, hits.Load())
	}
	sum, err = Run(context.Background(), its, Options{Secret: secret, Ledger: led, Force: true})
	if err != nil || sum.Delivered != 4 || hits.Load() != 7 {
		t.Fatalf("--force: summary %+v (%v), %d requests in all", sum, err, hits.Load())
	}
	if led.got[its[2].Key].Attempts != 2 {
		t.Errorf("attempts %d, want 2 (one per run that sent it)", led.got[its[2].Key].Attempts)
	}
}

func TestRunReportsALedgerThatCannotRecord(t *testing.T) {
	srv, _ := endpoint(t, nil)
	led := newFakeLedger()
	led.failRecord = true
	var results []Result
	_, err := Run(context.Background(), items(srv.URL, 1), Options{Secret: secret, Ledger: led,
		OnResult: func(r Result) { results = append(results, r) }})
	if err != nil || len(results) != 1 || results[0].Err == nil || !results[0].Delivered {
		t.Fatalf("results %+v (%v): want delivered, with the ledger's error", results, err)
	}
}

func TestRunBoundsConcurrency(t *testing.T) {
	var inFlight, peak atomic.Int32
	release, arrived := make(chan struct{}), make(chan struct{}, 12)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		arrived <- struct{}{}
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
		inFlight.Add(-1)
	}))
	defer srv.Close()
	done := make(chan Summary)
	go func() {
		sum, _ := Run(context.Background(), items(srv.URL, 12), Options{Concurrency: 3})
		done <- sum
	}()
	for range 3 {
		<-arrived // three requests held open at once
	}
	close(release)
	if sum := <-done; sum.Delivered != 12 || peak.Load() != 3 {
		t.Fatalf("summary %+v, peak %d in flight: want 12 delivered, never more than 3 at once", sum, peak.Load())
	}
}

func TestRunStopsWithTheContext(t *testing.T) {
	srv, _ := endpoint(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	led := newFakeLedger()
	sum, err := Run(ctx, items(srv.URL, 5), Options{Secret: secret, Ledger: led})
	if !errors.Is(err, context.Canceled) || sum.Delivered+sum.Failed != len(led.got) {
		t.Fatalf("summary %+v, %v; ledger has %d: an interrupted run records only answers", sum, err, len(led.got))
	}
}
