package boltstore

import (
	"github.com/kwh-cli/kwh/internal/store"

	"fmt"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkAccept measures durable accepts from 32 concurrent writers, the
// shape of kwh listen under load: go test ./internal/store/boltstore -run '^$' -bench Accept
func BenchmarkAccept(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "listen.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	body := make([]byte, 700)
	hdr := http.Header{"Content-Type": {"application/json"}, "X-Vol-Hmac-Sha256": {"c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2ln"}, "Date": {"Wed, 25 Nov 2026 21:30:09 GMT"}, "X-Vol-Tenant": {"12345"}}
	var n atomic.Int64
	b.SetParallelism(16) // 2 CPUs × 16 = 32 writers
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			d := &store.Delivery{ReceivedAt: time.Now(), EventID: fmt.Sprintf("ev-%d", i), Topic: "order.opened", EntityID: "1", Method: "POST", Path: "/", Host: "h", Remote: "127.0.0.1", Header: hdr.Clone(), Body: body, Targets: []string{"http://127.0.0.1:3000/hooks"}}
			if _, err := s.Accept(store.Accept{Delivery: d, DedupeKey: d.EventID, TTL: time.Hour, MarkSeen: true, Now: d.ReceivedAt}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
