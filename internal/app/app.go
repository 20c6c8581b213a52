// Package app runs kwh: it builds the Factory and the command tree, executes
// the command and decides the exit code. Exit codes are decided here only.
package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmd/root"
	"github.com/kwh-cli/kwh/internal/cmd/version"
	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/kibo"
)

// Main runs kwh as a process and returns its exit code.
func Main(ldflagsVersion string, args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	info, ok := debug.ReadBuildInfo()
	v, commit := version.FromBuild(ldflagsVersion, info, ok)
	return Run(ctx, Env{Version: v, Commit: commit, Args: args, IO: iostreams.System(os.Getenv), Getenv: os.Getenv})
}

// Env is everything a run depends on, so tests can run kwh in-process.
type Env struct {
	Version   string
	Commit    string // VCS revision, when known
	Args      []string
	IO        *iostreams.IOStreams
	Getenv    func(string) string
	Transport http.RoundTripper
	Sleep     func(context.Context, time.Duration) error
	Pause     func(context.Context, time.Duration) error
}

// NewFactory builds the Factory for an environment.
func NewFactory(env Env) *cmdutil.Factory {
	if env.Version == "" {
		env.Version = "dev"
	}
	return &cmdutil.Factory{
		IOStreams: env.IO,
		Getenv:    env.Getenv,
		Version:   env.Version,
		Commit:    env.Commit,
		Flags:     &cmdutil.GlobalFlags{},
		Transport: env.Transport,
		Sleep:     env.Sleep,
		Pause:     env.Pause,
	}
}

// NewRootCmd builds the command tree (also used to generate completions).
func NewRootCmd(env Env) *cobra.Command { return root.NewCmdRoot(NewFactory(env)) }

// Run executes one kwh invocation and returns its exit code.
func Run(ctx context.Context, env Env) int {
	f := NewFactory(env)
	cmd := root.NewCmdRoot(f)
	cmd.SetArgs(env.Args)
	cmd.SetIn(env.IO.In)
	cmd.SetOut(env.IO.Out)
	cmd.SetErr(env.IO.ErrOut)
	executed, err := cmd.ExecuteContextC(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	code := ExitCode(ctx, err)
	printError(f, executed, err, code)
	return code
}

// ExitCode maps an error to kwh's documented exit codes.
func ExitCode(ctx context.Context, err error) int {
	var exitErr *cmdutil.ExitError
	var flagErr *cmdutil.FlagError
	var noCreds *cmdutil.NoCredentialsError
	var noProfile *cmdutil.UnknownProfileError
	var ambiguous *kibo.AmbiguousSubscriptionError
	switch {
	case err == nil:
		return cmdutil.ExitOK
	case errors.As(err, &exitErr):
		return exitErr.Code
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		return cmdutil.ExitInterrupted
	case errors.As(err, &flagErr) || errors.As(err, &noProfile) || errors.As(err, &ambiguous) || isCobraUsage(err):
		return cmdutil.ExitUsage
	case errors.As(err, &noCreds) || kibo.IsAuth(err):
		return cmdutil.ExitAuth
	}
	return cmdutil.ExitFailure
}

// isCobraUsage recognises the usage errors cobra builds itself.
func isCobraUsage(err error) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "unknown flag") ||
		strings.HasPrefix(msg, "unknown shorthand flag") || strings.Contains(msg, "flag needs an argument")
}

func printError(f *cmdutil.Factory, cmd *cobra.Command, err error, code int) {
	if errors.Is(err, cmdutil.ErrSilent) {
		return
	}
	var exitErr *cmdutil.ExitError
	if errors.As(err, &exitErr) && exitErr.Err == nil {
		return
	}
	th := f.Theme()
	w := f.IOStreams.ErrOut
	if code == cmdutil.ExitInterrupted {
		fmt.Fprintln(w, th.Muted.Render("interrupted"))
		return
	}
	fmt.Fprintln(w, th.Error.Render("error: ")+err.Error())
	if hint := hintFor(f, err, code); hint != "" {
		fmt.Fprintln(w, th.Muted.Render(hint))
		return
	}
	if code == cmdutil.ExitUsage && cmd != nil {
		fmt.Fprintln(w, th.Muted.Render(fmt.Sprintf("Run '%s --help' for usage.", cmd.CommandPath())))
	}
}

// hintFor is what to try next for the errors whose cause kwh knows.
func hintFor(f *cmdutil.Factory, err error, code int) string {
	var hinted interface{ Hint() string }
	var down *kibo.UnreachableError
	switch {
	case errors.As(err, &hinted):
		return hinted.Hint()
	case errors.As(err, &down):
		return unreachableHint(down)
	case code == cmdutil.ExitAuth:
		name, _ := f.ProfileName()
		return "Kibo refused the credentials: check the client id and shared secret in Dev Center, then run `" +
			cmdutil.LoginCommand(name) + "` (or set KIBO_CLIENT_ID and KIBO_SHARED_SECRET)."
	}
	return ""
}

func unreachableHint(e *kibo.UnreachableError) string {
	setting := "--auth-host (KIBO_AUTH_HOST)"
	if e.Role == kibo.RoleAPI {
		setting = "--api-host (KIBO_API_HOST)"
	}
	hint := "Is the host up and the address right? It is set by " + setting + "."
	if u, err := url.Parse(e.Host); err == nil && isLoopback(u.Hostname()) {
		hint = "Is `kwh emulator` running at " + e.Host + "? Start it, or point kwh elsewhere with " + setting + "."
	}
	return hint
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
