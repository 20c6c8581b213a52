package listen

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/store/boltstore"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// BenchmarkIngest is one signed push through the receiver into the bbolt
// store (verify, parse, dedupe, durable write, 200), many at once so the
// store commits in groups as it does under load. allocs/op and B/op are the
// figures to watch: they do not depend on how busy the machine is.
func BenchmarkIngest(b *testing.B) {
	st, err := boltstore.Open(b.TempDir() + "/listen.db")
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	r, err := New(Config{Store: st, Secret: testSecret})
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		for range r.Events() {
		}
	}()
	distinct := b.N + 1
	bodies := make([][]byte, distinct)
	headers := make([]http.Header, distinct)
	now := time.Now()
	for i := range bodies {
		bodies[i] = webhook.Push{EventID: webhook.NewEventID(), Topic: "order.opened", EntityID: "1", Timestamp: webhook.FormatTimestamp(now)}.Marshal()
		headers[i] = webhook.SignedHeaders(testSecret, webhook.Context{Tenant: "1"}, bodies[i], now)
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) % int64(distinct)
			req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(bodies[i]))
			req.Header = headers[i].Clone()
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("push answered %d: %s", w.Code, w.Body)
			}
		}
	})
}
