package subs

import (
	"context"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/output"
)

// GetOptions are the inputs of `kwh subs get`.
type GetOptions struct {
	IO      *iostreams.IOStreams
	Client  func() (*kibo.Client, error)
	Printer func() *output.Printer
	ID      string
}

// NewCmdGet is `kwh subs get ID`.
func NewCmdGet(f *cmdutil.Factory, runF func(*GetOptions) error) *cobra.Command {
	opts := &GetOptions{IO: f.IOStreams, Client: f.Client, Printer: f.Printer}
	cmd := &cobra.Command{
		Use:   "get <id>",
		Short: "Show one push subscription",
		Long: `Show one push subscription. The id may be the full id, a unique prefix of
it, or the short form the table prints (3f9c…a1).`,
		Example: `  kwh subs get 3f9c5e0e2b8a4d7f9c1e6a2b4d8f00a1
  kwh subs get 3f9c -o json`,
		Args:              cmdutil.ExactArgs(1, "which subscription? give its id (see `kwh subs list`)"),
		ValidArgsFunction: f.CompleteSubscriptionArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if runF != nil {
				return runF(opts)
			}
			return getRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func getRun(ctx context.Context, opts *GetOptions) error {
	client, err := opts.Client()
	if err != nil {
		return err
	}
	// Kibo has no GET of one subscription: list them all and pick.
	list, err := client.Subscriptions(ctx, kibo.ListParams{ResponseGroups: "SubscribingSites"}, nil)
	if err != nil {
		return err
	}
	s, err := kibo.PickSubscription(list.Items, opts.ID)
	if err != nil {
		return err
	}
	return opts.Printer().PrintObject(View{EventSubscription: s, SubscriptionStatus: s.Status()}, detailFields(s))
}

func detailFields(s kibo.EventSubscription) []output.Field {
	st := s.Status()
	fields := []output.Field{
		{Name: "id", Value: s.ID},
		{Name: "endpoint", Value: s.Endpoint},
		{Name: "topics", Value: strings.Join(s.Topics, ", ")},
		{Name: "state", Value: st.Label},
		{Name: "active", Value: cmdutil.YesNo(s.IsActive)},
		{Name: "confirmed", Value: cmdutil.YesNo(s.Confirmed)},
		{Name: "no callback", Value: cmdutil.YesNo(s.NoCallback)},
		{Name: "delivery", Value: strings.TrimSpace(s.NotificationDeliveryType + " " + s.ContentType)},
		{Name: "tenants", Value: tenantsCell(s.SubscribingTenants)},
		{Name: "app", Value: s.AppID},
		{Name: "api version", Value: s.APIVersion},
		{Name: "created", Value: strings.TrimSpace(cmdutil.FormatTimeFull(s.CreateDate) + " " + s.CreateBy)},
		{Name: "updated", Value: strings.TrimSpace(cmdutil.FormatTimeFull(s.UpdateDate) + " " + s.UpdateBy)},
	}
	if st.Advice != "" {
		fields = slices.Insert(fields, 4, output.Field{Name: "what to do", Value: st.Advice})
	}
	return fields
}
