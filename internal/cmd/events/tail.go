package events

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/netutil"
	"github.com/kwh-cli/kwh/internal/output"
	"github.com/kwh-cli/kwh/internal/store/redisstore"
	"github.com/kwh-cli/kwh/internal/ui"
)

// TailOptions are the inputs of `kwh events tail`.
type TailOptions struct {
	IO      *iostreams.IOStreams
	Client  func() (*kibo.Client, error)
	Printer func() *output.Printer
	Theme   func() *ui.Theme
	Wait    func(context.Context, time.Duration) error

	Topics   []string
	EntityID string
	Interval time.Duration
	Last     int

	// --forward: the pull queue feeds kwh listen's store and forwarder.
	Forward   []string
	Store     string
	StateDir  string
	Profile   func() (config.Profile, error)
	Transport http.RoundTripper
}

// overlap is how far back each poll looks before the newest event seen, so
// events Kibo stamps slightly out of order are not missed.
const overlap = time.Minute

const maxBackoff = time.Minute

// NewCmdTail is `kwh events tail`.
func NewCmdTail(f *cmdutil.Factory, runF func(*TailOptions) error) *cobra.Command {
	opts := &TailOptions{IO: f.IOStreams, Client: f.Client, Printer: f.Printer, Theme: f.Theme, Wait: f.Wait,
		StateDir: config.StateDir(f.Getenv), Profile: f.Profile, Transport: f.Transport}
	cmd := &cobra.Command{
		Use:   "tail",
		Short: "Follow the pull queue and print new events as they arrive",
		Long: `Poll the pull queue and print each event once, as it arrives. Transient
API errors are retried with back-off (reported on stderr); Ctrl-C stops it.
Use -o ndjson for scripts.

--forward URL sends each new event to your app too, through kwh listen's
store and forwarder: deduplicated across runs, signed with the profile's
shared secret as Kibo signs pushes, retried while the app is down. No tunnel
needed.`,
		Example: `  kwh events tail
  kwh events tail --topic 'order.*' --interval 2s
  kwh events tail -o ndjson | jq -c 'select(.isTest | not)'
  kwh events tail --forward http://localhost:3000/hooks`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Interval < 100*time.Millisecond {
				return cmdutil.FlagErrorf("--interval must be at least 100ms")
			}
			for _, u := range opts.Forward {
				if err := cmdutil.CheckURL(u); err != nil {
					return err
				}
			}
			if strings.Contains(opts.Store, "://") {
				// It would otherwise become a directory named after the URL.
				return cmdutil.FlagErrorf("--store %q: events tail --forward keeps a store directory; a redis:// store is for kwh listen", redisstore.Redact(opts.Store))
			}
			if runF != nil {
				return runF(opts)
			}
			return tailRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringArrayVar(&opts.Topics, "topic", nil, "only this topic or glob (repeatable)")
	cmd.Flags().StringVar(&opts.EntityID, "entity-id", "", "only events about this entity")
	cmdutil.DurationVar(cmd.Flags(), &opts.Interval, "interval", 5*time.Second, "time between polls")
	cmd.Flags().IntVar(&opts.Last, "last", 10, "print this many recent events first (0 for none)")
	cmd.Flags().StringArrayVar(&opts.Forward, "forward", nil, "also forward each event to this URL (repeatable)")
	cmd.Flags().StringVar(&opts.Store, "store", "", "store directory for --forward, shared with kwh listen (else KWH_STORE or the profile's store, else $XDG_STATE_HOME/kwh)")
	_ = cmd.RegisterFlagCompletionFunc("topic", cmdutil.CompleteTopics)
	return cmd
}

// tailer remembers what was printed: ids seen and the newest event time.
type tailer struct {
	opts   *TailOptions
	client *kibo.Client
	print  func(kibo.Event) error
	seen   map[string]time.Time
	newest time.Time
}

func tailRun(ctx context.Context, opts *TailOptions) error {
	cmdutil.WarnUnknownTopics(opts.IO.ErrOut, opts.Theme(), opts.Topics)
	client, err := opts.Client()
	if err != nil {
		return err
	}
	t := &tailer{opts: opts, client: client, print: eventPrinter(opts), seen: map[string]time.Time{}}
	if len(opts.Forward) > 0 {
		stop, err := t.startForwarding()
		if err != nil {
			return err
		}
		defer stop()
	}
	if opts.IO.IsStderrTTY() {
		fmt.Fprintln(opts.IO.ErrOut, opts.Theme().Muted.Render(fmt.Sprintf("Following the pull queue every %s · Ctrl-C to stop", cmdutil.FormatDuration(opts.Interval))))
	}
	backoff, failures := time.Duration(0), 0
	for first := true; ; first = false {
		err := t.poll(ctx, first)
		switch {
		case err == nil:
			backoff, failures = 0, 0
		case ctx.Err() != nil:
			return nil
		case kibo.IsAuth(err):
			return err
		default:
			// The shared jittered back-off: between one and two intervals
			// at first, doubling up to a minute.
			failures++
			backoff = netutil.Backoff(2*opts.Interval, maxBackoff, failures).Round(100 * time.Millisecond)
			fmt.Fprintln(opts.IO.ErrOut, opts.Theme().Warning.Render(fmt.Sprintf("! polling failed: %v; trying again in %s", err, backoff)))
		}
		if err := opts.Wait(ctx, max(opts.Interval, backoff)); err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
				return nil // Ctrl-C: a clean stop
			}
			return err
		}
	}
}

func (t *tailer) poll(ctx context.Context, first bool) error {
	q := Query{Topics: t.opts.Topics, EntityID: t.opts.EntityID}
	if !first {
		q.Since = t.newest.Add(-overlap)
	}
	params, want := q.params()
	params.SortBy = dateField + " asc"
	if first {
		// Only the most recent few: newest first, printed oldest first.
		params.SortBy, params.Limit = dateField+" desc", max(t.opts.Last, 1)
	}
	list, err := t.client.PullEvents(ctx, params, want)
	if err != nil {
		return err
	}
	items := list.Items
	if first {
		for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
			items[i], items[j] = items[j], items[i]
		}
		if t.opts.Last == 0 {
			t.remember(items)
			return nil
		}
	}
	for _, e := range items {
		if _, dup := t.seen[e.ID]; dup {
			continue
		}
		if err := t.print(e); err != nil {
			return err
		}
		t.remember([]kibo.Event{e})
	}
	t.forget()
	return nil
}

func (t *tailer) remember(evs []kibo.Event) {
	for _, e := range evs {
		at := time.Now()
		if ts := eventTime(e); ts != nil && !ts.IsZero() {
			at = ts.Time
		}
		t.seen[e.ID] = at
		if at.After(t.newest) {
			t.newest = at
		}
	}
	if t.newest.IsZero() {
		t.newest = time.Now()
	}
}

// forget drops ids older than the overlap window: they cannot come back.
func (t *tailer) forget() {
	for id, at := range t.seen {
		if at.Before(t.newest.Add(-2 * overlap)) {
			delete(t.seen, id)
		}
	}
}

// eventPrinter prints one event: a styled line on a terminal, one JSON
// object per line for json/ndjson, tab-separated when piped.
func eventPrinter(opts *TailOptions) func(kibo.Event) error {
	p := opts.Printer()
	th := p.Theme
	return output.Stream(p, func(e kibo.Event) error {
		ts := cmdutil.FormatTimeSeconds(eventTime(e))
		_, err := fmt.Fprintf(opts.IO.Out, "%s  %s  %s  %s  %s\n", th.Muted.Render(ts), th.Accent.Render(fmt.Sprintf("%-28s", e.Topic)),
			fmt.Sprintf("%-12s", e.EntityID), th.Muted.Render(output.ShortID(e.ID)), tenantSite(e.TenantID, e.SiteID))
		return err
	}, func(e kibo.Event) error { return p.PrintList([]kibo.Event{e}, eventTable([]kibo.Event{e})) })
}
