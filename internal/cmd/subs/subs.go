// Package subs implements `kwh subs`: push subscriptions.
package subs

import (
	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
)

// NewCmdSubs is the `subs` noun.
func NewCmdSubs(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "subs <command>",
		Aliases: []string{"subscriptions"},
		Short:   "List and inspect push subscriptions",
		Long: `Push subscriptions tell Kibo where to POST events of which topics.

Kibo's API can only read subscriptions: create, change and re-enable them in
Dev Center. A subscription Kibo disabled after 24 hours of failed deliveries
shows as "disabled by Kibo for tenant N" (or site N): Kibo pushes nothing there
until its owner verifies the event configuration in Dev Center.`,
	}
	cmd.AddCommand(NewCmdList(f, nil), NewCmdGet(f, nil))
	return cmdutil.Noun(cmd)
}
