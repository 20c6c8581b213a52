package listen

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// orderApp is the developer's app for ordering tests: it records, per key
// the order promises to keep, the sequence numbers it got and how many
// requests of that key were in flight at once; and overall the most in
// flight at once. Requests wait at a gate until gateAt are in flight (or
// the test ends), which shows that many lanes really do run together.
type orderApp struct {
	t      *testing.T
	key    func(topic, entity string) string
	gateAt int
	gate   chan struct{}
	quit   chan struct{}

	mu         sync.Mutex
	inFlight   int
	maxFlight  int
	perKey     map[string]int
	overlapped []string
	seqs       map[string][]int
	got        int
	all        chan struct{}
	want       int
}

func newOrderApp(t *testing.T, key func(topic, entity string) string, gateAt, want int) (*orderApp, string) {
	a := &orderApp{t: t, key: key, gateAt: gateAt, gate: make(chan struct{}), quit: make(chan struct{}),
		perKey: map[string]int{}, seqs: map[string][]int{}, all: make(chan struct{}), want: want}
	srv := httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(func() { close(a.quit); srv.Close() })
	return a, srv.URL
}

func (a *orderApp) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	p, err := webhook.ParsePush(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	k := a.key(p.Topic, p.EntityID)
	a.mu.Lock()
	a.inFlight++
	a.maxFlight = max(a.maxFlight, a.inFlight)
	if a.perKey[k]++; a.perKey[k] > 1 {
		a.overlapped = append(a.overlapped, k)
	}
	if a.inFlight == a.gateAt {
		close(a.gate)
	}
	a.mu.Unlock()
	select {
	case <-a.gate:
	case <-a.quit:
	}
	seq, _ := strconv.Atoi(p.EventID[strings.LastIndexByte(p.EventID, '-')+1:])
	a.mu.Lock()
	a.inFlight--
	a.perKey[k]--
	a.seqs[k] = append(a.seqs[k], seq)
	if a.got++; a.got == a.want {
		close(a.all)
	}
	a.mu.Unlock()
}

// waitAll waits until every event reached the app (or fails after a while:
// a stall, not a timing).
func (a *orderApp) waitAll() {
	a.t.Helper()
	select {
	case <-a.all:
	case <-time.After(20 * time.Second):
		a.mu.Lock()
		defer a.mu.Unlock()
		a.t.Fatalf("the app got %d of %d events; %d in flight at most (gate at %d)", a.got, a.want, a.maxFlight, a.gateAt)
	}
}

// startIngest starts a listener without HTTP (as events tail --forward
// does) with cfg, waiting until it is ready.
func startIngest(t *testing.T, cfg Config) *Listener {
	t.Helper()
	cfg.StoreDir, cfg.Secret, cfg.RetryMin = t.TempDir(), testSecret, time.Millisecond
	l, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Stop() })
	go func() {
		for range l.Events() { // keep the display drained
		}
	}()
	return l
}

func ingest(t *testing.T, l *Listener, seq int, topic, entity string) {
	t.Helper()
	id := fmt.Sprintf("5f1c2e00-0000-0000-0000-%012d", seq)
	if _, err := l.Ingest(webhook.Push{EventID: id, Topic: topic, EntityID: entity, Timestamp: "2026-11-20T12:00:00.000Z"}, webhook.Context{Tenant: "1"}, "test"); err != nil {
		t.Fatal(err)
	}
}

// TestForwardOrder: each --order keeps its promise (events of one key
// reach the app one at a time, in the order received) while as many lanes
// as it allows run at once, within --forward-concurrency.
func TestForwardOrder(t *testing.T) {
	topics := []string{"order.opened", "order.closed", "shipment.created"}
	const entities, perKey, pool = 6, 4, 8
	tests := []struct {
		order  Order
		key    func(topic, entity string) string // what must stay in order
		gateAt int                               // in flight at once, shown
	}{
		{OrderTopic, func(topic, _ string) string { return topic }, len(topics)},
		{OrderEntity, func(topic, entity string) string { return topic + "/" + entity }, pool},
		{OrderNone, func(string, string) string { return "" }, pool},
	}
	for _, tt := range tests {
		t.Run(string(tt.order), func(t *testing.T) {
			want := len(topics) * entities * perKey
			app, url := newOrderApp(t, tt.key, tt.gateAt, want)
			var reportsMu sync.Mutex
			reports := map[string][]int{} // forwarded events, per key, as reported
			l := startIngest(t, Config{Forward: []string{url}, Order: tt.order, ForwardConcurrency: pool,
				Observers: []func(Event){func(e Event) {
					if e.Kind == KindForwarded {
						seq, _ := strconv.Atoi(e.EventID[strings.LastIndexByte(e.EventID, '-')+1:])
						reportsMu.Lock()
						reports[tt.key(e.Topic, e.EntityID)] = append(reports[tt.key(e.Topic, e.EntityID)], seq)
						reportsMu.Unlock()
					}
				}}})
			seq := 0
			for range perKey {
				for e := range entities {
					for _, topic := range topics {
						seq++
						ingest(t, l, seq, topic, strconv.Itoa(e))
					}
				}
			}
			app.waitAll()
			app.mu.Lock()
			defer app.mu.Unlock()
			if app.maxFlight > pool {
				t.Errorf("%d forwards in flight at once, over --forward-concurrency %d", app.maxFlight, pool)
			}
			if tt.order == OrderNone {
				return
			}
			if len(app.overlapped) > 0 {
				t.Errorf("forwards of one lane overlapped: %v", app.overlapped)
			}
			for k, seqs := range app.seqs {
				if !slices.IsSorted(seqs) {
					t.Errorf("%s: received out of order: %v", k, seqs)
				}
			}
			l.Stop() // every forward is reported by now
			reportsMu.Lock()
			defer reportsMu.Unlock()
			for k, seqs := range reports {
				if !slices.IsSorted(seqs) {
					t.Errorf("%s: forwarded events reported out of order: %v", k, seqs)
				}
			}
		})
	}
}

// TestForwardPoolBound: however many lanes have work, no more than
// --forward-concurrency forwards are in flight. The app holds every request
// until the test lets one go, once the pool is full.
func TestForwardPoolBound(t *testing.T) {
	const pool, total = 3, 24
	var mu sync.Mutex
	inFlight, maxFlight := 0, 0
	arrived, release := make(chan struct{}, total), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		inFlight++
		maxFlight = max(maxFlight, inFlight)
		mu.Unlock()
		arrived <- struct{}{}
		<-release
		mu.Lock()
		inFlight--
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	l := startIngest(t, Config{Forward: []string{srv.URL}, Order: OrderNone, ForwardConcurrency: pool})
	for i := range total {
		ingest(t, l, i+1, "order.opened", strconv.Itoa(i))
	}
	held := 0
	for done := 0; done < total; done++ {
		for held < min(pool, total-done) {
			select {
			case <-arrived:
				held++
			case <-time.After(20 * time.Second):
				t.Fatalf("%d forwards in flight, want %d: the pool does not fill", held, min(pool, total-done))
			}
		}
		release <- struct{}{}
		held--
	}
	mu.Lock()
	defer mu.Unlock()
	if maxFlight != pool {
		t.Errorf("%d forwards in flight at most, want --forward-concurrency %d", maxFlight, pool)
	}
}

// TestRetryHoldsNoWorker: with one worker, an app failing one entity does
// not stop the others: the failing lane waits for its retry without the
// worker, and other lanes go on.
func TestRetryHoldsNoWorker(t *testing.T) {
	var mu sync.Mutex
	var delivered []string
	others := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p, _ := webhook.ParsePush(body)
		if p.EntityID == "down" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if delivered = append(delivered, p.EntityID); len(delivered) == 5 {
			close(others)
		}
	}))
	t.Cleanup(srv.Close)
	l := startIngest(t, Config{Forward: []string{srv.URL}, Order: OrderEntity, ForwardConcurrency: 1,
		Backoff: func(int) time.Duration { return time.Hour }})
	ingest(t, l, 1, "order.opened", "down")
	for i := range 5 {
		ingest(t, l, i+2, "order.opened", strconv.Itoa(i))
	}
	select {
	case <-others:
	case <-time.After(20 * time.Second):
		t.Fatalf("other lanes stalled behind a lane waiting to retry: delivered %v", delivered)
	}
}

// TestMaxBacklog: at --max-backlog, pushes get 503 with Retry-After before
// anything is stored and /readyz says why; once the app has drained the
// backlog, pushes get 200 again and /readyz says ready, with the backlog.
func TestMaxBacklog(t *testing.T) {
	const limit = 3
	release := make(chan struct{})
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		<-release
	}))
	t.Cleanup(app.Close)
	l, err := Start(Config{Addr: "127.0.0.1:0", StoreDir: t.TempDir(), Secret: testSecret, Forward: []string{app.URL}, MaxBacklog: limit})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Stop() })
	url := nextKind(t, l.Events(), KindReady).URL
	push := func(seq int) *http.Response {
		t.Helper()
		body, h := signedPush(fmt.Sprintf("5f1c2e00-0000-0000-0000-%012d", seq), "order.opened")
		req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(string(body)))
		req.Header = h
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	readyz := func() (int, string) {
		t.Helper()
		resp, err := http.Get(url + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for i := range limit {
		if resp := push(i + 1); resp.StatusCode != http.StatusOK {
			t.Fatalf("push %d under the limit answered %d", i+1, resp.StatusCode)
		}
	}
	resp := push(limit + 1)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("push at the limit: %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if code, body := readyz(); code != http.StatusServiceUnavailable || !strings.Contains(body, "backlog 3") {
		t.Errorf("/readyz at the limit: %d %q", code, body)
	}
	close(release)
	for range limit {
		nextKind(t, l.Events(), KindForwarded) // reported once out of the backlog
	}
	if code, body := readyz(); code != http.StatusOK || !strings.HasPrefix(body, "ready: backlog 0") {
		t.Errorf("/readyz after draining: %d %q", code, body)
	}
	if resp := push(limit + 1); resp.StatusCode != http.StatusOK {
		t.Errorf("the refused push sent again after draining: %d, want 200", resp.StatusCode)
	}
}

// TestBacklogOldest: the backlog counts forwards (a delivery with two
// targets is two) and its oldest is the smallest id still pending, however
// lanes finish.
func TestBacklogOldest(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	var b backlog
	b.init()
	steps := []struct {
		add, done uint64
		wantN     int
		wantFirst uint64
	}{
		{add: 1, wantN: 1, wantFirst: 1},
		{add: 2, wantN: 2, wantFirst: 1},
		{add: 2, wantN: 3, wantFirst: 1}, // a second target
		{add: 3, wantN: 4, wantFirst: 1},
		{done: 2, wantN: 3, wantFirst: 1},
		{done: 1, wantN: 2, wantFirst: 2},
		{done: 2, wantN: 1, wantFirst: 3},
		{done: 3, wantN: 0, wantFirst: 0},
		{done: 3, wantN: 0, wantFirst: 0}, // not pending: ignored
	}
	for i, s := range steps {
		if s.add != 0 {
			b.add(s.add, t0.Add(time.Duration(s.add)*time.Second))
		}
		if s.done != 0 {
			b.done(s.done)
		}
		id, at := b.first()
		if b.count() != s.wantN || id != s.wantFirst || (id != 0 && !at.Equal(t0.Add(time.Duration(id)*time.Second))) {
			t.Errorf("step %d: %d pending, first %d at %v; want %d, %d", i, b.count(), id, at, s.wantN, s.wantFirst)
		}
	}
}

// TestMayRunParksLanes: a lane Config.MayRun refuses (a lease another
// replica holds) waits without a worker while other lanes go on, and runs
// once allowed and woken.
func TestMayRunParksLanes(t *testing.T) {
	var allowB sync.Mutex // held: lane B may not run
	allowB.Lock()
	var asked []Lane
	forwarded := make(chan string, 4)
	var firstBacklog int
	l := startIngest(t, Config{Forward: []string{mustSink(t)}, Order: OrderEntity, ForwardConcurrency: 1,
		MayRun: func(k Lane) bool {
			asked = append(asked, k) // one worker: no race
			if k.EntityID != "B" {
				return true
			}
			if !allowB.TryLock() {
				return false
			}
			allowB.Unlock()
			return true
		},
		Observers: []func(Event){func(e Event) {
			if e.Kind == KindForwarded {
				if e.EntityID == "A" {
					firstBacklog = e.Backlog // read after the channel send below
				}
				forwarded <- e.EntityID
			}
		}}})
	ingest(t, l, 1, "order.opened", "B")
	ingest(t, l, 2, "order.opened", "A")
	if got := waitString(t, forwarded); got != "A" {
		t.Fatalf("first forwarded %q, want A (B's lane is not this replica's)", got)
	}
	if b := l.Backlog(); b.Forwards != 1 || firstBacklog != 1 {
		t.Errorf("backlog %+v, on A's forwarded event %d; want B's forward alone", b, firstBacklog)
	}
	allowB.Unlock()
	l.WakeLanes()
	if got := waitString(t, forwarded); got != "B" {
		t.Fatalf("forwarded %q after waking, want B", got)
	}
	want := LaneKey(OrderEntity, asked[0].Target, "order.opened", "B", 0)
	if asked[0] != want {
		t.Errorf("MayRun asked about %+v, want %+v", asked[0], want)
	}
}

func mustSink(t *testing.T) string {
	srv, _ := sink(t, http.StatusOK)
	return srv.URL
}

func waitString(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(20 * time.Second):
		t.Fatal("nothing forwarded after 20 s")
		return ""
	}
}

// TestLaneKeyString: lanes that differ have different strings, whatever
// their fields hold.
func TestLaneKeyString(t *testing.T) {
	lanes := []Lane{
		LaneKey(OrderTopic, "http://a/", "order.opened", "1", 7),
		LaneKey(OrderEntity, "http://a/", "order.opened", "1", 7),
		LaneKey(OrderEntity, "http://a/", "order.opened", "11", 7),
		LaneKey(OrderEntity, "http://a/", "order.opened1", "1", 7),
		LaneKey(OrderNone, "http://a/", "order.opened", "1", 7),
		LaneKey(OrderNone, "http://a/", "order.opened", "1", 8),
		{Target: "http://a/1:", Topic: "x"},
		{Target: "http://a/", Topic: "1:x"},
	}
	seen := map[string]Lane{}
	for _, l := range lanes {
		if prev, dup := seen[l.String()]; dup {
			t.Errorf("%+v and %+v share the string %q", prev, l, l.String())
		}
		seen[l.String()] = l
	}
	if LaneKey(OrderTopic, "t", "x", "1", 7) != LaneKey(OrderTopic, "t", "x", "2", 8) {
		t.Error("topic order: one lane per target and topic, whatever the entity")
	}
}

// TestForwardingProgressesUnderFlood: while pushes keep arriving as fast as
// several senders can post them, forwards keep reaching the app: the senders
// stop once the app has counted enough forwards, which must happen long
// before they run out of pushes to send. No timing: only counts.
func TestForwardingProgressesUnderFlood(t *testing.T) {
	const senders, wantForwards, maxPushes = 8, 150, 20000
	for _, order := range []Order{OrderTopic, OrderEntity} {
		t.Run(string(order), func(t *testing.T) {
			app, forwards := sink(t, http.StatusOK)
			l, err := Start(Config{Addr: "127.0.0.1:0", StoreDir: t.TempDir(), Secret: testSecret, Forward: []string{app.URL}, Order: order})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Stop() })
			url := nextKind(t, l.Events(), KindReady).URL
			go func() {
				for range l.Events() {
				}
			}()
			topics := []string{"order.opened", "order.closed", "shipment.created", "return.opened", "product.updated", "customeraccount.created"}
			var sent, acked atomic.Int64
			var wg sync.WaitGroup
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
			for s := range senders {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for forwards.Load() < wantForwards {
						n := sent.Add(1)
						if n > maxPushes {
							return
						}
						id := fmt.Sprintf("5f1c2e00-0000-0000-%04d-%012d", s, n)
						body := webhook.Push{EventID: id, Topic: topics[n%int64(len(topics))], EntityID: strconv.FormatInt(n%50, 10), Timestamp: "2026-11-20T12:00:00.000Z"}.Marshal()
						req, _ := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(body))
						req.Header = webhook.SignedHeaders(testSecret, webhook.Context{Tenant: "1"}, body, time.Now())
						resp, err := client.Do(req)
						if err != nil {
							t.Error(err)
							return
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode == http.StatusOK {
							acked.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			if got := forwards.Load(); got < wantForwards {
				t.Fatalf("forwarding starved: %d forwards reached the app while %d pushes were acknowledged", got, acked.Load())
			}
			t.Logf("%d forwards reached the app while %d pushes were acknowledged", forwards.Load(), acked.Load())
		})
	}
}

// slowRecords is a store whose Complete waits until the test lets it:
// forward outcomes stuck behind a long group commit.
type slowRecords struct {
	store.ListenStore
	entered chan string // the topic of each Complete that started waiting
	topics  sync.Map    // delivery id → topic
	let     chan struct{}
}

func (s *slowRecords) Accept(a store.Accept) (bool, error) {
	dup, err := s.ListenStore.Accept(a)
	s.topics.Store(a.Delivery.ID, a.Delivery.Topic)
	return dup, err
}

func (s *slowRecords) Complete(p store.Pending, st store.ForwardState) error {
	topic, _ := s.topics.Load(p.DeliveryID)
	s.entered <- topic.(string)
	<-s.let
	return s.ListenStore.Complete(p, st)
}

// TestLaneRunsAheadOfItsRecords: a lane sends its next event while the last
// one's outcome is still being written, up to MaxUnrecorded (one on a store
// replicas share, so a handover resends at most one per lane); then it
// waits, holding no worker (another lane goes on), and resumes as records land.
func TestLaneRunsAheadOfItsRecords(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mayRun func(Lane) bool
		ahead  int
	}{
		{"a store this process alone holds", nil, MaxUnrecorded},
		{"a store replicas share", func(Lane) bool { return true }, 1},
	} {
		t.Run(tc.name, func(t *testing.T) { laneRunsAhead(t, tc.mayRun, tc.ahead) })
	}
}

func laneRunsAhead(t *testing.T, mayRun func(Lane) bool, ahead int) {
	app, got := sink(t, http.StatusOK)
	st := &slowRecords{ListenStore: openBolt(t), entered: make(chan string, 64), let: make(chan struct{})}
	l := startIngest(t, Config{Store: st, Forward: []string{app.URL}, Order: OrderTopic, ForwardConcurrency: 1, MayRun: mayRun})
	release := sync.OnceFunc(func() { close(st.let) })
	t.Cleanup(release) // before the listener stops: it waits for its records
	total := ahead + 5
	for i := range total {
		ingest(t, l, i+1, "order.opened", "1")
	}
	waitEntered := func(n int) map[string]int {
		t.Helper()
		seen := map[string]int{}
		for range n {
			select {
			case topic := <-st.entered:
				seen[topic]++
			case <-time.After(20 * time.Second):
				t.Fatalf("records waiting: %v, want %d", seen, n)
			}
		}
		return seen
	}
	waitEntered(ahead)
	if n := got.Load(); n != int32(ahead) {
		t.Fatalf("the app got %d events with every record pending, want %d", n, ahead)
	}
	ingest(t, l, total+1, "order.closed", "1") // another lane: the one worker is free
	if seen := waitEntered(1); seen["order.closed"] != 1 {
		t.Fatalf("another lane's forward did not go while the first waited for its records: %v", seen)
	}
	release()
	waitEntered(total - ahead)
	if n := got.Load(); n != int32(total+1) {
		t.Errorf("the app got %d events, want %d", n, total+1)
	}
}
