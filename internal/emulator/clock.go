package emulator

import (
	"sort"
	"sync"
	"time"
)

// Clock is what the push engine schedules retries with. Tests use FakeClock
// and move time by hand instead of sleeping.
type Clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func())
}

type realClock struct{}

func (realClock) Now() time.Time                      { return time.Now() }
func (realClock) AfterFunc(d time.Duration, f func()) { time.AfterFunc(d, f) }

// ScaledClock runs Kibo's waits faster: a wait of d lasts d/scale, so hours
// of retries pass in seconds. Now stays the base clock's (wall-clock dates,
// so --since 2h means what it says); KiboNow is the time Kibo would see,
// scale times faster from start, for rules such as "disabled after 24 h".
type ScaledClock struct {
	Base  Clock
	Scale float64
	start time.Time
}

// NewScaledClock starts a scaled clock now.
func NewScaledClock(base Clock, scale float64) *ScaledClock {
	if scale <= 0 {
		scale = 1
	}
	return &ScaledClock{Base: base, Scale: scale, start: base.Now()}
}

func (c *ScaledClock) Now() time.Time { return c.Base.Now() }

// KiboNow is the scaled time: start plus scale times the time since.
func (c *ScaledClock) KiboNow() time.Time {
	return c.start.Add(time.Duration(float64(c.Base.Now().Sub(c.start)) * c.Scale))
}

// Wall is how long a wait of Kibo's d lasts on the base clock.
func (c *ScaledClock) Wall(d time.Duration) time.Duration { return time.Duration(float64(d) / c.Scale) }

// kiboNow is Kibo's time on any clock: the scaled one's, or Now.
func kiboNow(c Clock) time.Time {
	if s, ok := c.(*ScaledClock); ok {
		return s.KiboNow()
	}
	return c.Now()
}

// wallDelay is how long Kibo's wait d lasts on c.
func wallDelay(c Clock, d time.Duration) time.Duration {
	if s, ok := c.(*ScaledClock); ok {
		return s.Wall(d)
	}
	return d
}

func (c *ScaledClock) AfterFunc(d time.Duration, f func()) { c.Base.AfterFunc(c.Wall(d), f) }

// FakeClock only moves when Advance is called; due callbacks run inside
// Advance, in time order, one after another.
type FakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []fakeTimer
	seq    int
}

type fakeTimer struct {
	at  time.Time
	seq int
	f   func()
}

// NewFakeClock starts at t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{now: t} }

func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *FakeClock) AfterFunc(d time.Duration, f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	c.timers = append(c.timers, fakeTimer{at: c.now.Add(d), seq: c.seq, f: f})
}

// Advance moves time forward by d, running every callback that falls due.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		sort.Slice(c.timers, func(i, j int) bool {
			if c.timers[i].at.Equal(c.timers[j].at) {
				return c.timers[i].seq < c.timers[j].seq
			}
			return c.timers[i].at.Before(c.timers[j].at)
		})
		if len(c.timers) == 0 || c.timers[0].at.After(end) {
			c.now = end
			c.mu.Unlock()
			return
		}
		t := c.timers[0]
		c.timers = c.timers[1:]
		if t.at.After(c.now) {
			c.now = t.at
		}
		c.mu.Unlock()
		t.f()
	}
}

// Pending is how many callbacks are waiting.
func (c *FakeClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// RealClock is the wall clock.
func RealClock() Clock { return realClock{} }
