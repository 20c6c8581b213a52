package main

import (
	"testing"
	"time"
)

// The sustained rate is the sustaining step that forwarded the most, not
// the one asked the highest rate: a busy generator may offer a higher step
// less than a lower one.
func TestBestSustained(t *testing.T) {
	step := func(rate int, offered, reached float64, lag time.Duration) stepResult {
		return stepResult{rate: rate, outcome: outcome{offeredPerSec: offered, reachedPerSec: reached, reachedPercent: 100 * reached / offered, lag99: lag}}
	}
	for _, tc := range []struct {
		name  string
		steps []stepResult
		want  float64
	}{
		{"the highest step that sustains", []stepResult{step(8000, 8000, 7999, time.Millisecond), step(10000, 9998, 9998, 10*time.Millisecond), step(12000, 12000, 9000, 3*time.Second)}, 9998},
		{"a higher step offered less (the generator fell behind)", []stepResult{step(10000, 9998, 9998, 10*time.Millisecond), step(12000, 9522, 9225, 442*time.Millisecond)}, 9998},
		{"none sustains", []stepResult{step(2000, 2000, 1000, 5*time.Second)}, 0},
	} {
		if got := bestSustained(tc.steps).reachedPerSec; got != tc.want {
			t.Errorf("%s: sustained %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A reference whose best step the generator could not offer in full is
// flagged: the ratio against it overstates kwh.
func TestGeneratorBound(t *testing.T) {
	for _, tc := range []struct {
		rate    int
		offered float64
		want    bool
	}{
		{10000, 9998, false},
		{10000, 9404, true},
	} {
		s := stepResult{rate: tc.rate, outcome: outcome{offeredPerSec: tc.offered}}
		if got := generatorBound(s); got != tc.want {
			t.Errorf("%v of %d/s offered: generator-bound %v, want %v", tc.offered, tc.rate, got, tc.want)
		}
	}
}
