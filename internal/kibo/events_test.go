package kibo_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/kwh-cli/kwh/internal/apptest"
	"github.com/kwh-cli/kwh/internal/emulator"
	"github.com/kwh-cli/kwh/internal/kibo"
)

// TestSixEventGETs decodes every Event service answer the emulator builds from
// the fixtures into the typed models.
func TestSixEventGETs(t *testing.T) {
	emu := emulator.New(apptest.Seed(t))
	srv := httptest.NewServer(emu)
	defer srv.Close()
	c, err := kibo.New(kibo.Options{ClientID: apptest.ClientID, SharedSecret: apptest.SharedSecret, Tenant: apptest.Tenant, AuthHost: srv.URL})
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
