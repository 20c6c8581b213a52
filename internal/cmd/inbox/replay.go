package inbox

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/netutil"
	"github.com/kwh-cli/kwh/internal/output"
)

// ReplayOptions are the inputs of `kwh inbox replay`.
type ReplayOptions struct {
	IO        *iostreams.IOStreams
	Printer   func() *output.Printer
	Profile   func() (config.Profile, error)
	Transport http.RoundTripper
	StateDir  string
	Now       func() time.Time

	Store       string
	RedisPrefix string
	IDs         []uint64
	To          string
	KeepHeaders bool
}

// NewCmdReplay is `kwh inbox replay`.
func NewCmdReplay(f *cmdutil.Factory, runF func(*ReplayOptions) error) *cobra.Command {
	o := &ReplayOptions{IO: f.IOStreams, Printer: f.Printer, Profile: f.Profile, Transport: f.Transport, StateDir: config.StateDir(f.Getenv), Now: time.Now}
	cmd := &cobra.Command{
		Use: "replay <id>...", Short: "Forward received events to your app again",
		Long: `Forward received events again: to --to URL, or to the targets they went to.
The body is sent byte for byte with the original headers, re-signed with a
fresh Date when the profile has a shared secret (so a handler that enforces
Kibo's 180 s limit accepts it); --keep-headers sends them untouched.`,
		Example: "  kwh inbox replay 12\n  kwh inbox replay 12 13 14 --to http://localhost:3000/hooks",
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("which deliveries? give their ids (see `kwh inbox list`)")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			if err := cmdutil.ResolveStore(c.Flags(), &o.Store, &o.RedisPrefix, f.Profile); err != nil {
				return err
			}
			ids, err := parseIDs(args)
			if err != nil {
				return err
			}
			o.IDs = ids
			if o.To != "" {
				if err := cmdutil.CheckURL(o.To); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(o)
			}
			return replayRun(c.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.To, "to", "", "send here instead of the original targets")
	cmd.Flags().BoolVar(&o.KeepHeaders, "keep-headers", false, "send the original Date and signature, not fresh ones")
	storeFlags(cmd, &o.Store, &o.RedisPrefix)
	cmd.ValidArgsFunction = completeIDs(&o.Store, &o.RedisPrefix, o.StateDir, f.Profile, 0)
	return cmd
}

func replayRun(ctx context.Context, o *ReplayOptions) error {
	secret := ""
	if !o.KeepHeaders {
		if p, err := o.Profile(); err == nil {
			secret = p.SharedSecret
		}
	}
	st, err := openInbox(o.Store, o.StateDir, o.RedisPrefix)
	if err != nil {
		return err
	}
	defer st.Close()
	th := o.Printer().Theme // the lines are data on stdout: stdout's colours
	failed := 0
	for _, id := range o.IDs {
		d, err := st.Get(id)
		if err != nil {
			return err
		}
		targets := d.Targets
		if o.To != "" {
			targets = []string{o.To}
		}
		if len(targets) == 0 {
			return cmdutil.FlagErrorf("delivery %d had no forward target: give --to URL", id)
		}
		for _, t := range targets {
			status, lat, err := listen.Reforward(ctx, o.Transport, listen.DefaultForwardTimeout, d, t, secret, o.Now())
			line := fmt.Sprintf("%d  %s  → %d %s  %s  %s", id, d.Topic, status, http.StatusText(status), lat.Round(time.Millisecond), t)
			if err != nil || status < 200 || status > 299 {
				failed++
				if err != nil {
					line = fmt.Sprintf("%d  %s  → %s  %s", id, d.Topic, netutil.ShortError(err), t)
				}
				fmt.Fprintln(o.IO.Out, th.Error.Render(line))
				continue
			}
			fmt.Fprintln(o.IO.Out, line)
		}
	}
	if failed > 0 {
		return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Err: fmt.Errorf("%d %s not accepted", failed, cmdutil.Plural(failed, "replay was", "replays were"))}
	}
	return nil
}
