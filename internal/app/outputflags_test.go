package app_test

import (
	"strings"
	"testing"

	"github.com/kwh-cli/kwh/internal/apptest"
)

// A command accepts exactly the output forms it can produce.
func TestOutputFlagsOnlyWhereThereIsData(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"config", "get", "tenant", "-o", "json"}, 2, "kwh config get prints no data"},
		{[]string{"auth", "logout", "-o", "csv"}, 2, "kwh auth logout prints no data"},
		{[]string{"auth", "login", "--jq", "."}, 2, "kwh auth login prints no data"},
		{[]string{"inbox", "replay", "1", "-o", "json"}, 2, "kwh inbox replay prints no data"},
		{[]string{"listen", "-o", "yaml"}, 2, "kwh listen cannot print -o yaml: use one of table, wide, json, ndjson"},
		{[]string{"listen", "-o", "csv"}, 2, "cannot print -o csv"},
		{[]string{"events", "tail", "-o", "yaml"}, 2, "kwh events tail cannot print -o yaml"},
		{[]string{"subs", "list", "-o", "yaml"}, 0, ""},
		{[]string{"auth", "status", "-o", "json", "--jq", ".profile"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			h := apptest.New(t, apptest.Seed(t))
			res := h.Run(tt.args...)
			if res.Code != tt.code || !strings.Contains(res.Stderr, tt.stderr) {
				t.Errorf("exit %d (want %d): %s", res.Code, tt.code, res.Stderr)
			}
		})
	}
}
