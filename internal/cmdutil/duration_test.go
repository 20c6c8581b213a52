package cmdutil

import (
	"math"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestFormatDuration(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0"},
		{14 * day, "14d"},
		{day, "1d"},
		{36 * time.Hour, "36h"},
		{time.Hour, "1h"},
		{90 * time.Minute, "1h30m"},
		{time.Hour + 5*time.Second, "1h5s"},
		{45 * time.Second, "45s"},
		{10 * time.Second, "10s"},
		{1500 * time.Millisecond, "1.5s"},
		{500 * time.Millisecond, "500ms"},
		{time.Nanosecond, "1ns"},
		{-2 * time.Hour, "-2h"},
		{-3 * day, "-3d"},
		{2*time.Minute + 500*time.Millisecond, "2m500ms"},
		{math.MinInt64, time.Duration(math.MinInt64).String()},
		{math.MaxInt64, time.Duration(math.MaxInt64).String()},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := FormatDuration(tt.d)
			if got != tt.want {
				t.Fatalf("FormatDuration(%v) = %q, want %q", int64(tt.d), got, tt.want)
			}
			// What kwh prints, its flags take back.
			var v time.Duration
			fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
			DurationVar(fs, &v, "d", 0, "")
			if err := fs.Parse([]string{"--d", got}); err != nil || v != tt.d {
				t.Fatalf("--d %s read back as %v (%v), want %v", got, v, err, tt.d)
			}
		})
	}
}

func TestDurationFlag(t *testing.T) {
	tests := []struct {
		arg  string
		want time.Duration
		ok   bool
	}{
		{"14d", 14 * 24 * time.Hour, true},
		{"2w", 14 * 24 * time.Hour, true},
		{"336h", 14 * 24 * time.Hour, true},
		{"1.5d", 36 * time.Hour, true},
		{"-1h", -time.Hour, true},
		{"0", 0, true},
		{"", 0, false},
		{"--1h", 0, false},
		{"-+1h", 0, false},
		{"d", 0, false},
		{"1x", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			var v time.Duration
			fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
			DurationVar(fs, &v, "d", time.Hour, "")
			if def := fs.Lookup("d").DefValue; def != "1h" {
				t.Errorf("default shows as %q", def)
			}
			err := fs.Set("d", tt.arg)
			if (err == nil) != tt.ok || (tt.ok && v != tt.want) {
				t.Errorf("--d %q: %v, %v; want %v ok=%v", tt.arg, v, err, tt.want, tt.ok)
			}
		})
	}
}
