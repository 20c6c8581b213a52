package events

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/output"
)

// GetOptions are the inputs of `kwh events get`.
type GetOptions struct {
	Client  func() (*kibo.Client, error)
	Printer func() *output.Printer
	ID      string
}

// NewCmdGet is `kwh events get ID`.
func NewCmdGet(f *cmdutil.Factory, runF func(*GetOptions) error) *cobra.Command {
	opts := &GetOptions{Client: f.Client, Printer: f.Printer}
	return &cobra.Command{
		Use:   "get <event-id>",
		Short: "Show one event of the pull queue",
		Long: `Show one event. The id may be spelled as the pull queue does (32 hex digits),
as a push body does (a dashed GUID), or shortened as the tables print it
(5f1c…01) or as a prefix of at least 4 hex digits; a shortened id that matches
several events lists them.`,
		Example: `  kwh events get 5f1c2e00000000000000000000000001
  kwh events get 5f1c2e00-0000-0000-0000-000000000001 -o json
  kwh events get 5f1c…01`,
		Args:              cmdutil.ExactArgs(1, "which event? give its id"),
		ValidArgsFunction: f.CompleteEvents,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if id, err := NormalizeEventID(args[0]); err == nil {
				opts.ID = id
			} else if !looksShortened(args[0]) {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return getRun(cmd.Context(), opts)
		},
	}
}

func getRun(ctx context.Context, opts *GetOptions) error {
	client, err := opts.Client()
	if err != nil {
		return err
	}
	if !guidShape.MatchString(opts.ID) {
		if opts.ID, err = resolveShortID(ctx, client, opts.ID); err != nil {
			return err
		}
	}
	e, err := client.PullEvent(ctx, opts.ID)
	if err != nil {
		return err
	}
	fields := []output.Field{
		{Name: "id", Value: e.ID},
		{Name: "topic", Value: e.Topic},
		{Name: "entity id", Value: e.EntityID},
		{Name: "time", Value: cmdutil.FormatTimeFull(eventTime(*e))},
		{Name: "tenant/site", Value: tenantSite(e.TenantID, e.SiteID)},
		{Name: "catalog", Value: catalogs(e)},
		{Name: "test", Value: cmdutil.YesNo(e.IsTest)},
		{Name: "correlation id", Value: e.CorrelationID},
	}
	for _, p := range e.ExtendedProperties {
		key := ""
		if p.Key != nil {
			key = *p.Key
		}
		fields = append(fields, output.Field{Name: "  " + key, Value: fmt.Sprint(p.Value)})
	}
	return opts.Printer().PrintObject(e, fields)
}

func catalogs(e *kibo.Event) string {
	var parts []string
	if e.MasterCatalogID != nil {
		parts = append(parts, fmt.Sprintf("master %d", *e.MasterCatalogID))
	}
	if e.CatalogID != nil {
		parts = append(parts, fmt.Sprintf("catalog %d", *e.CatalogID))
	}
	return strings.Join(parts, ", ")
}
