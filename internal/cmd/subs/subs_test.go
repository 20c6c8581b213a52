package subs_test

import (
	"strings"
	"testing"

	"github.com/kwh-cli/kwh/internal/apptest"
)

func TestSubsListGolden(t *testing.T) {
	tests := []struct {
		name   string
		tty    bool
		args   []string
		golden string
	}{
		{"table on a TTY", true, nil, "list_table.golden"},
		{"wide table", true, []string{"-o", "wide"}, "list_wide.golden"},
		{"plain when piped", false, nil, "list_plain.golden"},
		{"json", false, []string{"-o", "json"}, "list_json.golden"},
		{"yaml", false, []string{"-o", "yaml"}, "list_yaml.golden"},
		{"ndjson", false, []string{"-o", "ndjson"}, "list_ndjson.golden"},
		{"csv", false, []string{"-o", "csv"}, "list_csv.golden"},
		{"jq", false, []string{"--jq", ".[].endpoint"}, "list_jq.golden"},
		{"template", false, []string{"--template", `{{range .}}{{.id}} {{join "," .topics}}{{"\n"}}{{end}}`}, "list_template.golden"},
		{"topic glob", false, []string{"--topic", "product.*"}, "list_topic.golden"},
		{"inactive", false, []string{"--inactive", "-o", "json", "--jq", ".[].id"}, "list_inactive.golden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := apptest.New(t, apptest.Seed(t))
			res := h.RunWith(apptest.RunOpts{TTY: tt.tty}, append([]string{"subs", "list"}, tt.args...)...)
			if res.Code != 0 {
				t.Fatalf("exit %d: %s", res.Code, res.Stderr)
			}
			h.Golden(tt.golden, res.Stdout)
			if tt.tty && !strings.Contains(res.Stderr, "4 subscriptions · tenant 12345 · profile default") {
				t.Errorf("footer missing from stderr: %q", res.Stderr)
			}
			if !tt.tty && res.Stderr != "" {
				t.Errorf("piped output must not talk on stderr: %q", res.Stderr)
			}
		})
	}
}

func TestSubsGet(t *testing.T) {
	tests := []struct {
		name   string
		id     string
		args   []string
		code   int
		golden string
	}{
		{"full id", "a1b2c3d4e5f60718293a4b5c6d7e8f90", nil, 0, "get_full.golden"},
		{"short form", "a1b2…90", []string{"-o", "json"}, 0, "get_json.golden"},
		{"prefix", "77de", []string{"-o", "yaml"}, 0, "get_yaml.golden"},
		{"unknown", "ffff", nil, 1, ""},
		{"ambiguous", "", nil, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := apptest.New(t, apptest.Seed(t))
			res := h.Run(append([]string{"subs", "get", tt.id}, tt.args...)...)
			if res.Code != tt.code {
				t.Fatalf("exit %d, want %d: %s", res.Code, tt.code, res.Stderr)
			}
			if tt.golden != "" {
				h.Golden(tt.golden, res.Stdout)
			}
		})
	}
}

// One STATE per subscription, from the subscription's, its tenants' and its
// sites' isActive, and --active/--inactive filter on it.
func TestSubsListState(t *testing.T) {
	seed := apptest.Seed(t)
	// 3f9c: Kibo disabled it for the tenant; a1b2: for its site.
	seed.Subscriptions[0]["subscribingTenants"].([]any)[0].(map[string]any)["isActive"] = false
	seed.Subscriptions[2]["subscribingTenants"].([]any)[0].(map[string]any)["subscribingSites"].([]any)[0].(map[string]any)["isActive"] = false
	seed.Subscriptions[3]["confirmed"] = true
	seed.Subscriptions[3]["noCallback"] = true
	tests := []struct {
		args []string
		want string
	}{
		{nil, "3f9c5e0e2b8a4d7f9c1e6a2b4d8f00a1 disabled disabled by Kibo for tenant 12345 false\n" +
			"77de0c4a91b24f6e8d3a5c7b9e1f2a02 inactive inactive false\n" +
			"a1b2c3d4e5f60718293a4b5c6d7e8f90 disabled disabled by Kibo for site 23456 false\n" +
			"c0ffee00c0ffee00c0ffee00c0ffee01 no-callback no-callback true\n"},
		{[]string{"--active"}, "c0ffee00c0ffee00c0ffee00c0ffee01 no-callback no-callback true\n"},
		{[]string{"--inactive", "--topic", "order.*"}, "3f9c5e0e2b8a4d7f9c1e6a2b4d8f00a1 disabled disabled by Kibo for tenant 12345 false\n"},
	}
	for _, tt := range tests {
		h := apptest.New(t, seed)
		res := h.Run(append([]string{"subs", "list", "-o", "json", "--jq", `.[] | "\(.id) \(.state) \(.stateLabel) \(.pushing)"`}, tt.args...)...)
		if res.Code != 0 || res.Stdout != tt.want {
			t.Errorf("%v: exit %d\n%s\nwant\n%s%s", tt.args, res.Code, res.Stdout, tt.want, res.Stderr)
		}
	}
	h := apptest.New(t, seed)
	res := h.Run("subs", "get", "3f9c")
	if !strings.Contains(res.Stdout, "state\tdisabled by Kibo for tenant 12345\n") || !strings.Contains(res.Stdout, "verify the event configuration in Dev Center") {
		t.Errorf("subs get: %s", res.Stdout)
	}
}
