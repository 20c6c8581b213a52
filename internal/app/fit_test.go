package app_test

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kwh-cli/kwh/internal/apptest"
)

var ansi = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// On an 80-column terminal the tables fit, shortening free text with … and
// keeping ids and statuses whole; -o wide and piped output stay complete.
func TestTablesFitTheTerminal(t *testing.T) {
	tests := []struct {
		golden string
		args   []string
	}{
		{"fit_subs_list_80.golden", []string{"subs", "list"}},
		{"fit_dlq_list_80.golden", []string{"dlq", "list", "--include-pending"}},
		{"fit_events_list_80.golden", []string{"events", "list"}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			h := apptest.New(t, apptest.Seed(t))
			res := h.RunWith(apptest.RunOpts{TTY: true, Width: 80}, tt.args...)
			plain := ansi.ReplaceAllString(res.Stdout, "")
			for _, line := range strings.Split(plain, "\n") {
				if n := utf8.RuneCountInString(line); n > 80 {
					t.Errorf("%d columns: %s", n, line)
				}
			}
			h.Golden(tt.golden, plain)
			wide := h.RunWith(apptest.RunOpts{TTY: true, Width: 80}, append(tt.args, "-o", "wide")...)
			piped := h.Run(tt.args...)
			if strings.Contains(ansi.ReplaceAllString(wide.Stdout, ""), "…\n") || strings.Contains(piped.Stdout, "…") {
				t.Errorf("-o wide or piped output was shortened:\n%s\n%s", wide.Stdout, piped.Stdout)
			}
		})
	}
}
