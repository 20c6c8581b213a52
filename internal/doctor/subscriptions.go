package doctor

import (
	"context"
	"fmt"
	"strings"

	"github.com/kwh-cli/kwh/internal/kibo"
)

// maxSubscriptions bounds how many subscriptions one run looks at.
const maxSubscriptions = 1000

const reEnableHint = "Fix what made deliveries fail (see dead-letters), then re-verify the event configuration in Dev Center to re-enable it: Kibo disables a subscriber after 24 h of failed deliveries."

// subscriptions lists the subscriptions to look at, once per run: every one,
// or those SubscriptionIDs names. unknown lists names that matched nothing.
func (d *Doctor) subscriptions(ctx context.Context) ([]kibo.EventSubscription, error) {
	d.subsOnce.Do(func() {
		list, err := d.Client.Subscriptions(ctx, kibo.ListParams{ResponseGroups: "SubscribingSites", Limit: maxSubscriptions}, nil)
		if err != nil {
			d.subsErr = err
			return
		}
		d.subs, d.unknownIDs = d.pick(list.Items)
	})
	return d.subs, d.subsErr
}

// pick keeps the subscriptions SubscriptionIDs names and lists the names
// that matched none.
func (d *Doctor) pick(all []kibo.EventSubscription) (picked []kibo.EventSubscription, unknown []string) {
	if len(d.SubscriptionIDs) == 0 {
		return all, nil
	}
	matched := map[string]bool{}
	for _, s := range all {
		for _, typed := range d.SubscriptionIDs {
			if d.matchID(s.ID, typed) {
				matched[typed] = true
				picked = append(picked, s)
				break
			}
		}
	}
	for _, typed := range d.SubscriptionIDs {
		if !matched[typed] {
			unknown = append(unknown, typed)
		}
	}
	return picked, unknown
}

func (d *Doctor) matchID(id, typed string) bool {
	if d.MatchID != nil {
		return d.MatchID(id, typed)
	}
	return strings.HasPrefix(strings.ToLower(id), strings.ToLower(typed))
}

// eachSubscription runs fn on every subscription, or reports why it cannot.
func (d *Doctor) eachSubscription(ctx context.Context, fn func(kibo.EventSubscription) Result) []Result {
	subs, err := d.subscriptions(ctx)
	if err != nil {
		return []Result{{Subject: "subscriptions", Status: Skip, Detail: "skipped: the subscriptions could not be listed"}}
	}
	out := make([]Result, 0, len(subs))
	for _, s := range subs {
		if ctx.Err() != nil {
			break
		}
		r := fn(s)
		r.Subject = s.ID
		out = append(out, r)
	}
	return out
}

// checkSubscriptions reports each subscription's state: active at
// subscription, tenant and site level, confirmed, and noCallback.
func checkSubscriptions(ctx context.Context, d *Doctor) []Result {
	subs, err := d.subscriptions(ctx)
	if err != nil {
		return []Result{{Subject: "subscriptions", Status: Fail, Detail: "listing subscriptions failed: " + describeAPIError(err), Hint: tenantHint(err, d.Settings)}}
	}
	var out []Result
	for _, typed := range d.unknownIDs {
		out = append(out, Result{Subject: typed, Status: Fail, Detail: "no such subscription", Hint: "See `kwh subs list` for the subscription ids."})
	}
	if len(subs) == 0 && len(d.SubscriptionIDs) == 0 {
		return []Result{{Subject: "subscriptions", Status: Fail, Detail: "the tenant has no push subscription, so Kibo pushes nothing",
			Hint: "Subscribe your application to the topics it needs in Dev Center (Events), with your endpoint's public URL."}}
	}
	for _, s := range subs {
		r := subscriptionState(s)
		r.Subject = s.ID
		if r.Status == Fail && s.Status().State == kibo.SubDisabled && isLoopbackHost(d.apiHost()) {
			r.Hint += fmt.Sprintf(" Against the emulator, `kwh emulator enable %s` does what Dev Center does.", s.ID)
		}
		out = append(out, r)
	}
	return out
}

// subscriptionState judges one subscription by kibo's reading of it
// (subscription-, tenant- and site-level isActive, confirmed, noCallback):
// Kibo pushing nothing fails, noCallback warns.
func subscriptionState(s kibo.EventSubscription) Result {
	st := s.Status()
	switch st.State {
	case kibo.SubActive:
		return Result{Status: OK, Detail: fmt.Sprintf("active, confirmed, %d %s → %s", len(s.Topics), plural(len(s.Topics), "topic", "topics"), s.Endpoint)}
	case kibo.SubNoCallback:
		return Result{Status: Warn, Detail: fmt.Sprintf("noCallback is on: events that application %s causes with its own API calls are not pushed to it", orUnknown(s.AppID)),
			Hint: "If this application makes the changes it wants to hear about, turn Disable Callbacks off in Dev Center (seed 000, issue 1.4)."}
	case kibo.SubDisabled:
		return Result{Status: Fail, Detail: st.Label + ": Kibo pushes nothing there", Hint: reEnableHint}
	case kibo.SubUnconfirmed:
		return Result{Status: Fail, Detail: "unconfirmed: Kibo pushes nothing to it", Hint: "Confirm the subscription in Dev Center."}
	}
	return Result{Status: Fail, Detail: st.Label + ": the subscription is switched off and Kibo pushes nothing to it",
		Hint: "Activate it in Dev Center (`kwh doctor` checks it again)."}
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
