package cmdutil

import (
	"testing"
	"time"
)

func FuzzParseTimeFlag(f *testing.F) {
	for _, s := range []string{"", "90m", "2h", "3d", "1w", "1.5d", "-2h", "2026-11-20T12:00:00Z", "2026-11-20", "2026-11-20T12:00", "1e308d", "NaNd", "yesterday"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		got, err := ParseTimeFlag("since", v, now)
		if err != nil || v == "" {
			return
		}
		if d, derr := parseDuration(v); derr == nil && (d < 0 || got.After(now)) {
			t.Fatalf("%q: a duration back from now gave %s (%s)", v, got, d)
		}
	})
}
