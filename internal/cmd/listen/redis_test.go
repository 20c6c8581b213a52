package listen_test

import (
	"fmt"
	"testing"

	"github.com/kwh-cli/kwh/internal/apptest"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/store/redisstore/redistest"
)

// Two replicas, one Redis, one app: every event sent three times, the
// copies alternating between the replicas, reaches the app once; kwh inbox
// reads the shared store through the same URL.
func TestTwoReplicasOneRedis(t *testing.T) {
	srv := redistest.Start(t)
	h := apptest.New(t, apptest.Seed(t))
	a := newApp(t)
	replicas := []*receiver{start(t, h, srv.URL(), "--forward", a.URL), start(t, h, srv.URL(), "--forward", a.URL)}
	for _, r := range replicas {
		defer r.Stop()
	}
	const events = 20
	for i := range events {
		for k := range 3 { // the first copy goes to replica i%2, which forwards it
			body, hdr := signedPush(t, fmt.Sprintf("5f1c2e00-0000-0000-0000-%012d", i), "order.opened", fmt.Sprint(i))
			if code := post(t, replicas[(i+k)%2].url, body, hdr); code != 200 {
				t.Fatalf("event %d copy %d: %d", i, k, code)
			}
		}
	}
	for _, r := range replicas {
		r.waitFor(listen.KindForwarded, events/2)
	}
	if got := len(a.received()); got != events {
		t.Fatalf("the app got %d events, want %d (no duplicates)", got, events)
	}
	res := h.Run("inbox", "list", "--store", srv.URL(), "-o", "json", "--jq", "length")
	if res.Code != 0 || res.Stdout != fmt.Sprintf("%d\n", events) {
		t.Fatalf("inbox list on the Redis store: exit %d %q %s", res.Code, res.Stdout, res.Stderr)
	}
}
