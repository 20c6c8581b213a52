package listen

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/store/boltstore"
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

// Without CPU figures (not Linux) the pacer never starts.
func TestPacerNeedsCPUFigures(t *testing.T) {
	p := newPacer(func() (cpuTimes, bool) { return cpuTimes{}, false }, func() paceState { return paceState{} }, func(Event) {})
	p.run() // returns at once
	if p.on.Load() {
		t.Fatal("pacing without CPU figures")
	}
	if runtime.GOOS != "linux" {
		return
	}
	c, ok := machineCPU()
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
		bolt, err := boltstore.Open(filepath.Join(t.TempDir(), StoreFile))
		if err != nil {
			t.Fatal(err)
		}
		defer bolt.Close()
		tc.cfg.Store = bolt
		r, err := New(tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.pace != nil; got != tc.want {
			t.Errorf("%+v: paced %v, want %v", tc.cfg, got, tc.want)
		}
	}
}

// A pacer that stops sampling (the CPU figures became unreadable) stops
// pacing, and says so: never paced on stale figures.
func TestPacerEndsWhenFiguresFail(t *testing.T) {
	calls := 0
	cpu := func() (cpuTimes, bool) { calls++; return cpuTimes{at: time.Now()}, calls == 1 }
	var said []Event
	p := newPacer(cpu, func() paceState { return paceState{} }, func(e Event) { said = append(said, e) })
	p.on.Store(true)
	p.run() // the second reading fails: it returns
	if p.on.Load() || len(said) != 1 || said[0].Kind != KindPacingEnded {
		t.Fatalf("on %v, said %+v", p.on.Load(), said)
	}
	p.wait() // not held
}
