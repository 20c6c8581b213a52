package emulator

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/emulator"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/ui"
)

// EnableOptions are the inputs of `kwh emulator enable`.
type EnableOptions struct {
	IO        *iostreams.IOStreams
	Profile   func() (config.Profile, error)
	Theme     func() *ui.Theme
	Transport http.RoundTripper

	Subscription string
	Emulator     string
}

// NewCmdEnable is `kwh emulator enable SUBSCRIPTION`.
func NewCmdEnable(f *cmdutil.Factory, runF func(*EnableOptions) error) *cobra.Command {
	opts := &EnableOptions{IO: f.IOStreams, Profile: f.Profile, Theme: f.Theme, Transport: f.Transport}
	cmd := &cobra.Command{
		Use:   "enable <subscription>",
		Short: "Re-enable a subscription the emulator disabled (what Dev Center does)",
		Long: `Like Kibo, the emulator disables a subscriber whose deliveries failed for 24
hours (of its --time-scale'd time): kwh subs list shows it "disabled by Kibo
for tenant N" and new events are not pushed to it. On a real tenant its owner
re-enables it by verifying the event configuration in Dev Center; against the
emulator, this command does it. The id may be a unique prefix of at least 4
characters.`,
		Example: `  kwh -p emulator emulator enable 3f9c5e0e2b8a4d7f9c1e6a2b4d8f00a1
  kwh emulator enable 3f9c --emulator http://127.0.0.1:5050`,
		Args: cmdutil.ExactArgs(1, "which subscription? see `kwh subs list`"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Subscription = args[0]
			if runF != nil {
				return runF(opts)
			}
			return enableRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Emulator, "emulator", "", "the emulator's URL (default: the profile's API host)")
	return cmd
}

func enableRun(ctx context.Context, opts *EnableOptions) error {
	base, err := emulatorBase(opts.Emulator, opts.Profile)
	if err != nil {
		return err
	}
	out, err := emulator.ReenableAt(ctx, opts.Transport, base, opts.Subscription)
	if err != nil {
		return err
	}
	th := opts.Theme()
	if len(out.Scopes) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, th.Muted.Render(fmt.Sprintf("subscription %s was not disabled: nothing to do", out.SubscriptionID)))
		return nil
	}
	fmt.Fprintln(opts.IO.ErrOut, th.Success.Render(fmt.Sprintf("✓ subscription %s re-enabled for %s: new events are pushed to it again", out.SubscriptionID, strings.Join(out.Scopes, ", "))))
	return nil
}

// emulatorBase is --emulator, or the profile's API host.
func emulatorBase(flag string, profile func() (config.Profile, error)) (string, error) {
	base := flag
	if base == "" {
		p, err := profile()
		if err != nil {
			return "", err
		}
		if p.APIHost == "" {
			return "", cmdutil.FlagErrorf("where is the emulator? give --emulator URL or set KIBO_API_HOST (kwh emulator prints it)")
		}
		base = p.APIHost
	}
	u, err := kibo.BaseURL(base)
	if err != nil {
		return "", cmdutil.FlagErrorf("--emulator: %v", err)
	}
	return u.String(), nil
}
