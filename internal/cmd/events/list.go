package events

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/output"
	"github.com/kwh-cli/kwh/internal/ui"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// ListOptions are the inputs of `kwh events list`.
type ListOptions struct {
	IO      *iostreams.IOStreams
	Client  func() (*kibo.Client, error)
	Printer func() *output.Printer
	Theme   func() *ui.Theme
	Now     func() time.Time

	Topics      []string
	EntityID    string
	Since       string
	Until       string
	Filter      string
	Sort        string
	Limit       int
	All         bool
	Concurrency int
}

// NewCmdList is `kwh events list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Client: f.Client, Printer: f.Printer, Theme: f.Theme, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List events of the pull queue",
		Long: `List events of the pull queue. --topic takes names or globs and may repeat
(order.* becomes "topic sw order."); all filters are sent to Kibo as one
filter expression. --filter adds a raw Kibo filter (field op value, with eq,
ne, gt, lt, ge, le, sw, cont, joined by and/or).`,
		Example: `  kwh events list --topic order.opened
  kwh events list --topic 'order.*' --topic return.opened --since 2h
  kwh events list --entity-id 100234 -o wide
  kwh events list --since 2026-11-20 --until 2026-11-21 --all -o ndjson
  kwh events list --filter 'isTest eq false' --sort 'auditInfo.createDate desc'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Limit < 1 {
				return cmdutil.FlagErrorf("--limit must be at least 1")
			}
			if opts.Concurrency < 1 {
				return cmdutil.FlagErrorf("--concurrency must be at least 1")
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.Topics, "topic", nil, "only this topic or glob (repeatable)")
	fl.StringVar(&opts.EntityID, "entity-id", "", "only events about this entity (order id, product code…)")
	fl.StringVar(&opts.Since, "since", "", "only events at or after this time or duration ago (2h, 3d, 2026-11-20T12:00:00Z)")
	fl.StringVar(&opts.Until, "until", "", "only events before this time or duration ago")
	fl.StringVar(&opts.Filter, "filter", "", "a raw Kibo filter, joined with the others by and")
	fl.StringVar(&opts.Sort, "sort", "", "Kibo sortBy, e.g. 'auditInfo.createDate desc'")
	fl.IntVarP(&opts.Limit, "limit", "L", 50, "how many events at most")
	fl.BoolVar(&opts.All, "all", false, "every matching event (pages are fetched concurrently)")
	fl.IntVar(&opts.Concurrency, "concurrency", kibo.DefaultConcurrency, "pages fetched at once with --all")
	_ = cmd.RegisterFlagCompletionFunc("topic", cmdutil.CompleteTopics)
	return cmd
}

// Query is a pull-queue selection shared by list and tail.
type Query struct {
	Topics   []string
	EntityID string
	Since    time.Time
	Until    time.Time
	Raw      string
}

// params turns a query into Kibo list parameters plus a client-side topic
// check for globs Kibo cannot express.
func (q Query) params() (kibo.ListParams, func(kibo.Event) bool) {
	filter, clientTopics := kibo.Filter{
		TopicField: topicField, Topics: q.Topics, EntityField: entityField, EntityID: q.EntityID,
		DateField: dateField, Since: q.Since, Until: q.Until, Raw: q.Raw,
	}.Build()
	var want func(kibo.Event) bool
	if clientTopics {
		want = func(e kibo.Event) bool { return webhook.MatchAnyTopic(q.Topics, e.Topic) }
	}
	return kibo.ListParams{Filter: filter}, want
}

func listRun(ctx context.Context, opts *ListOptions) error {
	now := opts.Now()
	since, err := cmdutil.ParseTimeFlag("since", opts.Since, now)
	if err != nil {
		return err
	}
	until, err := cmdutil.ParseTimeFlag("until", opts.Until, now)
	if err != nil {
		return err
	}
	cmdutil.WarnUnknownTopics(opts.IO.ErrOut, opts.Theme(), opts.Topics)
	client, err := opts.Client()
	if err != nil {
		return err
	}
	params, want := Query{Topics: opts.Topics, EntityID: opts.EntityID, Since: since, Until: until, Raw: opts.Filter}.params()
	params.SortBy, params.Limit, params.Concurrency = opts.Sort, opts.Limit, opts.Concurrency
	if opts.All {
		params.Limit = 0
	}
	p := opts.Printer()
	if streams(p) {
		// Written page by page, in order, as Kibo answers: a long listing
		// shows up at once and Ctrl-C keeps what was written.
		_, err := client.StreamPullEvents(ctx, params, want, func(evs []kibo.Event) error {
			return p.PrintList(evs, eventTable(evs))
		})
		return err
	}
	progress := opts.IO.StartProgress("fetching events")
	params.OnProgress = progress.Update
	list, err := client.PullEvents(ctx, params, want)
	progress.Stop()
	if err != nil {
		return err
	}
	if err := p.PrintList(list.Items, eventTable(list.Items)); err != nil {
		return err
	}
	if p.ShowsFooter() {
		line := fmt.Sprintf("%d %s", len(list.Items), cmdutil.Plural(len(list.Items), "event", "events"))
		if !opts.All && want == nil && list.TotalCount > len(list.Items) {
			line += fmt.Sprintf(" of %d · --all or --limit for more", list.TotalCount)
		}
		fmt.Fprintln(opts.IO.ErrOut, opts.Theme().Muted.Render(line))
	}
	return nil
}

// streams reports whether the chosen form can be written item by item:
// NDJSON, or the tab-separated rows of piped output.
func streams(p *output.Printer) bool {
	o := p.Opts
	if o.JQ != "" || o.Template != "" {
		return false
	}
	return o.Format == "ndjson" || (o.Format == "" && !p.IO.IsStdoutTTY())
}
