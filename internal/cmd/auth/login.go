package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/ui"
)

// LoginOptions are the inputs of `kwh auth login`.
type LoginOptions struct {
	IO        *iostreams.IOStreams
	Config    func() (*config.File, error)
	Profile   func() (config.Profile, error)
	ClientFor func(config.Profile) (*kibo.Client, error)
	Theme     func() *ui.Theme

	SecretStdin bool
	SkipCheck   bool
}

// NewCmdLogin is `kwh auth login`.
func NewCmdLogin(f *cmdutil.Factory, runF func(*LoginOptions) error) *cobra.Command {
	opts := &LoginOptions{IO: f.IOStreams, Config: f.Config, Profile: f.NewProfile, ClientFor: f.ClientFor, Theme: f.Theme}
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Store a profile's credentials and check them",
		Long: `Store a profile (client id, shared secret, tenant, site, hosts) in the config
file and check it by getting a token. Values come from flags, then KIBO_*
variables; on a terminal kwh asks for whatever is missing. The shared secret
is never a flag value: type it at the prompt, set KIBO_SHARED_SECRET, or pipe
it with --shared-secret-stdin.`,
		Example: `  kwh auth login
  kwh auth login -p sandbox -a ns.Hooks.1.0.0.Release -t 12345 --shared-secret-stdin < secret.txt
  KIBO_CLIENT_ID=... KIBO_SHARED_SECRET=... KIBO_TENANT=12345 kwh auth login`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return loginRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.SecretStdin, "shared-secret-stdin", false, "read the shared secret from standard input")
	cmd.Flags().BoolVar(&opts.SkipCheck, "skip-check", false, "store the profile without getting a token")
	return cmd
}

var sharedSecretShape = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)

func loginRun(ctx context.Context, opts *LoginOptions) error {
	p, err := opts.Profile()
	if err != nil {
		return err
	}
	if opts.SecretStdin {
		raw, err := io.ReadAll(opts.IO.In)
		if err != nil {
			return err
		}
		p.SharedSecret = strings.TrimSpace(string(raw))
	}
	if err := promptMissing(opts, &p); err != nil {
		return err
	}
	th := opts.Theme()
	if !sharedSecretShape.MatchString(p.SharedSecret) {
		fmt.Fprintln(opts.IO.ErrOut, th.Warning.Render("! the shared secret is not 32 hex characters; check that you copied all of it"))
	}
	var expiry time.Time
	if !opts.SkipCheck {
		client, err := opts.ClientFor(p)
		if err != nil {
			return err
		}
		tok, err := client.Token(ctx)
		if err != nil {
			return err // nothing is stored when Kibo refuses the credentials
		}
		expiry = tok.Expiry
	}
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	if err := cfg.SetProfile(p.Name, profileValues(p)); err != nil {
		return err
	}
	if err := cfg.Use(p.Name); err != nil {
		return err
	}
	msg := fmt.Sprintf("✓ Logged in as %s (profile %s", p.ClientID, p.Name)
	if p.Tenant != "" {
		msg += ", tenant " + p.Tenant
	}
	msg += "); " + p.Name + " is now the current profile"
	if !expiry.IsZero() {
		msg += "; token valid until " + expiry.UTC().Format("15:04 MST")
	}
	fmt.Fprintln(opts.IO.ErrOut, th.Success.Render(msg))
	fmt.Fprintln(opts.IO.ErrOut, th.Muted.Render("saved to "+cfg.Path()))
	return nil
}

// profileValues is what login stores: every value that was given.
func profileValues(p config.Profile) map[string]string {
	out := map[string]string{}
	for _, k := range config.Keys {
		if v := p.Value(k); v != "" && !(k == config.KeyAuthHost && v == config.DefaultAuthHost && p.Sources[k] == "default") {
			out[k] = v
		}
	}
	return out
}

func promptMissing(opts *LoginOptions, p *config.Profile) error {
	var missing []string
	if p.ClientID == "" {
		missing = append(missing, "client id")
	}
	if p.SharedSecret == "" {
		missing = append(missing, "shared secret")
	}
	if len(missing) == 0 {
		return nil
	}
	if !opts.IO.CanPrompt() {
		return &cmdutil.NoCredentialsError{Profile: p.Name, Missing: missing}
	}
	ask := func(label string, secret bool, dst *string) error {
		fmt.Fprint(opts.IO.ErrOut, label+": ")
		var v string
		var err error
		if secret {
			v, err = opts.IO.ReadPassword()
			fmt.Fprintln(opts.IO.ErrOut)
		} else {
			v, err = opts.IO.ReadLine()
		}
		if err != nil {
			return errors.New("login cancelled")
		}
		*dst = strings.TrimSpace(v)
		return nil
	}
	if p.ClientID == "" {
		if err := ask("Application key (client id)", false, &p.ClientID); err != nil {
			return err
		}
	}
	if p.SharedSecret == "" {
		if err := ask("Shared secret", true, &p.SharedSecret); err != nil {
			return err
		}
	}
	if p.Tenant == "" {
		if err := ask("Tenant id (optional)", false, &p.Tenant); err != nil {
			return err
		}
	}
	if p.ClientID == "" || p.SharedSecret == "" {
		return &cmdutil.NoCredentialsError{Profile: p.Name, Missing: missing}
	}
	return nil
}
