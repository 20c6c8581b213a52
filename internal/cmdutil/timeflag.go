package cmdutil

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseTimeFlag reads --since/--until: a duration back from now (90m, 2h,
// 3d, 1w), an RFC 3339 time, or a date (UTC midnight).
func ParseTimeFlag(flag, v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := parseDuration(v); err == nil {
		return now.Add(-d), nil
	}
	// "2006-01-02 15:04" is how the tables print times (UTC): paste one back.
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, FlagErrorf("--%s %q: want a duration such as 2h or 3d, or a time such as 2026-11-20T12:00:00Z or 2026-11-20 12:00 (UTC)", flag, v)
}

func parseDuration(v string) (time.Duration, error) {
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(v, suffix); ok {
			f, err := strconv.ParseFloat(n, 64)
			// !(f >= 0) also refuses NaN; the bound keeps the product an int64.
			if err != nil || !(f >= 0) || f*float64(unit) > math.MaxInt64/2 {
				return 0, fmt.Errorf("bad duration")
			}
			return time.Duration(f * float64(unit)), nil
		}
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad duration")
	}
	return d, nil
}
