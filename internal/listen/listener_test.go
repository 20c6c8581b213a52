package listen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/webhook"
)

const testSecret = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"

// sink is the developer's app: it counts what reaches it and answers code.
func sink(t *testing.T, code int) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		n.Add(1)
		w.WriteHeader(code)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// nextKind reads events until one of kind; it fails on a closed channel.
func nextKind(t *testing.T, ch <-chan Event, kind Kind) Event {
	t.Helper()
	return waitKinds(t, ch, kind)[kind]
}

// waitKinds reads events until it has seen each kind (in any order) and
// returns the first of each; it fails on a closed channel or a stall.
func waitKinds(t *testing.T, ch <-chan Event, kinds ...Kind) map[Kind]Event {
	t.Helper()
	got := map[Kind]Event{}
	for len(got) < len(kinds) {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatalf("events closed before %v", kinds)
			}
			if _, dup := got[e.Kind]; !dup && slices.Contains(kinds, e.Kind) {
				got[e.Kind] = e
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no %v event after 10 s", kinds)
		}
	}
	return got
}

func signedPush(id, topic string) ([]byte, http.Header) {
	body := webhook.Push{EventID: id, Topic: topic, EntityID: "1", Timestamp: "2026-11-20T12:00:00.000Z"}.Marshal()
	return body, webhook.SignedHeaders(testSecret, webhook.Context{Tenant: "1"}, body, time.Now())
}

func TestListenerLifecycle(t *testing.T) {
	app, got := sink(t, http.StatusOK)
	dir := t.TempDir()
	l, err := Start(Config{Addr: "127.0.0.1:0", StoreDir: dir, Secret: testSecret, Forward: []string{app.URL}})
	if err != nil {
		t.Fatal(err)
	}
	ready := nextKind(t, l.Events(), KindReady)
	if ready.URL == "" || ready.Store != dir || !ready.Verified {
		t.Fatalf("ready = %+v", ready)
	}
	if _, err := os.Stat(filepath.Join(dir, AdminFile)); err != nil {
		t.Fatalf("no admin file while running: %v", err)
	}
	body, h := signedPush("5f1c2e00-0000-0000-0000-000000000001", "order.opened")
	for range 2 {
		req, _ := http.NewRequest(http.MethodPost, ready.URL+"/", bytes.NewReader(body))
		req.Header = h.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("push answered %d", resp.StatusCode)
		}
	}
	waitKinds(t, l.Events(), KindForwarded, KindDuplicate) // either may come first

	in, err := OpenInbox(dir) // through the admin API: the store file is held
	if err != nil {
		t.Fatal(err)
	}
	ds, err := in.Inbox(store.InboxQuery{})
	if err != nil || len(ds) != 1 || ds[0].Duplicates != 1 {
		t.Fatalf("inbox while running: %d entries, %v", len(ds), err)
	}
	in.Close()

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Run(ctx); err != nil {
		t.Fatal(err)
	}
	stopped := nextKind(t, l.Events(), KindStopped)
	if stopped.Pending != 0 || got.Load() != 1 {
		t.Fatalf("stopped with %d pending, app got %d (want 0, 1)", stopped.Pending, got.Load())
	}
	if _, ok := <-l.Events(); ok {
		t.Fatal("events still open after Run returned")
	}
	if _, err := os.Stat(filepath.Join(dir, AdminFile)); !os.IsNotExist(err) {
		t.Fatalf("admin file left behind: %v", err)
	}
	// The store was released: it opens again, and keeps both receipts.
	in, err = OpenInbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if ds, err := in.Inbox(store.InboxQuery{}); err != nil || len(ds) != 1 || ds[0].Duplicates != 1 {
		t.Fatalf("inbox after stop: %d entries, %v", len(ds), err)
	}
}

// TestIngestWithoutHTTP is events tail --forward: no receiver, the pull
// queue feeds the store and forwarder; what stays spooled resumes next time.
func TestIngestWithoutHTTP(t *testing.T) {
	down, _ := sink(t, http.StatusServiceUnavailable)
	dir := t.TempDir()
	cfg := Config{StoreDir: dir, Secret: testSecret, Forward: []string{down.URL}, RetryMin: time.Millisecond, ShutdownGrace: time.Millisecond}
	l, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if ready := nextKind(t, l.Events(), KindReady); ready.URL != "" {
		t.Fatalf("ready URL %q without Addr", ready.URL)
	}
	push := webhook.Push{EventID: "5f1c2e00-0000-0000-0000-000000000002", Topic: "order.opened", EntityID: "2"}
	if dup, err := l.Ingest(push, webhook.Context{}, "pull-queue"); err != nil || dup {
		t.Fatalf("ingest: dup %v, %v", dup, err)
	}
	nextKind(t, l.Events(), KindFailed)
	if dup, err := l.Ingest(push, webhook.Context{}, "pull-queue"); err != nil || !dup {
		t.Fatalf("second ingest: dup %v, %v", dup, err)
	}
	if n := l.Stop(); n != 1 {
		t.Fatalf("%d spooled at stop, want 1", n)
	}

	app, got := sink(t, http.StatusOK)
	cfg.Forward = []string{down.URL, app.URL} // down.URL's spooled forward resumes; app gets nothing old
	cfg.Transport = redirect(down.URL, app.URL)
	l, err = Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Ready comes first: the resumed forward starts only after it, so its
	// forwarded event cannot be passed over while waiting for ready.
	if ready := <-l.Events(); ready.Kind != KindReady || ready.Pending != 1 {
		t.Fatalf("first event %+v, want ready with 1 resumed", ready)
	}
	nextKind(t, l.Events(), KindForwarded)
	l.Stop()
	if got.Load() != 1 {
		t.Fatalf("app got %d, want the resumed forward", got.Load())
	}
}

// redirect sends requests for one server to another (the app came back up
// on a new port).
func redirect(from, to string) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if "http://"+r.URL.Host == from {
			r.URL.Host = to[len("http://"):]
		}
		return http.DefaultTransport.RoundTrip(r)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestObserversSeeEveryEvent(t *testing.T) {
	var mu sync.Mutex
	var seen []Kind
	cfg := Config{StoreDir: t.TempDir(), Observers: []func(Event){func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, e.Kind)
	}}}
	l, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l.Stop()
	var got []Kind
	for e := range l.Events() {
		got = append(got, e.Kind)
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(seen) != fmt.Sprint(got) || len(got) == 0 {
		t.Fatalf("observer saw %v, Events %v", seen, got)
	}
}
