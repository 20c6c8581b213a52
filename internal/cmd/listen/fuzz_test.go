package listen

import (
	"strings"
	"testing"
)

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"1MiB", "512KiB", "2MB", "1048576", " 3 GiB ", "0", "-1KiB", "9223372036854775807", "8589934592GiB", "1.5MiB", "KiB", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseSize(s)
		if err != nil {
			return
		}
		if n <= 0 {
			t.Fatalf("parseSize(%q) = %d: a size is positive (overflow?)", s, n)
		}
		if digits := strings.TrimRight(strings.TrimSpace(s), "KMGiB "); digits == "" {
			t.Fatalf("parseSize(%q) = %d without a number", s, n)
		}
	})
}

func TestParseSizeRefusesOverflow(t *testing.T) {
	for _, s := range []string{"8589934592GiB", "9223372036854775807KB"} {
		if n, err := parseSize(s); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", s, n)
		}
	}
}
