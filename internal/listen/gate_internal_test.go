package listen

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/store/boltstore"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// heldStore holds every Accept until released, counting how many are in at once.
type heldStore struct {
	store.ListenStore
	in       chan struct{}
	release  chan struct{}
	cur, max atomic.Int64
}

func (h *heldStore) Accept(a store.Accept) (bool, error) {
	n := h.cur.Add(1)
	for m := h.max.Load(); n > m && !h.max.CompareAndSwap(m, n); m = h.max.Load() {
	}
	h.in <- struct{}{}
	<-h.release
	h.cur.Add(-1)
	return h.ListenStore.Accept(a)
}

func TestIngestGateBoundsPushesInProgress(t *testing.T) {
	for _, tc := range []struct {
		name        string
		slots, sent int
		sync        bool
		wantIn      int // pushes in the store at once before any is released
	}{
		{"two slots, six pushes", 2, 6, false, 2},
		{"unbounded", -1, 6, false, 6},
		{"--sync has no gate", 2, 4, true, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bolt, err := boltstore.Open(filepath.Join(t.TempDir(), "listen.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer bolt.Close()
			st := &heldStore{ListenStore: bolt, in: make(chan struct{}, tc.sent), release: make(chan struct{})}
			r, err := New(Config{Store: st, IngestSlots: tc.slots, Sync: tc.sync})
			if err != nil {
				t.Fatal(err)
			}
			go func() {
				for range r.Events() {
				}
			}()
			var wg sync.WaitGroup
			codes := make([]int, tc.sent)
			for i := range tc.sent {
				body := webhook.Push{EventID: webhook.NewEventID(), Topic: "order.opened", EntityID: "1"}.Marshal()
				wg.Add(1)
				go func() {
					defer wg.Done()
					rec := httptest.NewRecorder()
					r.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body)))
					codes[i] = rec.Code
				}()
			}
			for range tc.wantIn {
				<-st.in
			}
			// The others are parked at the gate, not in the store.
			deadline := time.Now().Add(10 * time.Second)
			for r.gate.waiting.Load() < int64(tc.sent-tc.wantIn) {
				if time.Now().After(deadline) {
					t.Fatalf("%d pushes waiting at the gate, want %d", r.gate.waiting.Load(), tc.sent-tc.wantIn)
				}
				runtime.Gosched()
			}
			if got := st.cur.Load(); got != int64(tc.wantIn) {
				t.Fatalf("%d pushes in the store at once, want %d", got, tc.wantIn)
			}
			close(st.release)
			wg.Wait()
			for i, c := range codes {
				if c != http.StatusOK {
					t.Fatalf("push %d answered %d", i, c)
				}
			}
			if st.max.Load() != int64(tc.wantIn) {
				t.Fatalf("at most %d pushes in the store at once, want %d", st.max.Load(), tc.wantIn)
			}
		})
	}
}
