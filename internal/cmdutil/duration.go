package cmdutil

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// FormatDuration prints d as the duration flags accept it back: whole days
// as 14d, else hours, minutes and seconds without zero parts (1h30m, 45s,
// 500ms), and 0 as 0 (so help omits a zero default).
func FormatDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < 0 && -d > 0: // -d overflows only for the most negative duration
		return "-" + FormatDuration(-d)
	case d < 0:
		return d.String()
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	var b strings.Builder
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dh", h)
	}
	if m := d % time.Hour / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	if rest := d % time.Minute; rest > 0 {
		b.WriteString(rest.String()) // 5s, 1.5s, 500ms
	}
	return b.String()
}

// ParseDuration reads a duration flag: Go's form (90m, 1h30m, 500ms) or
// days and weeks (14d, 1.5d, 2w), negative with a leading -.
func ParseDuration(v string) (time.Duration, error) {
	if d, err := time.ParseDuration(v); err == nil {
		return d, nil
	}
	neg := strings.HasPrefix(v, "-")
	d, err := parseDuration(strings.TrimPrefix(v, "-"))
	if err != nil || strings.HasPrefix(v, "--") || strings.HasPrefix(v, "-+") {
		return 0, fmt.Errorf("want a duration such as 90s, 1h30m or 14d")
	}
	if neg {
		d = -d
	}
	return d, nil
}

// durationValue is a pflag.Value that accepts and prints days.
type durationValue time.Duration

func (d *durationValue) Set(v string) error {
	p, err := ParseDuration(v)
	if err != nil {
		return err
	}
	*d = durationValue(p)
	return nil
}

func (d *durationValue) String() string { return FormatDuration(time.Duration(*d)) }

func (d *durationValue) Type() string { return "duration" }

// DurationVar defines a duration flag that also takes days (14d) and shows
// its default as FormatDuration does.
func DurationVar(fs *pflag.FlagSet, p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fs.Var((*durationValue)(p), name, usage)
}
