package listen_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/store/boltstore"
)

// newReceiver is a receiver over a fresh store, not serving: tests call
// ServeHTTP directly.
func newReceiver(t *testing.T, cfg listen.Config) (*listen.Receiver, store.ListenStore) {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "listen.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg.Store = st
	r, err := listen.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for range r.Events() {
		}
	}()
	return r, st
}

func pushTo(r http.Handler, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader([]byte(body))))
	return rec
}

// An eventId that is not a plausible Kibo id is refused before the ack, with
// the reason, and nothing is stored (a 40 kB one once broke the store).
func TestImplausibleEventIDIsRefusedAndNotStored(t *testing.T) {
	tests := []struct{ name, id, reason string }{
		{"over bbolt's key limit", strings.Repeat("x", 40000), "40000 bytes long"},
		{"over the documented bound", strings.Repeat("x", 129), "at most 128"},
		{"invalid UTF-8", "\xffzz", "not valid UTF-8"},
		{"spaces", " order-abc ", "printable ASCII"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, st := newReceiver(t, listen.Config{})
			rec := pushTo(r, `{"eventId":"`+tt.id+`","topic":"order.opened"}`)
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), tt.reason) {
				t.Fatalf("got %d %q, want 400 saying %q", rec.Code, rec.Body.String(), tt.reason)
			}
			if ds, err := st.Inbox(store.InboxQuery{}); err != nil || len(ds) != 0 {
				t.Fatalf("inbox after a refused push: %d entries, %v", len(ds), err)
			}
		})
	}
}

// Only Kibo's two GUID spellings are one event; other ids are compared
// exactly, so none of these is taken for a duplicate of another.
func TestDistinctIDsAreNotDuplicates(t *testing.T) {
	r, st := newReceiver(t, listen.Config{})
	ids := []string{"Order-ABC", "order-abc", "ORDER-abc", "5f1c2e00-0000-0000-0000-000000000001"}
	for _, id := range ids {
		if rec := pushTo(r, `{"eventId":"`+id+`","topic":"order.opened"}`); rec.Code != http.StatusOK {
			t.Fatalf("%q: %d %s", id, rec.Code, rec.Body)
		}
	}
	pushTo(r, `{"eventId":"5f1c2e00000000000000000000000001","topic":"order.opened"}`)
	ds, err := st.Inbox(store.InboxQuery{})
	if err != nil {
		t.Fatal(err)
	}
	dups := 0
	for _, d := range ds {
		dups += d.Duplicates
	}
	if dups != 1 {
		t.Fatalf("%d duplicates among %d entries, want 1 (the undashed GUID)", dups, len(ds))
	}
}
