package config

import (
	"strings"
	"testing"

	"github.com/kwh-cli/kwh/internal/cmdutil/cmdutiltest"
)

func TestConfigArgs(t *testing.T) {
	tests := []struct {
		name    string
		run     func() (any, error)
		want    string // the parsed fields, or the error's words
		wantErr bool
	}{
		{"list", func() (any, error) { return cmdutiltest.Parse(t, NewCmdList) }, "", false},
		{"list takes no argument", func() (any, error) { return cmdutiltest.Parse(t, NewCmdList, "x") }, "x", true},
		{"get tenant", func() (any, error) {
			o, err := cmdutiltest.Parse(t, NewCmdGet, "tenant")
			return keyOf(o, func(o *GetOptions) string { return o.Key }), err
		}, "tenant", false},
		{"get an unknown key", func() (any, error) { return cmdutiltest.Parse(t, NewCmdGet, "colour") }, "unknown key", true},
		{"get the secret", func() (any, error) { return cmdutiltest.Parse(t, NewCmdGet, "shared_secret") }, "never prints", true},
		{"set tenant 1", func() (any, error) {
			o, err := cmdutiltest.Parse(t, NewCmdSet, "tenant", "1")
			return keyOf(o, func(o *SetOptions) string { return o.Key + "=" + o.Value }), err
		}, "tenant=1", false},
		{"set the secret from stdin", func() (any, error) {
			o, err := cmdutiltest.Parse(t, NewCmdSet, "shared_secret", "-")
			return keyOf(o, func(o *SetOptions) string { return o.Key + "=" + o.Value }), err
		}, "shared_secret=-", false},
		{"set the secret as an argument", func() (any, error) { return cmdutiltest.Parse(t, NewCmdSet, "shared_secret", "abc") }, "never an argument", true},
		{"set an unknown key", func() (any, error) { return cmdutiltest.Parse(t, NewCmdSet, "colour", "red") }, "unknown key", true},
		{"use sandbox", func() (any, error) {
			o, err := cmdutiltest.Parse(t, NewCmdUse, "sandbox")
			return keyOf(o, func(o *UseOptions) string { return o.Name }), err
		}, "sandbox", false},
		{"use needs a name", func() (any, error) { return cmdutiltest.Parse(t, NewCmdUse) }, "which profile", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.run()
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err %v: want one about %q before runF", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s, ok := got.(string); ok && s != tt.want {
				t.Errorf("parsed %q, want %q", s, tt.want)
			}
		})
	}
}

// keyOf summarises what runF got; "not run" when it was not reached.
func keyOf[O any](o *O, f func(*O) string) string {
	if o == nil {
		return "not run"
	}
	return f(o)
}
