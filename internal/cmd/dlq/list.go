package dlq

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/output"
	"github.com/kwh-cli/kwh/internal/ui"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// ListOptions are the inputs of `kwh dlq list`.
type ListOptions struct {
	IO      *iostreams.IOStreams
	Client  func() (*kibo.Client, error)
	Printer func() *output.Printer
	Theme   func() *ui.Theme
	Now     func() time.Time
	// StateDir holds the replay ledger.
	StateDir string

	Subscription    string
	IncludeReplayed bool
	Status          string
	IncludePending  bool
	Topics          []string
	Since           string
	FailIfAny       bool
	Concurrency     int
}

// NewCmdList is `kwh dlq list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Client: f.Client, Printer: f.Printer, Theme: f.Theme, Now: time.Now, StateDir: config.StateDir(f.Getenv)}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List dead deliveries of every subscription (or one)",
		Long: `List deliveries Kibo gave up on, each with its subscription so it can be
replayed. Kibo counts a push as delivered only when it is answered 200 within
45 s (its event subscription docs; an older guide's "any 2xx" is wrong: 201,
202 and 204 are retried). A delivery is dead when Kibo marked it Undeliverable
or Expired, or when it has no retries left, is not running and its last
attempt was not 200. A deliveryStatus kwh cannot decide is listed as
"unknown (WORD)" and counts as failing.

--include-pending adds deliveries Kibo is still retrying. --since filters on
the last attempt.

A subscription Kibo pushes nothing to (disabled by Kibo after 24 h of failed
deliveries, switched off, or unconfirmed: see kwh subs list) gets a warning on
stderr with what to do, since its DLQ stays empty while events go nowhere.

Deliveries kwh dlq retry has since delivered to the subscription's endpoint
(the replay ledger says so) are left out, with a count on stderr;
--include-replayed lists them too, marked "replayed HH:MM". A failed replay
stays listed, marked "replay failed". -o json carries each one's "replay".

--fail-if-any exits 3 (for CI) when anything dead or unknown is listed, and
when a subscription checked is one Kibo pushes nothing to.`,
		Example: `  kwh dlq list
  kwh dlq list --subscription 3f9c…a1 --include-pending
  kwh dlq list --topic 'order.*' --since 24h -o json
  kwh dlq list --fail-if-any -q   # in CI: exit 3 when Kibo gave up on anything
  kwh dlq list --include-replayed # also what kwh dlq retry has delivered since`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
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
	fl.StringVar(&opts.Subscription, "subscription", "", "only this subscription (id, prefix or short form)")
	fl.StringVar(&opts.Status, "status", "", "only deliveries whose deliveryStatus is this (case-insensitive)")
	fl.BoolVar(&opts.IncludePending, "include-pending", false, "also list deliveries Kibo is still retrying")
	fl.BoolVar(&opts.IncludeReplayed, "include-replayed", false, "also list dead deliveries kwh dlq retry has delivered since")
	fl.StringArrayVar(&opts.Topics, "topic", nil, "only this topic or glob (repeatable)")
	fl.StringVar(&opts.Since, "since", "", "only deliveries last attempted at or after this time or duration ago")
	fl.BoolVar(&opts.FailIfAny, "fail-if-any", false, "exit 3 when the list is not empty")
	fl.IntVar(&opts.Concurrency, "concurrency", kibo.DefaultConcurrency, "requests in flight at once")
	_ = cmd.RegisterFlagCompletionFunc("topic", cmdutil.CompleteTopics)
	_ = cmd.RegisterFlagCompletionFunc("subscription", f.CompleteSubscriptions)
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	since, err := cmdutil.ParseTimeFlag("since", opts.Since, opts.Now())
	if err != nil {
		return err
	}
	cmdutil.WarnUnknownTopics(opts.IO.ErrOut, opts.Theme(), opts.Topics)
	client, err := opts.Client()
	if err != nil {
		return err
	}
	subs, err := client.SubscriptionsNamed(ctx, opts.Subscription)
	if err != nil {
		return err
	}
	progress := opts.IO.StartProgress("reading deliveries")
	entries, err := collect(ctx, client, subs, opts.Concurrency, opts.want(since), func(done int) { progress.Update(done, len(subs)) })
	progress.Stop()
	if err != nil {
		return err
	}
	if err := attachReplays(opts.StateDir, entries); err != nil {
		fmt.Fprintln(opts.IO.ErrOut, opts.Theme().Warning.Render("! the replay ledger could not be read, so replayed deliveries are listed too: "+err.Error()))
	}
	entries, hidden := opts.dropReplayed(entries)
	p := opts.Printer()
	if err := p.PrintList(entries, entryTable(entries, opts.Now())); err != nil {
		return err
	}
	silent := warnNotPushed(opts.IO.ErrOut, opts.Theme(), subs, opts.Topics)
	if p.ShowsFooter() {
		opts.footer(entries, len(subs), silent)
	}
	if hidden > 0 {
		fmt.Fprintln(opts.IO.ErrOut, opts.Theme().Muted.Render(fmt.Sprintf("%d dead %s replayed successfully since (kwh dlq retry) not listed: --include-replayed shows them",
			hidden, cmdutil.Plural(hidden, "delivery", "deliveries"))))
	}
	if opts.FailIfAny && (len(entries) > 0 || silent > 0) {
		return cmdutil.CheckFailed(failSummary(len(entries), silent))
	}
	return nil
}

func failSummary(entries, silent int) error {
	var parts []string
	if entries > 0 {
		parts = append(parts, fmt.Sprintf("%d %s in the DLQ", entries, cmdutil.Plural(entries, "delivery", "deliveries")))
	}
	if silent > 0 {
		parts = append(parts, fmt.Sprintf("%d %s Kibo pushes nothing to", silent, cmdutil.Plural(silent, "subscription", "subscriptions")))
	}
	return errors.New(strings.Join(parts, "; "))
}

// warnNotPushed tells, for each subscription (to the topics asked about)
// that Kibo pushes nothing to, what state it is in and what to do; it
// returns how many there were.
func warnNotPushed(w io.Writer, th *ui.Theme, subs []kibo.EventSubscription, topics []string) int {
	n := 0
	for _, s := range subs {
		st := s.Status()
		if st.Pushing || (len(topics) > 0 && !subscribesToAny(s, topics)) {
			continue
		}
		n++
		fmt.Fprintln(w, th.Warning.Render(fmt.Sprintf("! subscription %s (%s) is %s: %s", output.ShortID(s.ID), s.Endpoint, st.Label, st.Advice)))
	}
	return n
}

func subscribesToAny(s kibo.EventSubscription, patterns []string) bool {
	for _, t := range s.Topics {
		for _, p := range patterns {
			if webhook.SubscriptionTakes(t, p) {
				return true
			}
		}
	}
	return false
}

// dropReplayed leaves out what a replay delivered, unless asked for.
func (opts *ListOptions) dropReplayed(entries []Entry) ([]Entry, int) {
	if opts.IncludeReplayed {
		return entries, 0
	}
	kept := entries[:0]
	for _, e := range entries {
		if !e.replayed() {
			kept = append(kept, e)
		}
	}
	return kept, len(entries) - len(kept)
}

// want selects dead deliveries (and retrying ones when asked) that pass the filters.
func (opts *ListOptions) want(since time.Time) func(kibo.EventDeliverySummary) bool {
	return func(d kibo.EventDeliverySummary) bool {
		switch d.State() {
		case kibo.Delivered:
			return false
		case kibo.Retrying:
			if !opts.IncludePending {
				return false
			}
		}
		if opts.Status != "" && !strings.EqualFold(d.DeliveryStatus, opts.Status) {
			return false
		}
		if len(opts.Topics) > 0 && !webhook.MatchAnyTopic(opts.Topics, eventSummary(d).Topic) {
			return false
		}
		if !since.IsZero() {
			last := d.LastExecutionDate
			if last == nil {
				last = d.CreateDate
			}
			if last == nil || last.Before(since) {
				return false
			}
		}
		return true
	}
}

// collect reads the delivery summaries of each subscription (kibo bounds
// the requests in flight to concurrency), keeping those want accepts, in
// subscription order, as entries.
func collect(ctx context.Context, client *kibo.Client, subs []kibo.EventSubscription, concurrency int, want func(kibo.EventDeliverySummary) bool, progress func(done int)) ([]Entry, error) {
	perSub, err := client.CollectDeliveries(ctx, subs, concurrency, want, progress)
	if err != nil {
		return nil, err
	}
	entries := []Entry{}
	for _, sd := range perSub {
		for _, d := range sd.Items {
			v := d.Verdict()
			entries = append(entries, Entry{SubscriptionID: sd.Subscription.ID, Endpoint: sd.Subscription.Endpoint, State: v.State, Reason: v.Reason, Delivery: d})
		}
	}
	return entries, nil
}

func (opts *ListOptions) footer(entries []Entry, subs, silent int) {
	th := opts.Theme()
	if len(entries) == 0 && silent > 0 {
		fmt.Fprintln(opts.IO.ErrOut, th.Warning.Render(fmt.Sprintf("nothing in the DLQ, but Kibo pushes nothing to %d of the %d %s checked (above)", silent, subs, cmdutil.Plural(subs, "subscription", "subscriptions"))))
		return
	}
	if len(entries) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, th.Success.Render(fmt.Sprintf("✓ nothing in the DLQ (%d %s checked)", subs, cmdutil.Plural(subs, "subscription", "subscriptions"))))
		return
	}
	counts := map[kibo.DeliveryState]int{}
	for _, e := range entries {
		counts[e.State]++
	}
	line := fmt.Sprintf("%d dead", counts[kibo.Dead])
	if counts[kibo.Unknown] > 0 {
		line += fmt.Sprintf(", %d unknown (counted as failing)", counts[kibo.Unknown])
	}
	if opts.IncludePending {
		line += fmt.Sprintf(", %d retrying", counts[kibo.Retrying])
	}
	fmt.Fprintln(opts.IO.ErrOut, th.Muted.Render(fmt.Sprintf("%s · %d %s checked · details: kwh dlq show SUBSCRIPTION PROCESS", line, subs, cmdutil.Plural(subs, "subscription", "subscriptions"))))
}

var columns = []output.Column{
	{Header: "subscription", Short: true},
	{Header: "endpoint", Wide: true},
	{Header: "process"},
	{Header: "topic", Style: cmdutil.StyleAccent, Flex: true},
	{Header: "entity id", Flex: true},
	{Header: "event id", Short: true, Wide: true},
	{Header: "attempts"},
	{Header: "last status", Style: styleHTTP, Flex: true}, // the code leads: "500 Internal…"
	// Times and counts in -o wide: the narrow table fits 80 columns.
	{Header: "last attempt", Wide: true},
	{Header: "next attempt", Wide: true},
	{Header: "retries left", Wide: true},
	{Header: "state", Style: styleState},
	{Header: "delivery status", Wide: true},
}

func entryTable(entries []Entry, now time.Time) output.Table {
	t := output.Table{Columns: columns}
	for _, e := range entries {
		d, ev := e.Delivery, eventSummary(e.Delivery)
		t.Rows = append(t.Rows, []string{
			e.SubscriptionID, e.Endpoint, processID(d), ev.Topic, ev.EntityID, ev.EventID,
			fmt.Sprint(len(d.DeliveryAttempts)), statusText(d.LastAttempt()),
			cmdutil.FormatTime(d.LastExecutionDate), cmdutil.FormatTime(d.NextExecutionDate),
			intText(d.RetriesRemaining), stateCell(e, now), d.DeliveryStatus,
		})
	}
	return t
}
