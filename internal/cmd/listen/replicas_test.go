package listen_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/store/redisstore/redistest"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// laneApp is the app behind several replicas: 503 while down; once up it
// records every arrival (event id, topic, kwh's delivery id) in order.
type laneApp struct {
	down    atomic.Bool
	mu      sync.Mutex
	seen    []arrival
	count   map[string]int
	arrived chan struct{}
}

type arrival struct {
	eventID, topic string
	delivery       uint64
}

func newLaneApp() *laneApp {
	return &laneApp{count: map[string]int{}, arrived: make(chan struct{}, 1)}
}

func (a *laneApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if a.down.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	p, err := webhook.ParsePush(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id, _ := strconv.ParseUint(r.Header.Get("X-Kwh-Delivery-Id"), 10, 64)
	a.mu.Lock()
	a.seen = append(a.seen, arrival{p.EventID, p.Topic, id})
	a.count[p.EventID]++
	a.mu.Unlock()
	select {
	case a.arrived <- struct{}{}:
	default:
	}
}

// waitFor waits until every event in ids reached the app (bounded: a
// failure, not a timing, if it never happens).
func (a *laneApp) waitFor(t *testing.T, ids func() []string) {
	t.Helper()
	deadline := time.After(90 * time.Second)
	for {
		missing := 0
		a.mu.Lock()
		for _, id := range ids() {
			if a.count[id] == 0 {
				missing++
			}
		}
		a.mu.Unlock()
		if missing == 0 {
			return
		}
		select {
		case <-a.arrived:
		case <-deadline:
			t.Fatalf("%d acknowledged events never reached the app", missing)
		}
	}
}

// checkLanes says whether each topic's events reached the app in the order
// the replicas accepted them (kwh's delivery ids grow with each accept,
// across replicas), counting a repeat of an event as a duplicate rather
// than as disorder; it returns how many duplicates the app got.
func (a *laneApp) checkLanes(t *testing.T) int {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	last := map[string]uint64{}
	first := map[string]bool{}
	dups := 0
	for _, s := range a.seen {
		if first[s.eventID] {
			dups++
			continue
		}
		first[s.eventID] = true
		if s.delivery <= last[s.topic] {
			t.Errorf("topic %s: delivery %d reached the app after %d: out of order", s.topic, s.delivery, last[s.topic])
		}
		last[s.topic] = s.delivery
	}
	return dups
}

// startReplica runs a built kwh listen on the shared Redis store.
func startReplica(t *testing.T, bin, store, appURL string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	return startBinary(t, bin, store, appURL, append([]string{"--lease-time", "1s"}, args...)...)
}

// Two replicas (real kwh listen processes) on one Redis, the app down:
// 2,000 events spread across both, one replica SIGKILLed mid-stream, then
// the app up while the events go on (Kibo sends what got no 200 again, to
// the replica left). Every event either replica acknowledged reaches the
// app, in order per topic: the killed replica's lanes went to the other
// when their leases lapsed.
func TestReplicaKilledLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	srv := redistest.Start(t)
	const total, killAfter = 2000, 600
	topics := []string{"order.opened", "order.closed", "shipment.statuschanged", "product.updated", "return.opened", "customer.created"}
	bin := buildKwh(t)
	app := newLaneApp()
	app.down.Store(true)
	appSrv := httptest.NewServer(app)
	defer appSrv.Close()
	procA, urlA := startReplica(t, bin, srv.URL(), appSrv.URL)
	procB, urlB := startReplica(t, bin, srv.URL(), appSrv.URL)

	kibo := newKiboSender(t, total, topics, 10*time.Second)
	var killOnce sync.Once
	kill := func() { // then the app comes up
		killOnce.Do(func() {
			_ = procA.Process.Signal(syscall.SIGKILL)
			_, _ = procA.Process.Wait()
			app.down.Store(false)
		})
	}
	kibo.send([]string{urlA, urlB}, func() {
		if kibo.nAcked.Load() == killAfter {
			go kill()
		}
	})
	kill()
	ackedBeforeRetry := kibo.nAcked.Load()
	kibo.send([]string{urlB}, func() {})
	if kibo.nAcked.Load() != total {
		t.Fatalf("%d of %d acknowledged", kibo.nAcked.Load(), total)
	}
	app.waitFor(t, func() []string { return kibo.eventIDs })
	_ = procB.Process.Signal(syscall.SIGINT)
	if err := procB.Wait(); err != nil {
		t.Errorf("the replica left did not stop cleanly: %v", err)
	}
	dups := app.checkLanes(t)
	if dups > len(topics) {
		t.Errorf("%d duplicates at the app: more than one per lane (%d) in flight at the kill", dups, len(topics))
	}
	t.Logf("%d acknowledged by the two replicas before Kibo's retries, %d in all; the app got %d distinct events, %d duplicates", ackedBeforeRetry, total, len(app.count), dups)
}
