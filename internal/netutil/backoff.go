package netutil

import (
	"math/rand/v2"
	"time"
)

// Backoff is base·2^(attempt-1), capped at max, randomised in its upper half
// so that many clients retrying together spread out.
func Backoff(base, max time.Duration, attempt int) time.Duration {
	d := base << min(attempt-1, 30)
	if d > max || d <= 0 {
		d = max
	}
	return d/2 + rand.N(d/2+1)
}
