package dlq

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/netutil"
	"github.com/kwh-cli/kwh/internal/output"
	"github.com/kwh-cli/kwh/internal/replay"
	"github.com/kwh-cli/kwh/internal/store/ledger"
)

// ReplayResult is the JSON form of one replay.
type ReplayResult struct {
	SubscriptionID string  `json:"subscriptionId"`
	ProcessID      int32   `json:"processId"`
	EventID        string  `json:"eventId"`
	Topic          string  `json:"topic"`
	URL            string  `json:"url"`
	Outcome        string  `json:"outcome"` // delivered, failed, skipped
	Status         int     `json:"status,omitempty"`
	Error          string  `json:"error,omitempty"`
	LatencyMs      float64 `json:"latencyMs"`
}

// PlannedRequest is the JSON form of one --dry-run entry.
type PlannedRequest struct {
	SubscriptionID string          `json:"subscriptionId"`
	ProcessID      int32           `json:"processId"`
	Method         string          `json:"method"`
	URL            string          `json:"url"`
	Headers        map[string]any  `json:"headers"`
	Body           json.RawMessage `json:"body"`
}

func printPlan(opts *RetryOptions, items []replay.Item) error {
	plan := make([]PlannedRequest, len(items))
	t := output.Table{Columns: []output.Column{{Header: "subscription", Short: true}, {Header: "process"}, {Header: "topic", Style: cmdutil.StyleAccent},
		{Header: "event id", Short: true}, {Header: "would post to"}, {Header: "body", Wide: true}}}
	for i, it := range items {
		headers := map[string]any{"Date": "(at send time)", "x-vol-hmac-sha256": "(signed at send time)", "Content-Type": "application/json; charset=utf-8"}
		for k, v := range map[string]string{"x-vol-tenant": it.Context.Tenant, "x-vol-site": it.Context.Site, "x-vol-correlation": it.Context.Correlation} {
			if v != "" {
				headers[k] = v
			}
		}
		plan[i] = PlannedRequest{SubscriptionID: it.SubscriptionID, ProcessID: it.ProcessID, Method: "POST", URL: it.URL, Headers: headers, Body: it.Body}
		t.Rows = append(t.Rows, []string{it.SubscriptionID, fmt.Sprint(it.ProcessID), it.Topic, it.EventID, it.URL, string(it.Body)})
	}
	p := opts.Printer()
	if err := p.PrintList(plan, t); err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.ErrOut, opts.Theme().Muted.Render(fmt.Sprintf("dry run: %d %s would be replayed; nothing was sent", len(items), cmdutil.Plural(len(items), "event", "events"))))
	return nil
}

func (opts *RetryOptions) replay(ctx context.Context, items []replay.Item, secret string, ledger ledger.Ledger) error {
	th := opts.Theme()
	progress := opts.IO.StartProgress("replaying")
	var mu sync.Mutex
	results := make([]ReplayResult, 0, len(items))
	sum, err := replay.Run(ctx, items, replay.Options{
		Secret: secret, Concurrency: opts.Concurrency, Rate: opts.Rate, Force: opts.Force,
		Ledger: ledger, Transport: opts.Transport,
		OnResult: func(r replay.Result) {
			mu.Lock()
			defer mu.Unlock()
			results = append(results, toResult(r))
			progress.Update(len(results), len(items))
		},
	})
	progress.Stop()
	sortLike(results, items)
	p := opts.Printer()
	shown := results
	if p.IsHuman() {
		shown = failedOnly(results)
	}
	if len(shown) > 0 {
		if perr := p.PrintList(shown, resultTable(shown)); perr != nil {
			return perr
		}
	}
	line := fmt.Sprintf("%d delivered · %d failed · %d skipped (delivered before; --force resends)", sum.Delivered, sum.Failed, sum.Skipped)
	switch {
	case err != nil && ctx.Err() != nil:
		fmt.Fprintln(opts.IO.ErrOut, th.Warning.Render("interrupted: "+line+". Run the same command again to send the rest."))
		return ctx.Err()
	case err != nil:
		return err
	case sum.Failed > 0:
		fmt.Fprintln(opts.IO.ErrOut, th.Error.Render("✗ "+line))
		return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Err: fmt.Errorf("%d of %d replays failed; run the same command again to retry only those", sum.Failed, len(items))}
	}
	fmt.Fprintln(opts.IO.ErrOut, th.Success.Render("✓ "+line))
	return nil
}

func toResult(r replay.Result) ReplayResult {
	out := ReplayResult{SubscriptionID: r.Item.SubscriptionID, ProcessID: r.Item.ProcessID, EventID: r.Item.EventID, Topic: r.Item.Topic,
		URL: r.Item.URL, Status: r.Status, LatencyMs: float64(r.Latency.Microseconds()) / 1000}
	switch {
	case r.Skipped:
		out.Outcome = "skipped"
	case r.Delivered:
		out.Outcome = "delivered"
	default:
		out.Outcome = "failed"
	}
	if r.Err != nil {
		out.Error = netutil.ShortError(r.Err)
	}
	return out
}

func failedOnly(rs []ReplayResult) []ReplayResult {
	var out []ReplayResult
	for _, r := range rs {
		if r.Outcome == "failed" {
			out = append(out, r)
		}
	}
	return out
}

func resultTable(rs []ReplayResult) output.Table {
	t := output.Table{Columns: []output.Column{{Header: "subscription", Short: true}, {Header: "process"}, {Header: "topic", Style: cmdutil.StyleAccent},
		{Header: "event id", Short: true}, {Header: "outcome", Style: styleOutcome}, {Header: "status"}, {Header: "error"}, {Header: "url", Wide: true}}}
	for _, r := range rs {
		status := ""
		if r.Status != 0 {
			status = fmt.Sprint(r.Status)
		}
		t.Rows = append(t.Rows, []string{r.SubscriptionID, fmt.Sprint(r.ProcessID), r.Topic, r.EventID, r.Outcome, status, r.Error, r.URL})
	}
	return t
}

// sortLike puts results in the order of the items (workers finish in any order).
func sortLike(results []ReplayResult, items []replay.Item) {
	pos := make(map[string]int, len(items))
	for i, it := range items {
		pos[fmt.Sprintf("%s|%d", it.SubscriptionID, it.ProcessID)] = i
	}
	slices.SortStableFunc(results, func(a, b ReplayResult) int {
		return pos[fmt.Sprintf("%s|%d", a.SubscriptionID, a.ProcessID)] - pos[fmt.Sprintf("%s|%d", b.SubscriptionID, b.ProcessID)]
	})
}
