package auth

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/ui"
)

// LogoutOptions are the inputs of `kwh auth logout`.
type LogoutOptions struct {
	IO       *iostreams.IOStreams
	Profile  func() (config.Profile, error)
	Theme    func() *ui.Theme
	CacheDir string
	All      bool
}

// NewCmdLogout is `kwh auth logout`.
func NewCmdLogout(f *cmdutil.Factory, runF func(*LogoutOptions) error) *cobra.Command {
	opts := &LogoutOptions{IO: f.IOStreams, Profile: f.Profile, Theme: f.Theme, CacheDir: config.CacheDir(f.Getenv)}
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Forget the cached token",
		Long: `Delete the cached token of the profile in use (or, with --all, every cached
token and tenant lookup). The profile's credentials stay in the config file;
remove them there if you no longer want them.`,
		Example: `  kwh auth logout
  kwh auth logout --all`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return logoutRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "forget every cached token and tenant lookup")
	return cmd
}

func logoutRun(opts *LogoutOptions) error {
	th := opts.Theme()
	if opts.All {
		if err := kibo.ForgetAllTokens(opts.CacheDir); err != nil {
			return err
		}
		fmt.Fprintln(opts.IO.ErrOut, th.Success.Render("✓ Forgot every cached token"))
		return nil
	}
	p, err := opts.Profile()
	if err != nil {
		return err
	}
	if p.ClientID == "" {
		return &cmdutil.NoCredentialsError{Profile: p.Name, Missing: []string{"client id"}}
	}
	if err := kibo.ForgetToken(kibo.Options{Profile: p.Name, ClientID: p.ClientID, AuthHost: p.AuthHost, CacheDir: opts.CacheDir}); err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.ErrOut, th.Success.Render("✓ Forgot the cached token of profile "+p.Name))
	return nil
}
