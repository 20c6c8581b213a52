package doctor

import (
	"context"
	"errors"
	"testing"

	"github.com/kwh-cli/kwh/internal/kibo"
)

func ptr[T any](v T) *T { return &v }

func TestCheckSubscriptionState(t *testing.T) {
	tenant := func(active bool, sites ...kibo.SubscribingSite) kibo.SubscribingTenant {
		return kibo.SubscribingTenant{TenantID: ptr(int32(12345)), IsActive: ptr(active), SubscribingSites: sites}
	}
	tests := []struct {
		name   string
		change func(*kibo.EventSubscription)
		want   Status
		says   []string
	}{
		{"healthy", func(*kibo.EventSubscription) {}, OK, []string{"active, confirmed, 1 topic → https://x.example.com/h"}},
		{"inactive", func(s *kibo.EventSubscription) { s.IsActive = ptr(false) }, Fail, []string{"inactive", "Activate it in Dev Center"}},
		{"disabled by Kibo for the tenant", func(s *kibo.EventSubscription) {
			s.SubscribingTenants = []kibo.SubscribingTenant{tenant(false)}
		}, Fail, []string{"disabled by Kibo for tenant 12345", "re-verify the event configuration in Dev Center", "24 h"}},
		{"disabled for the site", func(s *kibo.EventSubscription) {
			s.SubscribingTenants = []kibo.SubscribingTenant{tenant(true, kibo.SubscribingSite{SiteID: ptr(int32(23456)), IsActive: ptr(false)})}
		}, Fail, []string{"disabled by Kibo for site 23456"}},
		{"a site switched on stays active", func(s *kibo.EventSubscription) {
			s.SubscribingTenants = []kibo.SubscribingTenant{tenant(true, kibo.SubscribingSite{SiteID: ptr(int32(23456)), IsActive: ptr(true)})}
		}, OK, nil},
		{"unconfirmed", func(s *kibo.EventSubscription) { s.Confirmed = ptr(false) }, Fail, []string{"unconfirmed", "Confirm the subscription in Dev Center"}},
		{"noCallback", func(s *kibo.EventSubscription) { s.NoCallback, s.AppID = ptr(true), "ns.App.1.0.0.Release" }, Warn,
			[]string{"noCallback is on", "ns.App.1.0.0.Release", "Disable Callbacks"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sub("a1", "https://x.example.com/h", "order.opened")
			tt.change(&s)
			d := withSubscriptions(&Doctor{Settings: Settings{Tenant: seedTenant, Site: seedSite}}, s)
			expect(t, checkSubscriptions(context.Background(), d), tt.want, tt.says...)
		})
	}
}

func TestCheckSubscriptionsSelection(t *testing.T) {
	t.Run("an unknown id fails", func(t *testing.T) {
		d, _, _ := kiboDoctor(t, loadSeed(t), seedSecret)
		d.SubscriptionIDs = []string{"3f9c", "ffff"}
		got := checkSubscriptions(context.Background(), d)
		if len(got) != 2 || got[0].Subject != "ffff" || got[0].Status != Fail || got[1].Subject != "3f9c5e0e2b8a4d7f9c1e6a2b4d8f00a1" {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("no subscription at all fails", func(t *testing.T) {
		seed := loadSeed(t)
		seed.Subscriptions = nil
		d, _, _ := kiboDoctor(t, seed, seedSecret)
		expect(t, checkSubscriptions(context.Background(), d), Fail, "no push subscription")
	})
	t.Run("listing failed: later checks say so", func(t *testing.T) {
		d := &Doctor{}
		d.subsOnce.Do(func() { d.subsErr = errors.New("boom") })
		expect(t, checkTopics(context.Background(), d), Skip, "could not be listed")
	})
}

func TestCheckTopics(t *testing.T) {
	tests := []struct {
		topics []string
		want   Status
		says   string
	}{
		{[]string{"order.opened", "product.created"}, OK, "2 topics, all in Kibo's catalog"},
		{[]string{"order.openned"}, Warn, "order.openned (did you mean order.opened?)"},
		{nil, Warn, "no topic"},
	}
	for _, tt := range tests {
		d := withSubscriptions(&Doctor{}, sub("a1", "https://x.example.com", tt.topics...))
		expect(t, checkTopics(context.Background(), d), tt.want, tt.says)
	}
}

func TestCheckEndpoints(t *testing.T) {
	tests := []struct {
		endpoint string
		want     Status
		says     string
	}{
		{"https://hooks.example.com/kibo", OK, "https://hooks.example.com/kibo"},
		{"http://hooks.example.com/kibo", Warn, "plain http"},
		{"", Fail, "no endpoint URL"},
		{"hooks.example.com/kibo", Fail, "not an absolute http(s) URL"},
		{"ftp://hooks.example.com", Fail, "not an absolute http(s) URL"},
		{"https://exa mple.com", Fail, "not a URL"},
	}
	for _, tt := range tests {
		d := withSubscriptions(&Doctor{}, sub("a1", tt.endpoint, "order.opened"))
		expect(t, checkEndpoints(context.Background(), d), tt.want, tt.says)
	}
}
