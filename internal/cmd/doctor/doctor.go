// Package doctor implements `kwh doctor`: Kibo's debugging checklist as one
// command. The checks live in internal/doctor; this file builds their inputs
// and renders their results.
package doctor

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/doctor"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/output"
	"github.com/kwh-cli/kwh/internal/store/redisstore"
	"github.com/kwh-cli/kwh/internal/ui"
)

// Options are the inputs of `kwh doctor`.
type Options struct {
	IO          *iostreams.IOStreams
	Profile     func() (config.Profile, error)
	ProfileFrom func() string // where the profile's name came from
	Client      func(config.Profile) (*kibo.Client, error)
	Printer     func() *output.Printer
	Theme       func() *ui.Theme
	Transport   http.RoundTripper
	StateDir    string
	Quiet       bool
	Now         func() time.Time

	Subscriptions []string
	Probe         bool
	ProbeTimeout  time.Duration
	Listen        bool
	Store         string
	Strict        bool
}

// NewCmdDoctor is `kwh doctor`.
func NewCmdDoctor(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Profile: f.Profile, ProfileFrom: profileSource(f), Client: f.ClientFor,
		Printer: f.Printer, Theme: f.Theme, Transport: f.Transport, StateDir: config.StateDir(f.Getenv), Now: time.Now}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Find out why your endpoint is not receiving events",
		Long: `Run Kibo's debugging checklist and say what is wrong, why, and what to do:

  settings      which profile, where each setting came from, tenant and site
  credentials   a token request succeeds (wrong secret and unreachable host told apart)
  clock         skew against the auth host's Date (signatures fail beyond 180 s)
  tenant        the tenant lookup works and its API host answers
  subscription  active at subscription, tenant and site level; confirmed; noCallback
  topics        every topic exists in Kibo's catalog
  endpoint      a valid URL (plain http is a warning)
  reachability  Kibo could reach it from the internet (real tenants only)
  probe         --probe: a signed isTest push answered 200 within 45 s
  dead-letters  dead deliveries and those Kibo is still retrying
  pull-queue    the pull queue is readable
  listener      --listen, or whenever one runs: kwh listen ready, its forward
                targets accepting connections, spooled and given-up forwards

Each result prints as it is known: ✓ ok, ! warning, ✗ failed, – skipped
(an earlier check it needs failed). Exits 3 when a check failed (--strict:
a warning too), 0 otherwise. -o json prints an array of
{check, subject, status, detail, hint} for CI.`,
		Example: `  kwh doctor
  kwh doctor --subscription 3f9c…a1 --probe
  kwh doctor -o json --jq '.[] | select(.status == "fail")'
  kwh doctor --strict -q   # in CI: exit 3 on any warning or failure`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.ProbeTimeout <= 0 {
				return cmdutil.FlagErrorf("--probe-timeout must be positive")
			}
			if strings.Contains(opts.Store, "://") {
				return cmdutil.FlagErrorf("--store %q: kwh doctor finds a local kwh listen through its store directory; replicas on a redis:// store answer /readyz and --metrics-addr instead", redisstore.Redact(opts.Store))
			}
			opts.Quiet = f.Flags.Quiet
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&opts.Subscriptions, "subscription", nil, "only these subscriptions (id, prefix or short form; repeatable)")
	_ = cmd.RegisterFlagCompletionFunc("subscription", f.CompleteSubscriptions)
	fl.BoolVar(&opts.Probe, "probe", false, "send each endpoint a signed isTest push and expect 200 within 45 s")
	cmdutil.DurationVar(fl, &opts.ProbeTimeout, "probe-timeout", kibo.PushTimeout, "how long a probe waits for an answer (Kibo waits 45 s)")
	_ = fl.MarkHidden("probe-timeout")
	fl.BoolVar(&opts.Listen, "listen", false, "check the local kwh listen (a failure when none runs)")
	fl.StringVar(&opts.Store, "store", "", "kwh listen's store directory (else KWH_STORE or the profile's store, else $XDG_STATE_HOME/kwh)")
	fl.BoolVar(&opts.Strict, "strict", false, "exit 3 on warnings too")
	return cmd
}

// profileSource says where the profile's name comes from.
func profileSource(f *cmdutil.Factory) func() string {
	return func() string {
		switch {
		case f.Flags.Profile != "":
			return "flag --profile"
		case f.Getenv("KWH_PROFILE") != "":
			return "env KWH_PROFILE"
		}
		if cfg, err := f.Config(); err == nil && cfg.Current() != config.DefaultProfile {
			return "the config file's current profile"
		}
		return "default"
	}
}

// Run runs the checklist and renders each result as it finishes.
func Run(ctx context.Context, opts *Options) error {
	p, err := opts.Profile()
	if err != nil {
		return err
	}
	d := buildDoctor(opts, p)
	render := newRenderer(opts)
	rep := doctor.Run(ctx, d, doctor.Checks(), func(r doctor.Result) { render.result(r) })
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err := render.finish(rep); err != nil {
		return err
	}
	if rep.Failed(opts.Strict) {
		return &cmdutil.ExitError{Code: cmdutil.ExitCheckFailed}
	}
	return nil
}
