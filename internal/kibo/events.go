package kibo

import (
	"context"
	"net/url"
	"strconv"
)

// Paths of the Event service, relative to /api (openapi_event.json).
const (
	PathPull             = "/event/pull"
	PathSubscriptions    = "/event/push/subscriptions"
	PathDeliveryAttempts = "/event/push/subscriptions/deliveryattempts"
)

// MaxPageSize is the largest pageSize Kibo accepts.
const MaxPageSize = 200

// ListParams select and page a collection.
type ListParams struct {
	Filter         string
	SortBy         string
	ResponseGroups string
	// Limit stops after this many items; 0 means every item.
	Limit int
	// PageSize overrides the page size (at most 200); 0 picks the largest useful.
	PageSize int
	// Concurrency bounds the pages fetched at once after the first; 0 means 8.
	Concurrency int
	// OnProgress, when set, hears (items fetched, items wanted) after each page.
	OnProgress func(done, total int)
}

// List is a collected result and the server's total.
type List[T any] struct {
	Items      []T
	TotalCount int
}

// PullEvents lists the pull queue.
func (c *Client) PullEvents(ctx context.Context, p ListParams, want func(Event) bool) (List[Event], error) {
	return collect(ctx, c, PathPull, p, want)
}

// StreamPullEvents lists the pull queue like PullEvents but hands each page's
// events to emit, in order, as they arrive, holding none: the list's Items
// stay empty; TotalCount is Kibo's.
func (c *Client) StreamPullEvents(ctx context.Context, p ListParams, want func(Event) bool, emit func([]Event) error) (List[Event], error) {
	return collectEmit(ctx, c, PathPull, p, want, emit)
}

// PullEvent gets one event of the pull queue.
func (c *Client) PullEvent(ctx context.Context, id string) (*Event, error) {
	var e Event
	if err := c.get(ctx, PathPull+"/"+url.PathEscape(id), nil, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// Subscriptions lists push subscriptions.
func (c *Client) Subscriptions(ctx context.Context, p ListParams, want func(EventSubscription) bool) (List[EventSubscription], error) {
	return collect(ctx, c, PathSubscriptions, p, want)
}

// DeliveryAttempts lists delivery summaries of every subscription.
func (c *Client) DeliveryAttempts(ctx context.Context, p ListParams, want func(EventDeliverySummary) bool) (List[EventDeliverySummary], error) {
	return collect(ctx, c, PathDeliveryAttempts, p, want)
}

// SubscriptionDeliveryAttempts lists one subscription's delivery summaries.
func (c *Client) SubscriptionDeliveryAttempts(ctx context.Context, subscriptionID string, p ListParams, want func(EventDeliverySummary) bool) (List[EventDeliverySummary], error) {
	return collect(ctx, c, PathSubscriptions+"/"+url.PathEscape(subscriptionID)+"/deliveryattempts", p, want)
}

// DeliveryAttempt gets one delivery summary.
func (c *Client) DeliveryAttempt(ctx context.Context, subscriptionID string, processID int32) (*EventDeliverySummary, error) {
	var s EventDeliverySummary
	path := PathSubscriptions + "/" + url.PathEscape(subscriptionID) + "/deliveryattempts/" + strconv.Itoa(int(processID))
	if err := c.get(ctx, path, nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// FetchPage gets one page of a collection at an item offset.
func FetchPage[T any](ctx context.Context, c *Client, path string, p ListParams, startIndex, pageSize int) (Collection[T], error) {
	q := url.Values{}
	q.Set("startIndex", strconv.Itoa(startIndex))
	q.Set("pageSize", strconv.Itoa(pageSize))
	if p.Filter != "" {
		q.Set("filter", p.Filter)
	}
	if p.SortBy != "" {
		q.Set("sortBy", p.SortBy)
	}
	if p.ResponseGroups != "" {
		q.Set("responseGroups", p.ResponseGroups)
	}
	var page Collection[T]
	err := c.get(ctx, path, q, &page)
	return page, err
}
