package cmdutil

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// FlagError is a usage mistake: exit code 2 and a pointer to --help.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf builds a FlagError.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// ExitError ends the program with a chosen code; Err, when set, is printed.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}
func (e *ExitError) Unwrap() error { return e.Err }

// Exit codes, documented by `kwh help exit-codes`.
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2
	ExitCheckFailed = 3
	ExitAuth        = 4
	ExitInterrupted = 130
)

// CheckFailed reports a failed check (--fail-if-any, verify): exit 3.
func CheckFailed(err error) error { return &ExitError{Code: ExitCheckFailed, Err: err} }

// ErrSilent means the command already told the user; exit 1 without a message.
var ErrSilent = errors.New("silent error")

// NoCredentialsError says which settings are missing and how to give them.
type NoCredentialsError struct {
	Profile string
	Missing []string
}

func (e *NoCredentialsError) Error() string {
	return fmt.Sprintf("no Kibo credentials for profile %q (missing %v)", e.Profile, e.Missing)
}

// Hint tells the user the two ways to provide credentials.
func (e *NoCredentialsError) Hint() string {
	return "Run `" + LoginCommand(e.Profile) + "`, or set KIBO_CLIENT_ID, KIBO_SHARED_SECRET and KIBO_TENANT (see `kwh help environment`)."
}

// LoginCommand is the command that stores a profile's credentials.
func LoginCommand(profile string) string {
	if profile == "" || profile == "default" {
		return "kwh auth login"
	}
	return "kwh auth login -p " + profile
}

// UnknownProfileError is a profile named with -p or KWH_PROFILE that the
// config file does not have: a usage error (exit 2), most often a typo.
type UnknownProfileError struct {
	Name  string
	Path  string
	Known []string
}

func (e *UnknownProfileError) Error() string {
	if len(e.Known) == 0 {
		return fmt.Sprintf("no profile %q: %s has no profiles", e.Name, e.Path)
	}
	return fmt.Sprintf("no profile %q in %s; profiles: %s", e.Name, e.Path, strings.Join(e.Known, ", "))
}

// Hint says how to create the profile.
func (e *UnknownProfileError) Hint() string {
	return "Create it with `" + LoginCommand(e.Name) + "` (or `kwh emulator --write-profile " + e.Name + "`), or pick one with -p."
}

// ExactArgs is cobra.ExactArgs with a usage error and a friendlier message.
func ExactArgs(n int, msg string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == n {
			return nil
		}
		if len(args) > n {
			return FlagErrorf("too many arguments: %q", args[n:])
		}
		return &FlagError{Err: errors.New(msg)}
	}
}

// NoArgs rejects positional arguments with a usage error.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return FlagErrorf("unexpected argument %q for %q", args[0], cmd.CommandPath())
	}
	return nil
}

// Noun makes a command that only groups verbs reject an unknown verb with a
// usage error (cobra would print help and exit 0), and print help when bare.
func Noun(cmd *cobra.Command) *cobra.Command {
	cmd.Args = func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			return FlagErrorf("unknown command %q for %q", args[0], c.CommandPath())
		}
		return nil
	}
	cmd.RunE = func(c *cobra.Command, args []string) error { return c.Help() }
	return cmd
}
