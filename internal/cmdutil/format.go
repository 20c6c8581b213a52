package cmdutil

import (
	"time"

	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/ui"
)

// YesNo renders an optional boolean for tables: yes, no, or empty when unknown.
func YesNo(b *bool) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return "yes"
	}
	return "no"
}

// StyleYesNo colours yes green and no amber on a TTY.
func StyleYesNo(t *ui.Theme, v string) string {
	switch v {
	case "yes":
		return t.Success.Render(v)
	case "no":
		return t.Warning.Render(v)
	}
	return v
}

// StyleAccent colours a cell with the accent colour.
func StyleAccent(t *ui.Theme, v string) string { return t.Accent.Render(v) }

// FormatTime renders a Kibo time for tables: UTC, minutes, empty when unset.
func FormatTime(t *kibo.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// FormatTimeFull renders a Kibo time with seconds and zone, for detail views.
func FormatTimeFull(t *kibo.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Plural picks a word's singular or plural form.
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// FormatTimeSeconds renders a Kibo time with seconds, UTC, for event lists.
func FormatTimeSeconds(t *kibo.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}
