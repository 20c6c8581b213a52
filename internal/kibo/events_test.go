package kibo_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/emulator"
	"github.com/kwh-cli/kwh/internal/emulator/emutest"
	"github.com/kwh-cli/kwh/internal/kibo"
)

// TestSixEventGETs decodes every Event service answer the emulator builds from
// the fixtures into the typed models.
func TestSixEventGETs(t *testing.T) {
	emu := emulator.New(emutest.Seed(t))
	srv := httptest.NewServer(emu)
	defer srv.Close()
	c, err := kibo.New(kibo.Options{ClientID: emutest.ClientID, SharedSecret: emutest.SharedSecret, Tenant: emutest.Tenant, AuthHost: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const sub = "3f9c5e0e2b8a4d7f9c1e6a2b4d8f00a1"

	events, err := c.PullEvents(ctx, kibo.ListParams{Filter: "topic sw order."}, nil)
	if err != nil || len(events.Items) != 4 || events.TotalCount != 4 {
		t.Fatalf("pull: %+v %v", events, err)
	}
	ev, err := c.PullEvent(ctx, "5f1c2e00-0000-0000-0000-000000000004")
	if err != nil || ev.Topic != "shipment.statuschanged" || len(ev.ExtendedProperties) != 3 || *ev.ExtendedProperties[2].Key != "newstatus" || ev.AuditInfo.CreateDate.IsZero() {
		t.Fatalf("pull/{id} (dashed id): %+v %v", ev, err)
	}
	subs, err := c.Subscriptions(ctx, kibo.ListParams{ResponseGroups: "SubscribingSites"}, nil)
	if err != nil || len(subs.Items) != 4 || len(subs.Items[2].SubscribingTenants[0].SubscribingSites) != 1 || subs.Items[3].UpdateDate != nil {
		t.Fatalf("subscriptions: %+v %v", subs, err)
	}
	all, err := c.DeliveryAttempts(ctx, kibo.ListParams{}, nil)
	if err != nil || len(all.Items) != 7 {
		t.Fatalf("all delivery attempts: %+v %v", all, err)
	}
	one, err := c.SubscriptionDeliveryAttempts(ctx, sub, kibo.ListParams{Filter: "deliveryStatus eq failed and isRunning eq false"}, nil)
	if err != nil || len(one.Items) != 2 || *one.Items[0].ID != 4711 || *one.Items[1].ID != 4713 {
		t.Fatalf("subscription delivery attempts: %+v %v", one, err)
	}
	d, err := c.DeliveryAttempt(ctx, sub, 4711)
	if err != nil || len(d.DeliveryAttempts) != 5 || *d.RetriesRemaining != 0 || d.DeliveryAttempts[3].HTTPStatus.Code != 0 || d.DeliveryAttempts[0].HTTPStatus.Code != 500 || d.NextExecutionDate != nil {
		t.Fatalf("delivery attempt: %+v %v", d, err)
	}
	_, err = c.DeliveryAttempt(ctx, sub, 1)
	if apiErr, ok := err.(*kibo.APIError); !ok || apiErr.StatusCode != 404 || apiErr.ErrorCode != "ITEM_NOT_FOUND" || apiErr.CorrelationID == "" {
		t.Fatalf("missing delivery: %v", err)
	}
	for _, r := range emu.Requests() {
		if v := r.SpecViolation(); v != "" {
			t.Error(v)
		}
	}
}

// TestRateLimitedFetchSlowsDownInsteadOfFailing floods a concurrent --all fetch
// with more 429s than one request's retries allow; every page still arrives,
// in order.
func TestRateLimitedFetchSlowsDownInsteadOfFailing(t *testing.T) {
	seed := emutest.Seed(t)
	seed.Events = nil
	for i := range 2000 {
		seed.Events = append(seed.Events, map[string]any{"id": fmt.Sprintf("%032x", i), "topic": "order.opened", "entityId": fmt.Sprint(i)})
	}
	emu := emulator.New(seed)
	srv := httptest.NewServer(emu)
	defer srv.Close()
	var mu sync.Mutex
	var waits []time.Duration
	c, _ := kibo.New(kibo.Options{ClientID: emutest.ClientID, SharedSecret: emutest.SharedSecret, Tenant: emutest.Tenant, AuthHost: srv.URL,
		Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			waits = append(waits, d)
			mu.Unlock()
			return nil
		}})
	ctx := context.Background()
	if _, err := c.Token(ctx); err != nil {
		t.Fatal(err)
	}
	emu.Inject(emulator.Fault{PathPrefix: "/api/event/pull", Status: 429, RetryAfter: "1", Times: 20})
	list, err := c.PullEvents(ctx, kibo.ListParams{Concurrency: 8}, nil)
	if err != nil {
		t.Fatalf("the fetch failed instead of slowing down: %v", err)
	}
	if len(list.Items) != 2000 {
		t.Fatalf("%d events, want 2000", len(list.Items))
	}
	for i, e := range list.Items {
		if e.EntityID != fmt.Sprint(i) {
			t.Fatalf("item %d is %s: pages out of order", i, e.EntityID)
		}
	}
	if len(waits) < 20 || waits[0] != time.Second {
		t.Errorf("waits %v: each 429 should wait its Retry-After", waits[:min(len(waits), 5)])
	}
}
