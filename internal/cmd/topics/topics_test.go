package topics_test

import (
	"strings"
	"testing"

	"github.com/kwh-cli/kwh/internal/apptest"
)

func TestTopicsList(t *testing.T) {
	tests := []struct {
		name   string
		tty    bool
		args   []string
		code   int
		golden string
	}{
		{"table", true, []string{"shipment"}, 0, "list_table.golden"},
		{"plain", false, []string{"--category", "order"}, 0, "list_plain.golden"},
		{"json", false, []string{"product.code*", "-o", "json"}, 0, "list_json.golden"},
		{"unknown category", false, []string{"--category", "nope"}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := apptest.New(t, apptest.Seed(t))
			res := h.RunWith(apptest.RunOpts{TTY: tt.tty}, append([]string{"topics", "list"}, tt.args...)...)
			if res.Code != tt.code {
				t.Fatalf("exit %d: %s", res.Code, res.Stderr)
			}
			if tt.golden != "" {
				h.Golden(tt.golden, res.Stdout)
			}
			if len(h.Emu.Requests()) != 0 {
				t.Error("the catalog is embedded: no request expected")
			}
		})
	}
	h := apptest.New(t, apptest.Seed(t))
	if res := h.Run("topics", "list", "-o", "json", "--jq", "length"); strings.TrimSpace(res.Stdout) != "131" {
		t.Errorf("catalog size %q", res.Stdout)
	}
}

func TestTopicCompletion(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	res := h.Run("__complete", "events", "list", "--topic", "order.c")
	for _, want := range []string{"order.cancelled", "order.closed"} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("completion lacks %s:\n%s", want, res.Stdout)
		}
	}
	if strings.Contains(res.Stdout, "order.opened") {
		t.Errorf("completion should filter by prefix")
	}
}
