package app_test

import (
	"strings"
	"testing"

	"github.com/kwh-cli/kwh/internal/apptest"
)

func TestExitCodesAndHelpTopics(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stdout string // substring
		stderr string // substring
	}{
		{[]string{"nope"}, 2, "", "unknown command"},
		{[]string{"subs", "lst"}, 2, "", `unknown command "lst" for "kwh subs"`},
		{[]string{"subs", "list", "--bogus"}, 2, "", "Run 'kwh subs list --help' for usage."},
		{[]string{"subs", "list", "-o", "xml"}, 2, "", "unknown output format"},
		{[]string{"subs", "list", "--jq", ".", "--template", "x"}, 2, "", "cannot be used together"},
		{[]string{"subs", "list", "--active", "--inactive"}, 2, "", "cannot be used together"},
		{[]string{"subs", "get"}, 2, "", "which subscription?"},
		{[]string{"help", "exit-codes"}, 0, "130  interrupted", ""},
		{[]string{"help", "environment"}, 0, "KWH_SHARED_SECRET, KIBO_SHARED_SECRET, KIBO_CLIENT_SECRET", ""},
		{[]string{"version"}, 0, "kwh 1.0.0-test (go", ""},
		{[]string{"version", "-o", "json", "--jq", ".version"}, 0, "1.0.0-test\n", ""},
		{[]string{"completion", "fish"}, 0, "complete -c kwh", ""},
		{[]string{"completion", "tcsh"}, 2, "", "unknown shell"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			h := apptest.New(t, apptest.Seed(t))
			res := h.Run(tt.args...)
			if res.Code != tt.code || !strings.Contains(res.Stdout, tt.stdout) || !strings.Contains(res.Stderr, tt.stderr) {
				t.Errorf("exit %d (want %d)\nstdout: %s\nstderr: %s", res.Code, tt.code, res.Stdout, res.Stderr)
			}
		})
	}
}

func TestInterruptedExits130(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	res := h.RunCancelled("subs", "list")
	if res.Code != 130 || !strings.Contains(res.Stderr, "interrupted") {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
}
