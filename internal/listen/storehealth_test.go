package listen_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/store/boltstore"
)

// fullDisk is a store whose writes fail with ENOSPC while told to.
type fullDisk struct {
	store.ListenStore
	accepts, outcomes atomic.Bool
}

var errNoSpace = &pathError{syscall.ENOSPC}

type pathError struct{ err error }

func (e *pathError) Error() string { return "write listen.db-wal: " + e.err.Error() }
func (e *pathError) Unwrap() error { return e.err }

func (f *fullDisk) Accept(a store.Accept) (bool, error) {
	if f.accepts.Load() {
		return false, errNoSpace
	}
	return f.ListenStore.Accept(a)
}

func (f *fullDisk) Complete(p store.Pending, st store.ForwardState) error {
	if f.outcomes.Load() {
		return errNoSpace
	}
	return f.ListenStore.Complete(p, st)
}

// While the store cannot write, pushes get 503 with Retry-After (not 500),
// /readyz says why, the stream says so once; when it can write again kwh
// recovers without a restart and records the forward it made meanwhile, so
// nothing delivered is sent again.
func TestFullDiskAnswers503AndRecovers(t *testing.T) {
	bolt, err := boltstore.Open(filepath.Join(t.TempDir(), "listen.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer bolt.Close()
	var got atomic.Int32
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		got.Add(1)
	}))
	defer app.Close()
	st := &fullDisk{ListenStore: bolt}
	l, err := listen.Start(listen.Config{Addr: "127.0.0.1:0", Store: st, Forward: []string{app.URL}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Stop()
	url := (<-l.Events()).URL
	until := func(kind listen.Kind) listen.Event {
		t.Helper()
		for e := range l.Events() {
			if e.Kind == listen.KindStoreFailing && kind != e.Kind {
				t.Fatalf("reported failing again: %+v", e)
			}
			if e.Kind == kind {
				return e
			}
		}
		t.Fatalf("events closed before %s", kind)
		return listen.Event{}
	}

	st.outcomes.Store(true)
	if code, _ := send(t, url, "ev-a"); code != http.StatusOK {
		t.Fatalf("push before the disk filled: %d", code)
	}
	if e := until(listen.KindStoreFailing); !strings.Contains(e.Reason, "no space left") {
		t.Fatalf("failing event: %+v", e)
	}
	if code, body := get(t, url+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "no space left") {
		t.Fatalf("/readyz while the store cannot write: %d %q", code, body)
	}
	st.accepts.Store(true)
	for range 3 {
		code, resp := send(t, url, "ev-b")
		if code != http.StatusServiceUnavailable || resp.Get("Retry-After") == "" {
			t.Fatalf("push while the disk is full: %d, Retry-After %q", code, resp.Get("Retry-After"))
		}
	}

	st.accepts.Store(false)
	st.outcomes.Store(false)
	if code, _ := send(t, url, "ev-c"); code != http.StatusOK {
		t.Fatalf("push after space returned: %d", code)
	}
	// Recovered, and the outcome of ev-a's forward recorded: either first.
	for recovered, recorded := false, false; !recovered || !recorded; {
		e, ok := <-l.Events()
		if !ok {
			t.Fatal("events closed")
		}
		switch {
		case e.Kind == listen.KindStoreFailing:
			t.Fatalf("reported failing again: %+v", e)
		case e.Kind == listen.KindStoreRecovered:
			recovered = true
		case e.Kind == listen.KindForwarded && e.EventID == "ev-a":
			recorded = true
		}
	}
	if code, _ := get(t, url+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz after recovery: %d", code)
	}
	ds, err := bolt.Inbox(store.InboxQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.EventID == "ev-a" && !d.Forwards[app.URL].Delivered {
			t.Fatalf("the forward made while the disk was full was not recorded: %+v", d.Forwards)
		}
	}
	if n := got.Load(); n < 1 {
		t.Fatalf("app got %d", n)
	}
}

func send(t *testing.T, url, id string) (int, http.Header) {
	t.Helper()
	resp, err := http.Post(url+"/", "application/json", bytes.NewReader([]byte(`{"eventId":"`+id+`","topic":"order.opened"}`)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// asideStore reports one entry set aside.
type asideStore struct{ store.ListenStore }

func (asideStore) SetAside() ([]store.SetAside, error) {
	return []store.SetAside{{LSN: 7, Reason: "key too large"}}, nil
}

// Entries the store set aside are reported once at start, with the reason.
func TestSetAsideEntriesAreReportedAtStart(t *testing.T) {
	bolt, err := boltstore.Open(filepath.Join(t.TempDir(), "listen.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer bolt.Close()
	l, err := listen.Start(listen.Config{Store: asideStore{bolt}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Stop()
	<-l.Events() // ready
	if e := <-l.Events(); e.Kind != listen.KindSetAside || e.Pending != 1 || !strings.Contains(e.Reason, "key too large") || !strings.Contains(e.Reason, "kwh inbox") {
		t.Fatalf("after ready: %+v", e)
	}
}

// probingStore can check itself (as Redis does) and fails while told to.
type probingStore struct {
	store.ListenStore
	down atomic.Bool
}

func (p *probingStore) Probe() error {
	if p.down.Load() {
		return errors.New("redis store: write: connection refused")
	}
	return nil
}

// A store that can probe itself is asked by /readyz, so readiness follows
// it with no push arriving; while it fails it is probed until it recovers,
// which is reported without a push either.
func TestReadyzProbesTheStore(t *testing.T) {
	bolt, err := boltstore.Open(filepath.Join(t.TempDir(), "listen.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer bolt.Close()
	st := &probingStore{ListenStore: bolt}
	l, err := listen.Start(listen.Config{Addr: "127.0.0.1:0", Store: st})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Stop()
	url := (<-l.Events()).URL
	st.down.Store(true)
	if code, body := get(t, url+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "connection refused") {
		t.Fatalf("/readyz with the store down: %d %q", code, body)
	}
	if e := <-l.Events(); e.Kind != listen.KindStoreFailing {
		t.Fatalf("after readyz failed: %+v", e)
	}
	st.down.Store(false)
	if e := <-l.Events(); e.Kind != listen.KindStoreRecovered {
		t.Fatalf("once the store is back: %+v", e)
	}
	if code, _ := get(t, url+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz once the store is back: %d", code)
	}
}
