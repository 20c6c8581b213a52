package kibo

import (
	"context"
	"fmt"
	"sync"
)

// SubscriptionDeliveries is one subscription's delivery summaries.
type SubscriptionDeliveries struct {
	Subscription EventSubscription
	Items        []EventDeliverySummary
}

// CollectDeliveries reads the delivery summaries of each subscription,
// keeping those want accepts (nil keeps all), in subscription order, with at
// most concurrency requests in flight in all: subscriptions are read side by
// side and each one's pages share what is left. progress, when set, is
// called (one call at a time) as each subscription is done.
func (c *Client) CollectDeliveries(ctx context.Context, subs []EventSubscription, concurrency int, want func(EventDeliverySummary) bool, progress func(done int)) ([]SubscriptionDeliveries, error) {
	workers, pages := splitConcurrency(concurrency, len(subs))
	out := make([]SubscriptionDeliveries, len(subs))
	errs := make([]error, len(subs))
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for i, s := range subs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			list, err := c.SubscriptionDeliveryAttempts(ctx, s.ID, ListParams{Concurrency: pages}, want)
			if err != nil {
				errs[i] = fmt.Errorf("subscription %s: %w", s.ID, err)
				return
			}
			out[i] = SubscriptionDeliveries{Subscription: s, Items: list.Items}
			mu.Lock()
			defer mu.Unlock()
			done++
			if progress != nil {
				progress(done)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// splitConcurrency shares a bound on requests in flight between
// subscriptions read side by side and the pages of each: workers × pages
// never exceeds concurrency (at least one of each).
func splitConcurrency(concurrency, subs int) (workers, pages int) {
	concurrency = max(concurrency, 1)
	workers = max(min(concurrency, subs), 1)
	return workers, max(concurrency/workers, 1)
}
