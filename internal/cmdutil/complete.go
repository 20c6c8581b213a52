package cmdutil

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/kibo"
)

// Completion functions for ids that live in Kibo: they ask Kibo (briefly,
// quietly) under the flags typed so far (-p, --tenant, ...).

// completeTimeout bounds how long a <TAB> may wait on Kibo.
const completeTimeout = 5 * time.Second

// completeLimit is how many items a completion lists.
const completeLimit = 200

func (f *Factory) completionClient(cmd *cobra.Command) (*kibo.Client, context.Context, context.CancelFunc, bool) {
	f.Flags.Quiet = true // a retry notice on stderr would garble the shell's line
	client, err := f.Client()
	if err != nil {
		return nil, nil, nil, false
	}
	parent := cmd.Context()
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithTimeout(parent, completeTimeout)
	return client, ctx, cancel, true
}

// CompleteSubscriptions completes a subscription id, described by endpoint.
func (f *Factory) CompleteSubscriptions(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	client, ctx, cancel, ok := f.completionClient(cmd)
	if !ok {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer cancel()
	subs, err := client.Subscriptions(ctx, kibo.ListParams{Limit: completeLimit}, nil)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, s := range subs.Items {
		if kibo.MatchID(s.ID, toComplete) {
			out = append(out, s.ID+"\t"+s.Endpoint)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// CompleteSubscriptionArg completes a command's first argument as a subscription.
func (f *Factory) CompleteSubscriptionArg(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return f.CompleteSubscriptions(cmd, args, toComplete)
}

// CompleteDeliveries completes `SUBSCRIPTION PROCESS`: a subscription first,
// then the process ids of that subscription's deliveries, newest first.
func (f *Factory) CompleteDeliveries(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	switch len(args) {
	case 0:
		return f.CompleteSubscriptions(cmd, args, toComplete)
	case 1:
	default:
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	client, ctx, cancel, ok := f.completionClient(cmd)
	if !ok {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer cancel()
	subs, err := client.Subscriptions(ctx, kibo.ListParams{Limit: completeLimit}, nil)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	sub, err := kibo.PickSubscription(subs.Items, args[0])
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	list, err := client.SubscriptionDeliveryAttempts(ctx, sub.ID, kibo.ListParams{Limit: completeLimit}, nil)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, d := range list.Items {
		if d.ID == nil {
			continue
		}
		id := fmt.Sprint(*d.ID)
		if !strings.HasPrefix(id, toComplete) {
			continue
		}
		desc := d.DeliveryStatus
		if e := d.EventSummary; e != nil {
			desc = strings.TrimSpace(e.Topic + " " + e.EntityID + " " + desc)
		}
		out = append(out, id+"\t"+desc)
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
}

// CompleteEvents completes an event id of the pull queue, newest first.
func (f *Factory) CompleteEvents(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	client, ctx, cancel, ok := f.completionClient(cmd)
	if !ok {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer cancel()
	p := kibo.ListParams{Limit: completeLimit}
	if prefix := strings.ToLower(strings.ReplaceAll(toComplete, "-", "")); len(prefix) >= 4 && isHex(prefix) {
		p.Filter = "id sw " + prefix
	}
	evs, err := client.PullEvents(ctx, p, nil)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, e := range evs.Items {
		if kibo.MatchID(e.ID, strings.ReplaceAll(toComplete, "-", "")) {
			out = append(out, e.ID+"\t"+strings.TrimSpace(e.Topic+" "+e.EntityID))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
}

// CompleteProfiles completes a profile name from the config file.
func (f *Factory) CompleteProfiles(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	cfg, err := f.Config()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, name := range cfg.Profiles() {
		if strings.HasPrefix(name, toComplete) {
			desc := cfg.Values(name)[config.KeyTenant]
			if desc != "" {
				desc = "tenant " + desc
			}
			if name == cfg.Current() {
				desc = strings.TrimSpace("current " + desc)
			}
			out = append(out, name+"\t"+desc)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// CompleteProfileArg completes a command's single PROFILE argument.
func (f *Factory) CompleteProfileArg(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return f.CompleteProfiles(cmd, args, toComplete)
}

// CompleteConfigKey completes a profile key (config get/set KEY).
func CompleteConfigKey(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, k := range config.Keys {
		if strings.HasPrefix(k, toComplete) {
			out = append(out, k)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func isHex(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}
