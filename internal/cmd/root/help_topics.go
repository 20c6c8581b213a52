package root

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/config"
)

var exitCodesHelp = `kwh exits with:

  0    success
  1    failure: a request failed, Kibo answered an error, a Kibo host could not be
       reached, an endpoint refused events
  2    usage error: unknown command or flag, bad argument, a profile that does not
       exist
  3    a check failed: dlq list --fail-if-any found deliveries, verify found a bad
       signature, doctor found a problem (--strict: a warning too), check found a
       handler Kibo would fail
  4    authentication: no credentials, or Kibo answered and refused them (wrong
       secret, token refused)
  130  interrupted (Ctrl-C)`

func environmentHelp() string {
	var b strings.Builder
	b.WriteString("Settings resolve in the order flag > environment > config file > default.\n\n")
	names := map[string]string{
		config.KeyClientID:     "application key, ns.AppName.1.0.0.Release (flag -a/--client-id)",
		config.KeySharedSecret: "the application's shared secret (never a flag)",
		config.KeyTenant:       "tenant id (flag -t/--tenant)",
		config.KeySite:         "site id (flag -s/--site)",
		config.KeyAuthHost:     "auth host, default home.mozu.com; EU home.euw1.kibocommerce.com (flag --auth-host)",
		config.KeyAPIHost:      "API host; looked up from the tenant when unset (flag --api-host)",
		config.KeyStore:        "kwh listen's and kwh inbox's store: a directory, or redis://[user:pass@]host:port/db shared by several receivers (flag --store)",
	}
	for _, k := range config.Keys {
		fmt.Fprintf(&b, "  %s\n      %s\n", strings.Join(config.EnvNames[k], ", "), names[k])
	}
	b.WriteString(`  KWH_PROFILE
      profile to use (flag -p/--profile)
  KWH_CONFIG
      config file (flag --config), default $XDG_CONFIG_HOME/kwh/config.yaml
  XDG_CONFIG_HOME, XDG_CACHE_HOME, XDG_STATE_HOME
      where kwh keeps its config, token cache and state
  NO_COLOR, CLICOLOR, CLICOLOR_FORCE
      NO_COLOR (any value) or CLICOLOR=0 turn colour off; CLICOLOR_FORCE=1 forces it

Hosts take a bare name (https is assumed) or a full URL such as
http://127.0.0.1:5050 for the emulator.`)
	return b.String()
}

func helpTopic(name, short, long string) *cobra.Command {
	return &cobra.Command{
		Use:   name,
		Short: short,
		Long:  long,
	}
}

// newHelpCmd is `kwh help [command|topic]`. cobra's own prints "Unknown help
// topic" and exits 0; a typo here (kwh help env) is a usage error.
func newHelpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command or topic (environment, exit-codes)",
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			var out []string
			for _, sub := range c.Root().Commands() {
				if sub.IsAvailableCommand() || sub.IsAdditionalHelpTopicCommand() {
					out = append(out, sub.Name()+"\t"+sub.Short)
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := c.Root().Find(args)
			if err != nil || target == nil || len(rest) > 0 {
				var topics []string
				for _, sub := range c.Root().Commands() {
					if sub.IsAdditionalHelpTopicCommand() {
						topics = append(topics, sub.Name())
					}
				}
				return cmdutil.FlagErrorf("no help for %q: give a command, or one of the topics %s", strings.Join(args, " "), strings.Join(topics, ", "))
			}
			target.InitDefaultHelpFlag()
			return target.Help()
		},
	}
}
