package auth

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/kibo"
)

// TokenOptions are the inputs of `kwh auth token`.
type TokenOptions struct {
	IO     *iostreams.IOStreams
	Client func() (*kibo.Client, error)
}

// NewCmdToken is `kwh auth token`.
func NewCmdToken(f *cmdutil.Factory, runF func(*TokenOptions) error) *cobra.Command {
	opts := &TokenOptions{IO: f.IOStreams, Client: f.Client}
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print a bearer token for curl and scripts",
		Long: `Print a valid access token on stdout, from the cache or freshly fetched. This
is the only kwh command that prints a token: keep its output out of logs.`,
		Example: `  curl -H "Authorization: Bearer $(kwh auth token)" -H "x-vol-tenant: 12345" \
    https://t12345.sandbox.mozu.com/api/event/pull`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return tokenRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func tokenRun(ctx context.Context, opts *TokenOptions) error {
	client, err := opts.Client()
	if err != nil {
		return err
	}
	tok, err := client.Token(ctx)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(opts.IO.Out, tok.AccessToken)
	return err
}
