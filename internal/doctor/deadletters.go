package doctor

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/kwh-cli/kwh/internal/kibo"
)

// maxDeliveries bounds how many delivery summaries are read per subscription.
const maxDeliveries = 2000

// checkDeadLetters counts each subscription's dead deliveries (Kibo gave up)
// and those it is still retrying: seed 000's "primary diagnostic tool".
func checkDeadLetters(ctx context.Context, d *Doctor) []Result {
	return d.eachSubscription(ctx, func(s kibo.EventSubscription) Result {
		list, err := d.Client.SubscriptionDeliveryAttempts(ctx, s.ID, kibo.ListParams{Limit: maxDeliveries}, nil)
		if err != nil {
			return Result{Status: Fail, Detail: "reading delivery attempts failed: " + describeAPIError(err), Hint: tenantHint(err, d.Settings)}
		}
		r := judgeDeliveries(s.ID, list.Items, list.TotalCount > len(list.Items))
		if r.Status == Fail && isSandboxHost(d.apiHost()) {
			r.Hint += " In a sandbox Kibo does not retry: one failed push is final, so replay what you need."
		}
		return r
	})
}

// isSandboxHost recognises a Kibo sandbox API host (t1.sandbox.mozu.com,
// t1.sb.euw1.kibocommerce.com), where Kibo does not retry (seed 001).
func isSandboxHost(host string) bool {
	h := "." + strings.ToLower(host) + "."
	return strings.Contains(h, ".sandbox.") || strings.Contains(h, ".sb.")
}

func judgeDeliveries(subID string, items []kibo.EventDeliverySummary, more bool) Result {
	var dead, retrying []kibo.EventDeliverySummary
	for _, it := range items {
		switch it.State() {
		case kibo.Dead:
			dead = append(dead, it)
		case kibo.Retrying:
			retrying = append(retrying, it)
		}
	}
	atLeast := ""
	if more {
		atLeast = "at least "
	}
	switch {
	case len(dead) > 0:
		newest := newestOf(dead)
		detail := fmt.Sprintf("%s%d dead %s (Kibo gave up), newest %s", atLeast, len(dead), plural(len(dead), "delivery", "deliveries"), describeDelivery(newest))
		if len(retrying) > 0 {
			detail += fmt.Sprintf("; %d being retried", len(retrying))
		}
		return Result{Status: Fail, Detail: detail,
			Hint: fmt.Sprintf("See them with `kwh dlq list --subscription %s`; once the endpoint answers 200, replay them with `kwh dlq retry --subscription %s`.", subID, subID)}
	case len(retrying) > 0:
		newest := newestOf(retrying)
		detail := fmt.Sprintf("%d %s being retried, newest %s", len(retrying), plural(len(retrying), "delivery", "deliveries"), describeDelivery(newest))
		if newest.NextExecutionDate != nil {
			detail += ", next try " + newest.NextExecutionDate.UTC().Format(time.RFC3339)
		}
		return Result{Status: Warn, Detail: detail,
			Hint: fmt.Sprintf("Kibo is retrying: fix the endpoint before it gives up (`kwh dlq list --subscription %s --include-pending`).", subID)}
	}
	if len(items) == 0 {
		return Result{Status: OK, Detail: "no delivery attempts recorded"}
	}
	return Result{Status: OK, Detail: fmt.Sprintf("no dead or failing deliveries among %s%d", atLeast, len(items))}
}

func newestOf(items []kibo.EventDeliverySummary) kibo.EventDeliverySummary {
	best := items[0]
	for _, it := range items[1:] {
		if when(it).After(when(best)) {
			best = it
		}
	}
	return best
}

func when(s kibo.EventDeliverySummary) time.Time {
	for _, t := range []*kibo.Time{s.LastExecutionDate, s.UpdateDate, s.CreateDate} {
		if t != nil && !t.IsZero() {
			return t.Time
		}
	}
	return time.Time{}
}

// describeDelivery is "2026-11-20 19:05 order.opened 100234: 500 Internal Server Error (upstream timeout)".
func describeDelivery(s kibo.EventDeliverySummary) string {
	var parts []string
	if t := when(s); !t.IsZero() {
		parts = append(parts, t.UTC().Format("2006-01-02 15:04"))
	}
	if s.EventSummary != nil {
		parts = append(parts, s.EventSummary.Topic, s.EventSummary.EntityID)
	}
	out := strings.Join(nonEmpty(parts), " ")
	if last := s.LastAttempt(); last != nil {
		out += ": " + describeAttempt(last)
	}
	return out
}

func describeAttempt(a *kibo.DeliveryAttempt) string {
	var parts []string
	if a.HTTPStatus != nil && a.HTTPStatus.Code != 0 {
		parts = append(parts, fmt.Sprintf("%d %s", a.HTTPStatus.Code, http.StatusText(int(a.HTTPStatus.Code))))
	}
	if a.ErrorType != "" {
		parts = append(parts, a.ErrorType)
	}
	if a.Message != "" {
		parts = append(parts, a.Message)
	}
	if len(parts) == 0 {
		return "no answer recorded"
	}
	return strings.Join(parts, ", ")
}

func nonEmpty(in []string) []string {
	out := in[:0]
	for _, s := range in {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
