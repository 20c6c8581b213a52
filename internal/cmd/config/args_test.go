package config

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/iostreams"
)

var errRan = errors.New("ran")

// parse runs a verb's argv up to runF; it returns what runF got (nil when
// validation stopped it first) and the error.
func parse[O any](t *testing.T, newCmd func(*cmdutil.Factory, func(*O) error) *cobra.Command, argv ...string) (*O, error) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	var got *O
	cmd := newCmd(&cmdutil.Factory{IOStreams: ios}, func(o *O) error { got = o; return errRan })
	cmd.SetArgs(argv)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	err := cmd.Execute()
	if errors.Is(err, errRan) {
		err = nil
	}
	return got, err
}

func TestConfigArgs(t *testing.T) {
	tests := []struct {
		name    string
		run     func() (any, error)
		want    string // the parsed fields, or the error's words
		wantErr bool
	}{
		{"list", func() (any, error) { return parse(t, NewCmdList) }, "", false},
		{"list takes no argument", func() (any, error) { return parse(t, NewCmdList, "x") }, "x", true},
		{"get tenant", func() (any, error) {
			o, err := parse(t, NewCmdGet, "tenant")
			return keyOf(o, func(o *GetOptions) string { return o.Key }), err
		}, "tenant", false},
		{"get an unknown key", func() (any, error) { return parse(t, NewCmdGet, "colour") }, "unknown key", true},
		{"get the secret", func() (any, error) { return parse(t, NewCmdGet, "shared_secret") }, "never prints", true},
		{"set tenant 1", func() (any, error) {
			o, err := parse(t, NewCmdSet, "tenant", "1")
			return keyOf(o, func(o *SetOptions) string { return o.Key + "=" + o.Value }), err
		}, "tenant=1", false},
		{"set the secret from stdin", func() (any, error) {
			o, err := parse(t, NewCmdSet, "shared_secret", "-")
			return keyOf(o, func(o *SetOptions) string { return o.Key + "=" + o.Value }), err
		}, "shared_secret=-", false},
		{"set the secret as an argument", func() (any, error) { return parse(t, NewCmdSet, "shared_secret", "abc") }, "never an argument", true},
		{"set an unknown key", func() (any, error) { return parse(t, NewCmdSet, "colour", "red") }, "unknown key", true},
		{"use sandbox", func() (any, error) {
			o, err := parse(t, NewCmdUse, "sandbox")
			return keyOf(o, func(o *UseOptions) string { return o.Name }), err
		}, "sandbox", false},
		{"use needs a name", func() (any, error) { return parse(t, NewCmdUse) }, "which profile", true},
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
