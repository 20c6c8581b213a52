package listen

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/store/boltstore"
	"github.com/kwh-cli/kwh/internal/webhook"
)

func TestPacingDecision(t *testing.T) {
	flood := paceSample{idle: 0.02, self: 1.2, backlog: 5000, grew: true, oldest: time.Second, delivered: 4000}
	with := func(f func(*paceSample)) paceSample { s := flood; f(&s); return s }
	for _, tc := range []struct {
		name string
		on   bool // pacing before the tick
		s    paceSample
		want bool
		rate float64
	}{
		{"a flood saturates the CPU and forwards fall behind", false, flood, true, 3600},
		{"the CPU has room: a slow app, not the flood, is behind", false, with(func(s *paceSample) { s.idle = 0.5 }), false, 0},
		{"the app takes nothing (down or failing): pacing cannot help", false, with(func(s *paceSample) { s.delivered = 0 }), false, 0},
		{"the backlog shrinks", false, with(func(s *paceSample) { s.grew = false }), false, 0},
		{"forwards are recent", false, with(func(s *paceSample) { s.oldest = 100 * time.Millisecond }), false, 0},
		{"kwh takes little CPU: something else saturates the machine", false, with(func(s *paceSample) { s.self = 0.1 }), false, 0},
		{"kwh between its thresholds: kept on", true, with(func(s *paceSample) { s.self = 0.3 }), true, 3600},
		{"kwh under a quarter of a CPU: off", true, with(func(s *paceSample) { s.self = 0.2 }), false, 0},
		{"between the thresholds: not started", false, with(func(s *paceSample) { s.idle = 0.1 }), false, 0},
		{"between the thresholds: kept on", true, with(func(s *paceSample) { s.idle = 0.1; s.grew = false }), true, 3600},
		{"kept on while the oldest drains to half the age", true, with(func(s *paceSample) { s.oldest = 300 * time.Millisecond }), true, 3600},
		{"off once the oldest is recent", true, with(func(s *paceSample) { s.oldest = 200 * time.Millisecond }), false, 0},
		{"off once the CPU has room", true, with(func(s *paceSample) { s.idle = 0.2 }), false, 0},
		{"off once the app takes nothing", true, with(func(s *paceSample) { s.delivered = 0 }), false, 0},
		{"never under one push a second", false, with(func(s *paceSample) { s.delivered = 0.5 }), true, 1},
	} {
		on, rate := pacing(tc.on, tc.s)
		if on != tc.want || rate != tc.rate {
			t.Errorf("%s: pacing = %v at %v/s, want %v at %v/s", tc.name, on, rate, tc.want, tc.rate)
		}
	}
}

// While paced, a push waits its turn (stop lets it go at once); the listen
// screen is told when pacing starts and ends, and why.
func TestPacerHoldsPushesAndSaysSo(t *testing.T) {
	var said []Event
	p := newPacer(nil, nil, func(e Event) { said = append(said, e) })
	p.wait() // not pacing: no wait
	p.step(paceSample{idle: 0.01, self: 1, backlog: 900, grew: true, oldest: 1500 * time.Millisecond, delivered: 1})
	if len(said) != 1 || said[0].Kind != KindPacing || !strings.Contains(said[0].Reason, "pacing acknowledgements to 1/s") || !strings.Contains(said[0].Reason, "99% busy") {
		t.Fatalf("pacing started, said %+v", said)
	}
	p.wait() // the burst's one token
	done := make(chan struct{})
	go func() { p.wait(); close(done) }() // a second the next turn: held
	for p.paced.Load() == 0 {
		runtime.Gosched()
	}
	p.stop()
	<-done
	p.step(paceSample{idle: 0.5, backlog: 10, oldest: time.Millisecond, delivered: 100})
	if len(said) != 2 || said[1].Kind != KindPacingEnded || p.on.Load() {
		t.Fatalf("pacing ended, said %+v", said)
	}
	p.wait() // not pacing again
	if n := p.paced.Load(); n != 1 {
		t.Errorf("%d pushes paced, want 1", n)
	}
}

// openBolt is a bbolt listen store in the test's directory.
func openBolt(t *testing.T) *boltstore.Store {
	t.Helper()
	bolt, err := boltstore.Open(filepath.Join(t.TempDir(), StoreFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bolt.Close() })
	return bolt
}

// floodedReceiver is a receiver on a bbolt store with pacing on, as under a
// flood: acks paced at 0.9 × 2,000/s.
func floodedReceiver(t *testing.T, cfg Config) *Receiver {
	t.Helper()
	cfg.Store, cfg.PaceAcks = openBolt(t), true
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for range r.Events() {
		}
	}()
	r.pace.step(paceSample{idle: 0.01, self: 1.5, backlog: 5000, grew: true, oldest: time.Second, delivered: 2000})
	if !r.pace.on.Load() {
		t.Fatal("pacing did not start")
	}
	return r
}

// Without CPU figures (not Linux) there is no pacer; on Linux they read.
func TestPacerNeedsCPUFigures(t *testing.T) {
	cpu := machineCPU()
	if runtime.GOOS != "linux" {
		if cpu != nil {
			t.Fatal("CPU figures off Linux")
		}
		return
	}
	c, ok := cpu()
	if !ok || c.total == 0 || c.idle > c.total || c.self <= 0 {
		t.Fatalf("machineCPU on Linux = %+v, %v", c, ok)
	}
}

func TestPacerOnlyWherePushesAreAnswered(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want bool
	}{
		{Config{PaceAcks: true}, true},
		{Config{PaceAcks: true, Sync: true}, false}, // the sender waits for the app already
		{Config{}, false},
	} {
		tc.cfg.Store = openBolt(t)
		r, err := New(tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.pace != nil; got != (tc.want && runtime.GOOS == "linux") {
			t.Errorf("%+v: paced %v, want %v (on Linux)", tc.cfg, got, tc.want)
		}
	}
}

// Ticks whose CPU figures cannot be read (out of file descriptors under
// a flood) are skipped while they are few; paceStaleTicks in a row end
// pacing, and say so: never held on figures that old. The pacer goes on
// sampling, from a fresh start, and paces again once they can be read.
func TestPacerRidesOutUnreadableFigures(t *testing.T) {
	var p *pacer
	// Readable (true) or not at each tick: one gap while paced, then a
	// long one, then readable again.
	readings := []bool{true, true, false, true}
	for range paceStaleTicks {
		readings = append(readings, false)
	}
	readings = append(readings, true, true)
	n := 0
	at := time.Unix(0, 0)
	cpu := func() (cpuTimes, bool) {
		n++
		if n >= len(readings) {
			p.stop()
		}
		at = at.Add(paceTick)
		// Saturated: no idle time, kwh takes a CPU.
		return cpuTimes{total: uint64(100 * n), self: time.Duration(n) * paceTick, at: at}, n <= len(readings) && readings[n-1]
	}
	state := func() paceState { // a backlog that grows while the app takes 500 forwards a second
		return paceState{backlog: 10 * n, oldest: time.Second, delivered: int64(100 * n)}
	}
	var said []string
	p = newPacer(cpu, state, func(e Event) { said = append(said, fmt.Sprintf("%s@%d", e.Kind, n)) })
	p.tick = time.Millisecond
	p.run()
	// Paced from the second reading at 0.9 of the app's rate (the first
	// tick seeds it), through the short gap; ended at the fifth unreadable
	// tick in a row; paced again only from the second reading after it,
	// the first being a fresh start.
	stale := 4 + paceStaleTicks
	want := []string{"pacing@2", fmt.Sprintf("pacingEnded@%d", stale), fmt.Sprintf("pacing@%d", stale+2)}
	if !slices.Equal(said, want) {
		t.Fatalf("said %v, want %v", said, want)
	}
	if p.on.Load() {
		t.Fatal("still pacing after stop")
	}
	p.wait() // not held
}

// The pace follows the app from the first tick, not from zero.
func TestPaceStartsAtTheAppsRate(t *testing.T) {
	p := newPacer(nil, nil, func(Event) {})
	p.step(paceSample{idle: 0, self: 1, grew: true, oldest: time.Second, delivered: 1000})
	if got := float64(p.lim.Limit()); got != paceShare*1000 {
		t.Fatalf("paced at %.0f/s, want %.0f/s", got, paceShare*1000)
	}
}

// Through the receiver: while paced, pushes wait their turn and every one
// is still stored, acknowledged 200 and forwarded; none is refused.
func TestPacedPushesAreAllTakenAndForwarded(t *testing.T) {
	var got atomic.Int32
	all := make(chan struct{})
	const sent = 40
	app := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		if got.Add(1) == sent {
			close(all)
		}
	}))
	defer app.Close()
	r := floodedReceiver(t, Config{Forward: []string{app.URL}})
	var wg sync.WaitGroup
	codes := make([]int, sent)
	for i := range sent {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := webhook.Push{EventID: webhook.NewEventID(), Topic: "order.opened", EntityID: "1"}.Marshal()
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body)))
			codes[i] = rec.Code
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Fatalf("push %d answered %d while paced", i, c)
		}
	}
	if r.pace.paced.Load() == 0 {
		t.Error("no push waited its turn")
	}
	<-all // every one forwarded
	r.fwd.stop(time.Minute)
}

// While paced, pushes that are not Kibo's (a forged signature) or not a
// push (signed, but not JSON) are refused at once: they never take a turn
// from real ones.
func TestPacingSkipsRefusedPushes(t *testing.T) {
	r := floodedReceiver(t, Config{Secret: testSecret})
	now := time.Now()
	forged := webhook.Push{EventID: webhook.NewEventID(), Topic: "order.opened", EntityID: "1"}.Marshal()
	notJSON := []byte("not a push")
	cases := []struct {
		body   []byte
		secret string
		want   int
	}{
		{forged, "not the secret", http.StatusUnauthorized},
		{notJSON, testSecret, http.StatusBadRequest},
	}
	var wg sync.WaitGroup
	for _, tc := range cases {
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(tc.body))
				req.Header = webhook.SignedHeaders(tc.secret, webhook.Context{Tenant: "1"}, tc.body, now)
				rec := httptest.NewRecorder()
				r.ServeHTTP(rec, req)
				if rec.Code != tc.want {
					t.Errorf("%q answered %d, want %d", tc.body, rec.Code, tc.want)
				}
			}()
		}
	}
	wg.Wait()
	if n := r.pace.paced.Load(); n != 0 {
		t.Errorf("%d refused pushes waited a paced turn", n)
	}
}

// Under a cgroup CPU quota the machine may look idle while kwh has used
// all it may: the quota's idle share counts, and kwh's own share is scaled
// to a quota under one CPU.
func TestPacingUnderACPUQuota(t *testing.T) {
	at := time.Now()
	own, parent := cpuQuota{dir: "/k", cpus: 0.5}, cpuQuota{dir: "/", cpus: 4}
	c0 := cpuTimes{idle: 0, total: 0, quotas: []cpuQuota{own, parent}, at: at}
	own.used, parent.used = 490*time.Millisecond, 3*time.Second
	c1 := cpuTimes{idle: 90, total: 100, quotas: []cpuQuota{own, parent}, at: at.Add(time.Second)}
	for _, tc := range []struct {
		name   string
		c0, c1 cpuTimes
		idle   float64
	}{
		{"kwh's 0.5-CPU quota, 0.49 used", c0, c1, 0.02},
		{"the parent's quota, 3 of 4 CPUs used, alone", cpuTimes{quotas: c0.quotas[1:]}, cpuTimes{idle: 90, total: 100, quotas: c1.quotas[1:]}, 0.25},
		{"a group read once only (the quota changed): the machine", cpuTimes{}, c1, 0.9},
		{"kwh's CPUs changed between the ticks: only the quotas", cpuTimes{scope: "[0]", quotas: c0.quotas}, c1, 0.02},
		{"kwh's CPUs changed, no quota: nothing known", cpuTimes{scope: "[0]"}, cpuTimes{scope: "[0 1]", idle: 10, total: 100}, 1},
	} {
		if idle := idleShare(tc.c0, tc.c1, time.Second); idle < tc.idle-0.001 || idle > tc.idle+0.001 {
			t.Errorf("%s: idle %v, want %v", tc.name, idle, tc.idle)
		}
	}
	if q := tightest(c1.quotas); q != 0.5 {
		t.Errorf("tightest quota %v, want 0.5", q)
	}
	flood := paceSample{idle: 0.02, self: 0.4, quota: 0.5, backlog: 5000, grew: true, oldest: time.Second, delivered: 1000}
	if on, _ := pacing(false, flood); !on {
		t.Error("kwh using 0.4 of a 0.5-CPU quota: not paced")
	}
	flood.quota = 0
	if on, _ := pacing(false, flood); on {
		t.Error("kwh using 0.4 CPU with no quota: paced")
	}
}
