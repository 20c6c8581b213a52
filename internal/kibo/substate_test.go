package kibo

import (
	"slices"
	"testing"
)

func TestSubscriptionStatus(t *testing.T) {
	yes, no := true, false
	id := func(n int32) *int32 { return &n }
	tenant := func(n int32, active *bool, sites ...SubscribingSite) SubscribingTenant {
		return SubscribingTenant{TenantID: id(n), IsActive: active, SubscribingSites: sites}
	}
	site := func(n int32, active *bool) SubscribingSite { return SubscribingSite{SiteID: id(n), IsActive: active} }
	tests := []struct {
		name    string
		s       EventSubscription
		state   SubState
		label   string
		pushing bool
		tenants []int32
		sites   []int32
	}{
		{"active", EventSubscription{IsActive: &yes, Confirmed: &yes, NoCallback: &no, SubscribingTenants: []SubscribingTenant{tenant(1, &yes, site(11, &yes))}}, SubActive, "active", true, nil, nil},
		{"switched off", EventSubscription{IsActive: &no, Confirmed: &yes, SubscribingTenants: []SubscribingTenant{tenant(1, &no)}}, SubInactive, "inactive", false, nil, nil},
		{"isActive missing", EventSubscription{Confirmed: &yes}, SubInactive, "inactive", false, nil, nil},
		{"disabled for a tenant", EventSubscription{IsActive: &yes, Confirmed: &yes, SubscribingTenants: []SubscribingTenant{tenant(1, &yes), tenant(2, &no)}}, SubDisabled, "disabled by Kibo for tenant 2", false, []int32{2}, nil},
		{"disabled for two sites", EventSubscription{IsActive: &yes, SubscribingTenants: []SubscribingTenant{tenant(1, &yes, site(11, &no), site(12, &yes), site(13, &no))}}, SubDisabled, "disabled by Kibo for sites 11, 13", false, nil, []int32{11, 13}},
		{"tenant and site", EventSubscription{IsActive: &yes, SubscribingTenants: []SubscribingTenant{tenant(1, &no, site(11, &no)), tenant(2, nil, site(21, &no))}}, SubDisabled, "disabled by Kibo for tenant 1 and site 21", false, []int32{1}, []int32{21}},
		{"disabled beats unconfirmed", EventSubscription{IsActive: &yes, Confirmed: &no, SubscribingTenants: []SubscribingTenant{tenant(1, &no)}}, SubDisabled, "disabled by Kibo for tenant 1", false, []int32{1}, nil},
		{"unconfirmed", EventSubscription{IsActive: &yes, Confirmed: &no, SubscribingTenants: []SubscribingTenant{tenant(1, &yes)}}, SubUnconfirmed, "unconfirmed", false, nil, nil},
		{"no callback", EventSubscription{IsActive: &yes, Confirmed: &yes, NoCallback: &yes}, SubNoCallback, "no-callback", true, nil, nil},
	}
	for _, tt := range tests {
		got := tt.s.Status()
		if got.State != tt.state || got.Label != tt.label || got.Pushing != tt.pushing || !slices.Equal(got.DisabledTenants, tt.tenants) || !slices.Equal(got.DisabledSites, tt.sites) {
			t.Errorf("%s: %+v", tt.name, got)
		}
		if (got.State == SubActive) != (got.Advice == "") {
			t.Errorf("%s: advice %q", tt.name, got.Advice)
		}
	}
}
