package dlq_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/apptest"
)

// BenchmarkRetry replays 10,000 dead deliveries with `kwh dlq retry --all
// --concurrency 16` to a local app that verifies every signature; the ledger
// is a real bbolt file. Run it with
//
//	go test ./internal/cmd/dlq -run '^$' -bench Retry -benchtime 3x
func BenchmarkRetry(b *testing.B) {
	const n = 10_000
	seed := apptest.Seed(b)
	subID := seed.Subscriptions[0]["id"].(string)
	var dead []map[string]any
	for i := range n {
		dead = append(dead, map[string]any{
			"id": 100000 + i, "deliveryStatus": "Failed", "isRunning": false, "retriesRemaining": 0,
			"eventSummary":     map[string]any{"eventId": fmt.Sprintf("%032x", i), "topic": "order.opened", "entityId": fmt.Sprint(i), "tenantId": 12345, "createDate": "2026-11-20T12:00:00Z"},
			"deliveryAttempts": []any{map[string]any{"httpStatus": map[string]any{"code": 500}, "executionDate": "2026-11-20T12:00:00Z"}},
		})
	}
	seed.DeliveryAttempts = map[string][]map[string]any{subID: dead}
	app := newEndpoint(b)
	h := apptest.New(b, seed)
	h.Run("auth", "token")
	var elapsed time.Duration
	for b.Loop() {
		start := time.Now()
		res := h.Run("dlq", "retry", "--all", "--yes", "--force", "--to", app.URL, "--concurrency", "16")
		elapsed += time.Since(start)
		if res.Code != 0 {
			b.Fatalf("exit %d: %s", res.Code, res.Stderr)
		}
	}
	if app.unsigned != 0 {
		b.Fatalf("%d replays failed verification", app.unsigned)
	}
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "events/s")
}
