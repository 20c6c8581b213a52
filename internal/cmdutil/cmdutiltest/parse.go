// Package cmdutiltest runs a command's argv in tests up to its runF.
package cmdutiltest

import (
	"errors"
	"io"
	"testing"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/iostreams"
)

var errRan = errors.New("ran")

// Parse runs argv through newCmd's flags and validation up to runF, with an
// empty environment, and returns the Options runF got (nil when validation
// stopped it first) and the error (nil when runF was reached). The config
// directory is an empty temp dir: no profile is read from the real home.
func Parse[O any](t testing.TB, newCmd func(*cmdutil.Factory, func(*O) error) *cobra.Command, argv ...string) (*O, error) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	var got *O
	configHome := t.TempDir()
	getenv := func(k string) string {
		if k == "XDG_CONFIG_HOME" {
			return configHome
		}
		return ""
	}
	cmd := newCmd(&cmdutil.Factory{IOStreams: ios, Getenv: getenv, Flags: &cmdutil.GlobalFlags{}}, func(o *O) error { got = o; return errRan })
	cmd.SetArgs(argv)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	err := cmd.Execute()
	if errors.Is(err, errRan) {
		err = nil
	}
	return got, err
}
