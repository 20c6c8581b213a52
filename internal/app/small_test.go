package app_test

import (
	"strings"
	"testing"

	"github.com/kwh-cli/kwh/internal/apptest"
)

// The small things of a first hour, each checked.
func TestFirstHourSmallThings(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string
		tty    bool
		args   []string
		code   int
		stdout string // substring
		stderr string // substring
		not    string // in neither
	}{
		{"unknown help topic", nil, false, []string{"help", "env"}, 2, "", `no help for "env": give a command, or one of the topics environment, exit-codes`, ""},
		{"help topic", nil, false, []string{"help", "environment"}, 0, "KIBO_CLIENT_ID", "", ""},
		{"help command", nil, false, []string{"help", "subs", "list"}, 0, "List push subscriptions", "", ""},
		{"TERM=dumb has no colour", map[string]string{"TERM": "dumb"}, true, []string{"subs", "list"}, 0, "ENDPOINT", "", "\x1b["},
		{"--since takes the tables' time form", nil, false, []string{"events", "list", "--since", "2026-11-20 12:00"}, 0, "", "", "want a duration"},
		{"-q drops the footer on a terminal", nil, true, []string{"-q", "subs", "list"}, 0, "ENDPOINT", "", "subscriptions"},
		{"-q drops the dlq footer on a terminal", nil, true, []string{"-q", "dlq", "list"}, -1, "", "", "checked"},
		{"-q drops the events footer on a terminal", nil, true, []string{"-q", "events", "list"}, 0, "", "", "events ·"},
		{"without -q the footer shows", nil, true, []string{"subs", "list"}, 0, "ENDPOINT", "subscriptions", ""},
		{"publish --count shows its range", nil, false, []string{"emulator", "publish", "--help"}, 0, "how many events (1-10000)", "", ""},
		{"no Kibo is asked by send", nil, false, []string{"send", "order.opend", "--to", "http://127.0.0.1:9/x", "--dry-run"}, -1, "", "", "asking Kibo anyway"},
		{"Kibo is asked by events list", nil, false, []string{"events", "list", "--topic", "order.opend"}, 0, "", "asking Kibo anyway", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := apptest.New(t, apptest.Seed(t))
			for k, v := range tt.env {
				h.Env[k] = v
			}
			res := h.RunWith(apptest.RunOpts{TTY: tt.tty}, tt.args...)
			if (tt.code >= 0 && res.Code != tt.code) || !strings.Contains(res.Stdout, tt.stdout) || !strings.Contains(res.Stderr, tt.stderr) ||
				(tt.not != "" && strings.Contains(res.Stdout+res.Stderr, tt.not)) {
				t.Errorf("exit %d (want %d)\nstdout: %s\nstderr: %s", res.Code, tt.code, res.Stdout, res.Stderr)
			}
		})
	}
}

func TestLoginSaysItMadeTheProfileCurrent(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	res := h.Run("auth", "login", "-p", "sandbox")
	if res.Code != 0 || !strings.Contains(res.Stderr, "sandbox is now the current profile") {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
}
