package dlq

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/output"
	"github.com/kwh-cli/kwh/internal/ui"
)

// ShowOptions are the inputs of `kwh dlq show`.
type ShowOptions struct {
	IO      *iostreams.IOStreams
	Client  func() (*kibo.Client, error)
	Printer func() *output.Printer
	// StateDir holds the replay ledger.
	StateDir string

	Subscription string
	ProcessID    int32
}

// NewCmdShow is `kwh dlq show SUBSCRIPTION PROCESS`.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{IO: f.IOStreams, Client: f.Client, Printer: f.Printer, StateDir: config.StateDir(f.Getenv)}
	return &cobra.Command{
		Use:   "show <subscription> <process-id>",
		Short: "Show one delivery and its attempt timeline",
		Long: `Show one delivery: the event, each attempt (time, HTTP status, error type,
message), the next try and the retries left. -o json prints Kibo's whole
delivery summary.`,
		Example: `  kwh dlq show 3f9c…a1 4711
  kwh dlq show 3f9c5e0e2b8a4d7f9c1e6a2b4d8f00a1 4711 -o json`,
		Args:              cmdutil.ExactArgs(2, "want a subscription and a process id (see `kwh dlq list`)"),
		ValidArgsFunction: f.CompleteDeliveries,
		RunE: func(cmd *cobra.Command, args []string) error {
			pid, err := strconv.ParseInt(args[1], 10, 32)
			if err != nil {
				return cmdutil.FlagErrorf("process id %q is not a number", args[1])
			}
			opts.Subscription, opts.ProcessID = args[0], int32(pid)
			if runF != nil {
				return runF(opts)
			}
			return showRun(cmd.Context(), opts)
		},
	}
}

func showRun(ctx context.Context, opts *ShowOptions) error {
	client, err := opts.Client()
	if err != nil {
		return err
	}
	subs, err := client.SubscriptionsNamed(ctx, opts.Subscription)
	if err != nil {
		return err
	}
	sub := subs[0]
	d, err := client.DeliveryAttempt(ctx, sub.ID, opts.ProcessID)
	if err != nil {
		return err
	}
	// What kwh dlq retry did since, if anything: Kibo's summary does not know.
	replayed := []Entry{{SubscriptionID: sub.ID, Endpoint: sub.Endpoint, Delivery: *d}}
	if err := attachReplays(opts.StateDir, replayed); err != nil {
		replayed[0].Replay = nil
	}
	p := opts.Printer()
	if p.IsHuman() {
		if err := renderTimeline(opts.IO.Out, p.Theme, sub, *d); err != nil {
			return err
		}
		if r := replayed[0].Replay; r != nil {
			fmt.Fprintln(opts.IO.Out, p.Theme.Muted.Render(fmt.Sprintf("kwh dlq retry: %s, %d %s to %s", replayText(r, time.Now()), r.Attempts, cmdutil.Plural(r.Attempts, "replay", "replays"), r.URL)))
		}
		return nil
	}
	fields := detailFields(sub, *d)
	if r := replayed[0].Replay; r != nil {
		fields = append(fields, output.Field{Name: "replay", Value: fmt.Sprintf("%s (%d %s)", replayText(r, time.Now()), r.Attempts, cmdutil.Plural(r.Attempts, "replay", "replays"))})
	}
	return p.PrintObject(d, fields)
}

func renderTimeline(w io.Writer, th *ui.Theme, sub kibo.EventSubscription, d kibo.EventDeliverySummary) error {
	ev, v := eventSummary(d), d.Verdict()
	state := v.State
	fmt.Fprintf(w, "%s  entity %s  event %s  retries left %s  (%s)\n",
		th.Accent.Render(ev.Topic), ev.EntityID, output.ShortID(ev.EventID), dash(intText(d.RetriesRemaining)), styleState(th, v.Label()))
	fmt.Fprintf(w, "%s\n", th.Muted.Render(fmt.Sprintf("process %s · subscription %s → %s · status %s", processID(d), output.ShortID(sub.ID), sub.Endpoint, dash(d.DeliveryStatus))))
	rows := make([][4]string, len(d.DeliveryAttempts))
	widths := [4]int{}
	for i, a := range d.DeliveryAttempts {
		status := statusText(&a)
		if a.HTTPStatus != nil && a.HTTPStatus.Code == 0 {
			status = "—  " + status
		}
		msg := a.Message
		if a.HTTPStatus != nil && a.HTTPStatus.Code == 0 {
			msg = "" // already shown as the status
		}
		rows[i] = [4]string{cmdutil.FormatTime(a.ExecutionDate), status, a.ErrorType, msg}
		for j, c := range rows[i] {
			widths[j] = max(widths[j], len([]rune(c)))
		}
	}
	for i, r := range rows {
		status := fmt.Sprintf("%-*s", widths[1], r[1])
		if code := d.DeliveryAttempts[i].HTTPStatus; code != nil && kibo.PushAccepted(int(code.Code)) {
			status = th.Success.Render(status)
		} else {
			status = th.Error.Render(status)
		}
		line := fmt.Sprintf("  %-*s  %s  %-*s  %s", widths[0], r[0], status, widths[2], r[2], r[3])
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	if len(rows) == 0 {
		fmt.Fprintln(w, th.Muted.Render("  no attempts yet"))
	}
	switch {
	case state == kibo.Retrying && d.NextExecutionDate != nil:
		fmt.Fprintf(w, "Next try %s\n", cmdutil.FormatTime(d.NextExecutionDate))
	case state == kibo.Dead || state == kibo.Unknown:
		fmt.Fprintln(w, styleState(th, string(state))+th.Muted.Render(": "+v.Reason+"."))
		fmt.Fprintln(w, th.Muted.Render(fmt.Sprintf("Replay it: kwh dlq retry %s --subscription %s", processID(d), output.ShortID(sub.ID))))
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func detailFields(sub kibo.EventSubscription, d kibo.EventDeliverySummary) []output.Field {
	ev := eventSummary(d)
	fields := []output.Field{
		{Name: "subscription", Value: sub.ID}, {Name: "endpoint", Value: sub.Endpoint},
		{Name: "process", Value: processID(d)}, {Name: "state", Value: d.Verdict().Label()}, {Name: "why", Value: d.Verdict().Reason},
		{Name: "delivery status", Value: d.DeliveryStatus}, {Name: "topic", Value: ev.Topic},
		{Name: "entity id", Value: ev.EntityID}, {Name: "event id", Value: ev.EventID},
		{Name: "retries left", Value: intText(d.RetriesRemaining)},
		{Name: "next attempt", Value: cmdutil.FormatTimeFull(d.NextExecutionDate)},
	}
	for i, a := range d.DeliveryAttempts {
		fields = append(fields, output.Field{Name: fmt.Sprintf("attempt %d", i+1),
			Value: strings.TrimSpace(strings.Join([]string{cmdutil.FormatTimeFull(a.ExecutionDate), statusText(&a), a.ErrorType, a.Message}, " "))})
	}
	return fields
}
