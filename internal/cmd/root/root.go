// Package root assembles kwh's command tree and its global flags.
package root

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmd/auth"
	"github.com/kwh-cli/kwh/internal/cmd/check"
	"github.com/kwh-cli/kwh/internal/cmd/completion"
	configcmd "github.com/kwh-cli/kwh/internal/cmd/config"
	"github.com/kwh-cli/kwh/internal/cmd/dlq"
	doctorcmd "github.com/kwh-cli/kwh/internal/cmd/doctor"
	emulatorcmd "github.com/kwh-cli/kwh/internal/cmd/emulator"
	"github.com/kwh-cli/kwh/internal/cmd/events"
	"github.com/kwh-cli/kwh/internal/cmd/inbox"
	listencmd "github.com/kwh-cli/kwh/internal/cmd/listen"
	"github.com/kwh-cli/kwh/internal/cmd/send"
	"github.com/kwh-cli/kwh/internal/cmd/subs"
	"github.com/kwh-cli/kwh/internal/cmd/topics"
	"github.com/kwh-cli/kwh/internal/cmd/verify"
	"github.com/kwh-cli/kwh/internal/cmd/version"
	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/output"
)

// NewCmdRoot builds `kwh` with every command.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kwh <command>",
		Short: "Manage and debug Kibo Commerce webhooks",
		Long: `kwh manages and debugs Kibo Commerce webhooks (events): push subscriptions,
dead deliveries, the pull queue, and a local receiver for handler development.`,
		Example: `  kwh auth login
  kwh subs list
  kwh subs list --all -o json --jq '.[] | select(.isActive == false) | .endpoint'`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       f.Version,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if f.Flags.NoColor || f.Getenv("TERM") == "dumb" {
				f.IOStreams.SetColorEnabled(false)
			}
			if err := f.OutputOptions().Validate(); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			if err := cmdutil.CheckOutputFlags(cmd, f.OutputOptions()); err != nil {
				return err
			}
			return nil
		},
	}
	cmd.SetVersionTemplate("kwh {{.Version}}\n")
	addGlobalFlags(cmd, f)
	f.FlagSet = cmd.PersistentFlags()
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return &cmdutil.FlagError{Err: err} })

	cmd.AddCommand(
		auth.NewCmdAuth(f),
		configcmd.NewCmdConfig(f),
		subs.NewCmdSubs(f),
		events.NewCmdEvents(f),
		dlq.NewCmdDLQ(f),
		topics.NewCmdTopics(f),
		listencmd.NewCmdListen(f, nil),
		inbox.NewCmdInbox(f),
		send.NewCmdSend(f, nil),
		check.NewCmdCheck(f, nil),
		emulatorcmd.NewCmdEmulator(f, nil),
		verify.NewCmdVerify(f, nil),
		doctorcmd.NewCmdDoctor(f, nil),
		version.NewCmdVersion(f),
		completion.NewCmdCompletion(f),
		helpTopic("environment", "Environment variables kwh reads", environmentHelp()),
		helpTopic("exit-codes", "What kwh's exit codes mean", exitCodesHelp),
	)
	cmd.CompletionOptions.DisableDefaultCmd = true
	cmdutil.DeclareOutputs(cmd, outputsOf)
	cmd.SetHelpCommand(newHelpCmd())
	return cmd
}

func addGlobalFlags(cmd *cobra.Command, f *cmdutil.Factory) {
	g := f.Flags
	fl := cmd.PersistentFlags()
	fl.StringVarP(&g.Profile, "profile", "p", "", "profile to use (default: the current one)")
	fl.StringVar(&g.ConfigPath, "config", "", "config file (default $XDG_CONFIG_HOME/kwh/config.yaml)")
	fl.StringVarP(&g.Output, "output", "o", "", "output format: table, wide, json, yaml, ndjson, csv")
	fl.StringVar(&g.JQ, "jq", "", "filter the JSON output with a jq expression")
	fl.StringVar(&g.Template, "template", "", "format the JSON output with a Go template")
	fl.BoolVar(&g.NoColor, "no-color", false, "disable colour (also NO_COLOR)")
	fl.BoolVarP(&g.Quiet, "quiet", "q", false, "print only data and errors")
	fl.BoolVar(&g.Debug, "debug", false, "log every HTTP request and response to stderr (secrets redacted)")
	cmdutil.DurationVar(fl, &g.Timeout, "timeout", 30*time.Second, "timeout of each HTTP attempt")
	fl.StringVarP(&g.Tenant, "tenant", "t", "", "Kibo tenant id")
	fl.StringVarP(&g.Site, "site", "s", "", "Kibo site id")
	fl.StringVarP(&g.ClientID, "client-id", "a", "", "application key (client id)")
	fl.StringVar(&g.AuthHost, "auth-host", "", "auth host or URL (default home.mozu.com)")
	fl.StringVar(&g.APIHost, "api-host", "", "API host or URL (default: looked up from the tenant)")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(output.Formats, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("profile", f.CompleteProfiles)
}

// outputsOf names the commands whose data is not a list or object in every
// -o form: those printing no data (nil) and those streaming lines. The rest
// print through output.Printer and accept every format.
var outputsOf = map[string][]string{
	"kwh auth login":      nil,
	"kwh auth logout":     nil,
	"kwh auth token":      nil, // the bare token, for $(kwh auth token)
	"kwh config get":      nil, // the bare value
	"kwh config set":      nil,
	"kwh config use":      nil,
	"kwh inbox replay":    nil,
	"kwh inbox drop":      nil,
	"kwh emulator":        nil, // its export line is for a shell
	"kwh emulator enable": nil,
	"kwh completion":      nil,
	"kwh listen":          cmdutil.StreamFormats,
	"kwh events tail":     cmdutil.StreamFormats,
	"kwh send":            cmdutil.StreamFormats,
}
