// Package topics implements `kwh topics`: the embedded topic catalog.
package topics

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/output"
	"github.com/kwh-cli/kwh/internal/ui"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// NewCmdTopics is the `topics` noun.
func NewCmdTopics(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "topics <command>",
		Short: "Browse the event topics Kibo publishes",
	}
	cmd.AddCommand(NewCmdList(f, nil))
	return cmdutil.Noun(cmd)
}

// ListOptions are the inputs of `kwh topics list`.
type ListOptions struct {
	IO       *iostreams.IOStreams
	Printer  func() *output.Printer
	Theme    func() *ui.Theme
	Search   string
	Category string
}

// NewCmdList is `kwh topics list [SEARCH]`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Printer: f.Printer, Theme: f.Theme}
	cmd := &cobra.Command{
		Use:   "list [search]",
		Short: "List known topics, what their entityId means and their extended properties",
		Long: `List the topics kwh knows (from Kibo's webhook spec and notification guide),
with their category, what entityId holds and which extendedProperties the
push body carries. SEARCH matches names, categories and descriptions; a glob
such as 'order.*' matches names.`,
		Example: `  kwh topics list
  kwh topics list shipment
  kwh topics list 'product.*' -o json
  kwh topics list --category Order`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return cmdutil.FlagErrorf("give at most one search term")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Search = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Category, "category", "", "only topics of this category")
	_ = cmd.RegisterFlagCompletionFunc("category", cobra.FixedCompletions(webhook.Categories(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func listRun(opts *ListOptions) error {
	var found []webhook.Topic
	for _, t := range webhook.Topics() {
		if matches(t, opts.Search) && (opts.Category == "" || strings.EqualFold(t.Category, opts.Category)) {
			found = append(found, t)
		}
	}
	if found == nil {
		found = []webhook.Topic{}
	}
	table := output.Table{Columns: []output.Column{
		{Header: "topic", Style: cmdutil.StyleAccent}, {Header: "category"}, {Header: "entity id"},
		{Header: "extended properties", Max: 40}, {Header: "description", Wide: true},
	}}
	for _, t := range found {
		table.Rows = append(table.Rows, []string{t.Name, t.Category, t.EntityID, strings.Join(t.ExtendedProperties, ", "), t.Description})
	}
	p := opts.Printer()
	if err := p.PrintList(found, table); err != nil {
		return err
	}
	if p.ShowsFooter() {
		fmt.Fprintln(opts.IO.ErrOut, opts.Theme().Muted.Render(fmt.Sprintf("%d %s · -o wide adds descriptions", len(found), cmdutil.Plural(len(found), "topic", "topics"))))
	}
	if len(found) == 0 && opts.Category != "" {
		return cmdutil.FlagErrorf("no topics in category %q: categories are %s", opts.Category, strings.Join(webhook.Categories(), ", "))
	}
	return nil
}

func matches(t webhook.Topic, search string) bool {
	if search == "" {
		return true
	}
	if webhook.IsGlob(search) {
		return webhook.MatchTopic(search, t.Name)
	}
	s := strings.ToLower(search)
	return strings.Contains(t.Name, s) || strings.Contains(strings.ToLower(t.Category), s) || strings.Contains(strings.ToLower(t.Description), s)
}
