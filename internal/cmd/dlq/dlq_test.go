package dlq_test

import (
	"strings"
	"testing"

	"github.com/kwh-cli/kwh/internal/apptest"
)

func TestDLQListGolden(t *testing.T) {
	tests := []struct {
		name   string
		tty    bool
		args   []string
		golden string
	}{
		{"table", true, nil, "list_table.golden"},
		{"wide with pending", true, []string{"--include-pending", "-o", "wide"}, "list_wide_pending.golden"},
		{"plain", false, nil, "list_plain.golden"},
		{"json", false, []string{"--subscription", "77de", "-o", "json"}, "list_json.golden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := apptest.New(t, apptest.Seed(t))
			res := h.RunWith(apptest.RunOpts{TTY: tt.tty}, append([]string{"dlq", "list"}, tt.args...)...)
			if res.Code != 0 {
				t.Fatalf("exit %d: %s", res.Code, res.Stderr)
			}
			h.Golden(tt.golden, res.Stdout)
		})
	}
}

// The seed holds, across three subscriptions: dead 4711, 4713 and 6001;
// retrying 4714 (running) and 5001 (retries left); delivered 4712 and 5002.
func TestDLQListSelectsDeadDeliveries(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string // process ids
	}{
		{"dead only", nil, 0, "4711 4713 6001"},
		{"with pending", []string{"--include-pending"}, 0, "4711 4713 4714 6001 5001"},
		{"one subscription", []string{"--subscription", "3f9c…a1"}, 0, "4711 4713"},
		{"topic glob", []string{"--topic", "product.*"}, 0, "6001"},
		{"since", []string{"--since", "2026-11-22T00:00:00Z"}, 0, "4713"},
		{"status", []string{"--status", "FAILED", "--include-pending"}, 0, "4711 4713 4714 6001"},
		{"fail if any", []string{"--fail-if-any"}, 3, "4711 4713 6001"},
		{"fail if any, empty", []string{"--fail-if-any", "--subscription", "a1b2"}, 0, ""},
		{"fail if any, empty but unconfirmed", []string{"--fail-if-any", "--subscription", "c0ffee"}, 3, ""}, // Kibo pushes nothing to these two

		{"fail if any, empty but inactive", []string{"--fail-if-any", "--topic", "product.deleted", "--since", "2099-01-01T00:00:00Z"}, 3, ""},
		{"fail if any, filtered empty", []string{"--fail-if-any", "--topic", "tenant.*"}, 0, ""},
		{"unknown subscription", []string{"--subscription", "ffff"}, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := apptest.New(t, apptest.Seed(t))
			res := h.Run(append([]string{"dlq", "list", "-o", "json", "--jq", ".[].delivery.id"}, tt.args...)...)
			if res.Code != tt.code {
				t.Fatalf("exit %d, want %d: %s", res.Code, tt.code, res.Stderr)
			}
			if got := strings.Join(strings.Fields(res.Stdout), " "); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if tt.code == 3 && tt.want != "" && !strings.Contains(res.Stderr, "3 deliveries in the DLQ") {
				t.Errorf("stderr: %s", res.Stderr)
			}
		})
	}
}

func TestDLQListEmptyOnATerminal(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	res := h.RunWith(apptest.RunOpts{TTY: true}, "dlq", "list", "--subscription", "a1b2", "--fail-if-any")
	if res.Code != 0 || !strings.Contains(res.Stderr, "nothing in the DLQ (1 subscription checked)") {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	// An empty DLQ is no comfort when Kibo pushes nothing at all.
	res = h.RunWith(apptest.RunOpts{TTY: true}, "dlq", "list", "--subscription", "c0ffee", "--fail-if-any", "--no-color")
	if res.Code != 3 || !strings.Contains(res.Stderr, "! subscription c0ff…01 (https://crm.example.org/hooks/customers) is unconfirmed") ||
		!strings.Contains(res.Stderr, "nothing in the DLQ, but Kibo pushes nothing to 1 of the 1 subscription checked") ||
		!strings.Contains(res.Stderr, "1 subscription Kibo pushes nothing to") {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
}

func TestDLQShow(t *testing.T) {
	tests := []struct {
		name   string
		tty    bool
		args   []string
		code   int
		golden string
	}{
		{"timeline", true, []string{"3f9c…a1", "4711"}, 0, "show_dead.golden"},
		{"retrying", true, []string{"a1b2", "5001"}, 0, "show_retrying.golden"},
		{"plain", false, []string{"3f9c", "4713"}, 0, "show_plain.golden"},
		{"json", false, []string{"77de0c4a91b24f6e8d3a5c7b9e1f2a02", "6001", "-o", "json"}, 0, "show_json.golden"},
		{"unknown process", false, []string{"3f9c", "1"}, 1, ""},
		{"bad process", false, []string{"3f9c", "x"}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := apptest.New(t, apptest.Seed(t))
			res := h.RunWith(apptest.RunOpts{TTY: tt.tty}, append([]string{"dlq", "show"}, tt.args...)...)
			if res.Code != tt.code {
				t.Fatalf("exit %d, want %d: %s", res.Code, tt.code, res.Stderr)
			}
			if tt.golden != "" {
				h.Golden(tt.golden, res.Stdout)
			}
		})
	}
}
