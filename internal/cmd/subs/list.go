package subs

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/output"
	"github.com/kwh-cli/kwh/internal/ui"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// ListOptions are the inputs of `kwh subs list`.
type ListOptions struct {
	IO      *iostreams.IOStreams
	Client  func() (*kibo.Client, error)
	Printer func() *output.Printer
	Theme   func() *ui.Theme
	Context string // tenant and profile, for the footer

	All      bool
	Limit    int
	Topics   []string
	Active   bool
	Inactive bool
}

const defaultLimit = 200

// NewCmdList is `kwh subs list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Client: f.Client, Printer: f.Printer, Theme: f.Theme}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List push subscriptions",
		Long: `List push subscriptions, each with one STATE:

  active       Kibo pushes every event of its topics
  no-callback  Kibo pushes, except events caused by this app's own API calls
  inactive     the subscription is switched off: nothing is pushed
  disabled by Kibo for tenant/site N
               Kibo stopped pushing there after 24 h of failed deliveries;
               fix the endpoint, then verify the event configuration in Dev Center
  unconfirmed  the endpoint was never confirmed: nothing is pushed

--active keeps the first two (Kibo pushes to them), --inactive the rest.
-o json adds state, stateLabel, pushing, disabledTenants, disabledSites and
advice to Kibo's own fields.`,
		Example: `  kwh subs list
  kwh subs list --all --inactive
  kwh subs list --topic 'order.*' -o json
  kwh subs list --jq '.[].endpoint'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Active && opts.Inactive {
				return cmdutil.FlagErrorf("--active and --inactive cannot be used together")
			}
			if opts.Limit < 1 {
				return cmdutil.FlagErrorf("--limit must be at least 1")
			}
			if p, err := f.Profile(); err == nil {
				opts.Context = contextLine(p.Tenant, p.Name)
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "fetch every subscription, not just the first --limit")
	cmd.Flags().IntVarP(&opts.Limit, "limit", "L", defaultLimit, "how many subscriptions to show at most")
	cmd.Flags().StringSliceVar(&opts.Topics, "topic", nil, "only subscriptions to this topic or glob (repeatable)")
	_ = cmd.RegisterFlagCompletionFunc("topic", cmdutil.CompleteTopics)
	cmd.Flags().BoolVar(&opts.Active, "active", false, "only subscriptions Kibo pushes to (active, no-callback)")
	cmd.Flags().BoolVar(&opts.Inactive, "inactive", false, "only subscriptions Kibo pushes nothing to (inactive, disabled by Kibo, unconfirmed)")
	return cmd
}

func contextLine(tenant, profile string) string {
	parts := []string{}
	if tenant != "" {
		parts = append(parts, "tenant "+tenant)
	}
	return strings.Join(append(parts, "profile "+profile), " · ")
}

func listRun(ctx context.Context, opts *ListOptions) error {
	client, err := opts.Client()
	if err != nil {
		return err
	}
	// The sites' own isActive only comes with this response group.
	params := kibo.ListParams{Limit: opts.Limit, ResponseGroups: "SubscribingSites"}
	if opts.All {
		params.Limit = 0
	}
	list, err := client.Subscriptions(ctx, params, opts.want())
	if err != nil {
		return err
	}
	p := opts.Printer()
	if err := p.PrintList(Views(list.Items), subscriptionTable(list.Items)); err != nil {
		return err
	}
	if p.ShowsFooter() {
		opts.footer(len(list.Items), list.TotalCount)
	}
	return nil
}

// want applies the filters Kibo's API has no parameter for.
func (opts *ListOptions) want() func(kibo.EventSubscription) bool {
	if len(opts.Topics) == 0 && !opts.Active && !opts.Inactive {
		return nil
	}
	return func(s kibo.EventSubscription) bool {
		pushing := s.Status().Pushing
		if (opts.Active && !pushing) || (opts.Inactive && pushing) {
			return false
		}
		return len(opts.Topics) == 0 || subscribesTo(s, opts.Topics)
	}
}

func subscribesTo(s kibo.EventSubscription, patterns []string) bool {
	for _, p := range patterns {
		for _, t := range s.Topics {
			if webhook.SubscriptionTakes(t, p) {
				return true
			}
		}
	}
	return false
}

func (opts *ListOptions) footer(shown, total int) {
	th := opts.Theme()
	line := fmt.Sprintf("%d %s", shown, cmdutil.Plural(shown, "subscription", "subscriptions"))
	if opts.Context != "" {
		line += " · " + opts.Context
	}
	fmt.Fprintln(opts.IO.ErrOut, th.Muted.Render(line))
	if !opts.All && shown == opts.Limit && total > shown && opts.want() == nil {
		fmt.Fprintln(opts.IO.ErrOut, th.Muted.Render(fmt.Sprintf("showing %d of %d: use --all to see every one", shown, total)))
	}
}

// View is the JSON form of a subscription: Kibo's fields and kwh's reading
// of its state.
type View struct {
	kibo.EventSubscription
	kibo.SubscriptionStatus
}

// Views reads the state of each subscription.
func Views(subs []kibo.EventSubscription) []View {
	out := make([]View, len(subs))
	for i, s := range subs {
		out[i] = View{EventSubscription: s, SubscriptionStatus: s.Status()}
	}
	return out
}

func styleSubState(t *ui.Theme, v string) string {
	switch {
	case v == string(kibo.SubActive):
		return t.Success.Render(v)
	case v == string(kibo.SubNoCallback):
		return t.Warning.Render(v)
	}
	return t.Error.Render(v)
}

var columns = []output.Column{
	{Header: "id", Short: true},
	{Header: "endpoint", Style: cmdutil.StyleAccent, Flex: true},
	{Header: "topics", Max: 48, Flex: true},
	{Header: "state", Style: styleSubState},
	{Header: "active", Wide: true, Style: cmdutil.StyleYesNo},
	{Header: "confirmed", Wide: true, Style: cmdutil.StyleYesNo},
	{Header: "no callback", Wide: true, Style: cmdutil.StyleYesNo},
	{Header: "tenants", Wide: true},
	{Header: "app", Wide: true},
	{Header: "updated", Wide: true},
}

func subscriptionTable(subs []kibo.EventSubscription) output.Table {
	t := output.Table{Columns: columns}
	for _, s := range subs {
		updated := s.UpdateDate
		if updated == nil {
			updated = s.CreateDate
		}
		t.Rows = append(t.Rows, []string{
			s.ID, s.Endpoint, strings.Join(s.Topics, ", "), s.Status().Label,
			cmdutil.YesNo(s.IsActive), cmdutil.YesNo(s.Confirmed), cmdutil.YesNo(s.NoCallback),
			tenantsCell(s.SubscribingTenants), s.AppID, cmdutil.FormatTime(updated),
		})
	}
	return t
}

func tenantsCell(ts []kibo.SubscribingTenant) string {
	var parts []string
	for _, t := range ts {
		if t.TenantID == nil {
			continue
		}
		p := fmt.Sprint(*t.TenantID)
		var sites []string
		for _, s := range t.SubscribingSites {
			if s.SiteID != nil {
				sites = append(sites, fmt.Sprint(*s.SiteID))
			}
		}
		if len(sites) > 0 {
			p += "/" + strings.Join(sites, "+")
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}
