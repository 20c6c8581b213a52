package dlq

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/output"
	"github.com/kwh-cli/kwh/internal/replay"
	"github.com/kwh-cli/kwh/internal/store/ledger"
	"github.com/kwh-cli/kwh/internal/ui"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// RetryOptions are the inputs of `kwh dlq retry`.
type RetryOptions struct {
	IO        *iostreams.IOStreams
	Client    func() (*kibo.Client, error)
	Profile   func() (config.Profile, error)
	Printer   func() *output.Printer
	Theme     func() *ui.Theme
	Transport http.RoundTripper
	StateDir  string
	Now       func() time.Time

	ProcessIDs     []int32
	Subscription   string
	All            bool
	Topics         []string
	Since          string
	To             string
	Concurrency    int
	Rate           float64
	DryRun         bool
	Yes            bool
	Force          bool
	IncludePending bool
}

// NewCmdRetry is `kwh dlq retry`.
func NewCmdRetry(f *cmdutil.Factory, runF func(*RetryOptions) error) *cobra.Command {
	opts := &RetryOptions{IO: f.IOStreams, Client: f.Client, Profile: f.Profile, Printer: f.Printer, Theme: f.Theme,
		Transport: f.Transport, StateDir: config.StateDir(f.Getenv), Now: time.Now}
	cmd := &cobra.Command{
		Use:   "retry [process-id...]",
		Short: "Replay dead deliveries, signed as Kibo signs them",
		Long: `Replay deliveries Kibo gave up on. Kibo's API cannot redeliver, so kwh rebuilds
each push body from the delivery summary (same eventId, as a dashed GUID),
signs it with the profile's shared secret and POSTs it to the subscription's
endpoint (or --to URL) with the headers Kibo sends, waiting at most 45 s for
each answer, as Kibo does.

A ledger under $XDG_STATE_HOME/kwh records every outcome: running the same
command again skips what was delivered (--force resends) and sends what
failed or was interrupted. Exits 1 when any replay failed.

Select with process ids, --subscription, --topic, --since, or --all; add
--include-pending to replay deliveries Kibo is still retrying too. A delivery
whose deliveryStatus kwh cannot decide ("unknown" in kwh dlq list) counts as
failing and is replayed, with a warning naming it: Kibo may have delivered it. More than
one event needs --yes when there is no terminal to confirm on.`,
		Example: `  kwh dlq retry 4711 --subscription 3f9c…a1
  kwh dlq retry --all --dry-run
  kwh dlq retry --topic 'order.*' --since 24h --yes
  kwh dlq retry --all --to http://localhost:8080 --concurrency 8 --rate 20 --yes`,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, a := range args {
				n, err := strconv.ParseInt(a, 10, 32)
				if err != nil {
					return cmdutil.FlagErrorf("process id %q is not a number", a)
				}
				opts.ProcessIDs = append(opts.ProcessIDs, int32(n))
			}
			if len(args) == 0 && !opts.All && opts.Subscription == "" && len(opts.Topics) == 0 && opts.Since == "" {
				return cmdutil.FlagErrorf("which deliveries? give process ids, --subscription, --topic, --since, or --all")
			}
			if opts.To != "" {
				if err := cmdutil.CheckURL(opts.To); err != nil {
					return err
				}
			}
			if opts.Concurrency < 1 || opts.Rate < 0 {
				return cmdutil.FlagErrorf("--concurrency must be at least 1 and --rate not negative")
			}
			if runF != nil {
				return runF(opts)
			}
			return retryRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Subscription, "subscription", "", "only this subscription's deliveries")
	fl.BoolVar(&opts.All, "all", false, "every dead delivery")
	fl.StringArrayVar(&opts.Topics, "topic", nil, "only this topic or glob (repeatable)")
	fl.StringVar(&opts.Since, "since", "", "only deliveries last attempted at or after this time or duration ago")
	fl.StringVar(&opts.To, "to", "", "send to this URL instead of each subscription's endpoint")
	fl.IntVar(&opts.Concurrency, "concurrency", 4, "requests in flight at once")
	fl.Float64Var(&opts.Rate, "rate", 0, "at most this many requests per second (0: no limit)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print what would be sent and send nothing")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	fl.BoolVar(&opts.Force, "force", false, "resend deliveries the ledger says already succeeded")
	fl.BoolVar(&opts.IncludePending, "include-pending", false, "also replay deliveries Kibo is still retrying (no need to wait for its next try)")
	_ = cmd.RegisterFlagCompletionFunc("topic", cmdutil.CompleteTopics)
	_ = cmd.RegisterFlagCompletionFunc("subscription", f.CompleteSubscriptions)
	return cmd
}

func retryRun(ctx context.Context, opts *RetryOptions) error {
	prof, err := opts.Profile()
	if err != nil {
		return err
	}
	if prof.SharedSecret == "" {
		return &cmdutil.NoCredentialsError{Profile: prof.Name, Missing: []string{"shared secret (replays are signed with it)"}}
	}
	items, err := opts.selectItems(ctx)
	if err != nil {
		return err
	}
	if len(items) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, opts.Theme().Success.Render("✓ nothing to replay: no dead delivery matches"))
		return nil
	}
	if opts.DryRun {
		return printPlan(opts, items)
	}
	if err := opts.confirm(items); err != nil {
		return err
	}
	ledger, err := ledger.Open(ledgerPath(opts.StateDir))
	if err != nil {
		return err
	}
	defer ledger.Close()
	return opts.replay(ctx, items, prof.SharedSecret, ledger)
}

// selectItems finds the dead deliveries asked for and builds their replays.
func (opts *RetryOptions) selectItems(ctx context.Context) ([]replay.Item, error) {
	since, err := cmdutil.ParseTimeFlag("since", opts.Since, opts.Now())
	if err != nil {
		return nil, err
	}
	cmdutil.WarnUnknownTopics(opts.IO.ErrOut, opts.Theme(), opts.Topics)
	client, err := opts.Client()
	if err != nil {
		return nil, err
	}
	subs, err := client.SubscriptionsNamed(ctx, opts.Subscription)
	if err != nil {
		return nil, err
	}
	lo := &ListOptions{Topics: opts.Topics, IncludePending: opts.IncludePending}
	entries, err := collect(ctx, client, subs, kibo.DefaultConcurrency, lo.want(since), func(int) {})
	if err != nil {
		return nil, err
	}
	var items []replay.Item
	var unknown []string
	found := map[int32]bool{}
	defer func() {
		warnReplayToSilent(opts, subs, items)
		warnUnknown(opts, unknown)
	}()
	for _, e := range entries {
		pid := int32(-1)
		if e.Delivery.ID != nil {
			pid = *e.Delivery.ID
		}
		if len(opts.ProcessIDs) > 0 && !slices.Contains(opts.ProcessIDs, pid) {
			continue
		}
		found[pid] = true
		if e.Delivery.State() == kibo.Unknown {
			unknown = append(unknown, fmt.Sprint(pid))
		}
		url := e.Endpoint
		if opts.To != "" {
			url = opts.To
		}
		push, c := webhook.FromSummary(eventSummary(e.Delivery))
		items = append(items, replay.NewItem(e.SubscriptionID, pid, url, push, c))
	}
	var missing []string
	for _, pid := range opts.ProcessIDs {
		if !found[pid] {
			missing = append(missing, fmt.Sprint(pid))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("no dead delivery with process id %s (see `kwh dlq list`)", strings.Join(missing, ", "))
	}
	return items, nil
}

// warnReplayToSilent tells, for each subscription replayed to that Kibo
// pushes nothing to, that the replay reaches it only because kwh posts
// directly: Kibo's own pushes stay off until it is re-enabled.
func warnReplayToSilent(opts *RetryOptions, subs []kibo.EventSubscription, items []replay.Item) {
	used := map[string]bool{}
	for _, it := range items {
		used[it.SubscriptionID] = true
	}
	th := opts.Theme()
	for _, s := range subs {
		if st := s.Status(); used[s.ID] && !st.Pushing {
			fmt.Fprintln(opts.IO.ErrOut, th.Warning.Render(fmt.Sprintf("! subscription %s is %s: kwh posts these replays to the endpoint itself, but Kibo will not push new events there until it is re-enabled (%s)",
				output.ShortID(s.ID), st.Label, st.Advice)))
		}
	}
}

// warnUnknown says which replays have a deliveryStatus kwh cannot decide:
// they count as failing, so they are replayed, but Kibo may have delivered
// them already, and the app would then get them twice.
func warnUnknown(opts *RetryOptions, pids []string) {
	if len(pids) == 0 {
		return
	}
	fmt.Fprintln(opts.IO.ErrOut, opts.Theme().Warning.Render(fmt.Sprintf("! %d of these %s a deliveryStatus kwh cannot decide (process %s): replayed as failing, but Kibo may have delivered %s already; see kwh dlq show SUBSCRIPTION PROCESS-ID, or name the process ids to replay",
		len(pids), cmdutil.Plural(len(pids), "has", "have"), strings.Join(pids, ", "), cmdutil.Plural(len(pids), "it", "them"))))
}

func (opts *RetryOptions) confirm(items []replay.Item) error {
	if len(items) == 1 || opts.Yes {
		return nil
	}
	if !opts.IO.CanPrompt() {
		return cmdutil.FlagErrorf("this would replay %d events: pass --yes to confirm (or --dry-run to see them)", len(items))
	}
	fmt.Fprintf(opts.IO.ErrOut, "Replay %d events to %s? [y/N] ", len(items), targets(items))
	answer, err := opts.IO.ReadLine()
	if err != nil || !strings.EqualFold(strings.TrimSpace(answer), "y") && !strings.EqualFold(strings.TrimSpace(answer), "yes") {
		return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Err: errors.New("cancelled: nothing was sent")}
	}
	return nil
}

func targets(items []replay.Item) string {
	seen := map[string]bool{}
	var urls []string
	for _, it := range items {
		if !seen[it.URL] {
			seen[it.URL] = true
			urls = append(urls, it.URL)
		}
	}
	if len(urls) > 3 {
		return fmt.Sprintf("%d endpoints", len(urls))
	}
	return strings.Join(urls, ", ")
}
