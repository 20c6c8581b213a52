// Package auth implements `kwh auth`: credentials and tokens.
package auth

import (
	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
)

// NewCmdAuth is the `auth` noun.
func NewCmdAuth(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth <command>",
		Short: "Log in to Kibo and manage tokens",
		Long: `kwh authenticates as a Kibo application with OAuth2 client credentials: the
application key (client id, ns.AppName.1.0.0.Release) and its shared secret,
both from Dev Center. Tokens are cached per profile under $XDG_CACHE_HOME/kwh
and reused until about a minute before they expire.`,
	}
	cmd.AddCommand(NewCmdLogin(f, nil), NewCmdStatus(f, nil), NewCmdToken(f, nil), NewCmdLogout(f, nil))
	return cmdutil.Noun(cmd)
}
