package inbox

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/output"
	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/ui"
)

// ListOptions are the inputs of `kwh inbox list`.
type ListOptions struct {
	IO       *iostreams.IOStreams
	Printer  func() *output.Printer
	Theme    func() *ui.Theme
	StateDir string
	Now      func() time.Time

	Store       string
	RedisPrefix string
	Topics      []string
	Since       string
	Until       string
	Limit       int
}

// NewCmdList is `kwh inbox list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	o := &ListOptions{IO: f.IOStreams, Printer: f.Printer, Theme: f.Theme, StateDir: config.StateDir(f.Getenv), Now: time.Now}
	cmd := &cobra.Command{
		Use: "list", Short: "List received events, newest first", Args: cmdutil.NoArgs,
		Example: "  kwh inbox list\n  kwh inbox list --topic 'order.*' --since 1h -o json",
		RunE: func(c *cobra.Command, _ []string) error {
			if err := cmdutil.ResolveStore(c.Flags(), &o.Store, &o.RedisPrefix, f.Profile); err != nil {
				return err
			}
			if o.Limit < 0 {
				return cmdutil.FlagErrorf("--limit must be 0 (no limit) or more")
			}
			if runF != nil {
				return runF(o)
			}
			return listRun(o)
		},
	}
	cmd.Flags().StringArrayVar(&o.Topics, "topic", nil, "only this topic or glob (repeatable)")
	cmd.Flags().StringVar(&o.Since, "since", "", "only received at or after this time or duration ago")
	cmd.Flags().StringVar(&o.Until, "until", "", "only received before this time or duration ago")
	cmd.Flags().IntVarP(&o.Limit, "limit", "L", 50, "how many at most")
	storeFlags(cmd, &o.Store, &o.RedisPrefix)
	_ = cmd.RegisterFlagCompletionFunc("topic", cmdutil.CompleteTopics)
	return cmd
}

func listRun(o *ListOptions) error {
	now := o.Now()
	since, err := cmdutil.ParseTimeFlag("since", o.Since, now)
	if err != nil {
		return err
	}
	until, err := cmdutil.ParseTimeFlag("until", o.Until, now)
	if err != nil {
		return err
	}
	st, err := openInbox(o.Store, o.StateDir, o.RedisPrefix)
	if err != nil {
		return err
	}
	defer st.Close()
	ds, err := st.Inbox(store.InboxQuery{Topics: o.Topics, Since: since, Until: until, Limit: o.Limit})
	if err != nil {
		return err
	}
	entries := make([]Entry, len(ds))
	t := output.Table{Columns: []output.Column{{Header: "id"}, {Header: "received"}, {Header: "topic", Style: cmdutil.StyleAccent}, {Header: "entity id"},
		{Header: "event id", Short: true}, {Header: "state", Style: styleState}, {Header: "from"}, {Header: "forwards", Wide: true}}}
	for i, d := range ds {
		entries[i] = entryOf(d)
		t.Rows = append(t.Rows, []string{fmt.Sprint(d.ID), d.ReceivedAt.UTC().Format("2006-01-02 15:04:05"), d.Topic, d.EntityID, d.EventID, entries[i].State, d.Remote, forwardsText(d.Forwards)})
	}
	p := o.Printer()
	if err := p.PrintList(entries, t); err != nil {
		return err
	}
	if p.ShowsFooter() {
		fmt.Fprintln(o.IO.ErrOut, o.Theme().Muted.Render(fmt.Sprintf("%d %s · kwh inbox show ID for the whole request", len(entries), cmdutil.Plural(len(entries), "entry", "entries"))))
	}
	return nil
}
