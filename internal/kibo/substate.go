package kibo

import (
	"fmt"
	"strings"
)

// SubState is what Kibo does with a subscription, at a glance.
type SubState string

const (
	// SubActive: Kibo pushes every event of its topics.
	SubActive SubState = "active"
	// SubInactive: the subscription itself is switched off.
	SubInactive SubState = "inactive"
	// SubDisabled: Kibo switched it off for a tenant or site, as it does
	// after 24 hours of failed deliveries (seed 001).
	SubDisabled SubState = "disabled"
	// SubUnconfirmed: the endpoint was never confirmed.
	SubUnconfirmed SubState = "unconfirmed"
	// SubNoCallback: Kibo pushes, except events caused by the same
	// application's own calls.
	SubNoCallback SubState = "no-callback"
)

// SubscriptionStatus is a subscription's state with what it means and what to
// do. Doctor, subs and dlq all read a subscription through it.
type SubscriptionStatus struct {
	State SubState `json:"state"`
	// Label is one line a person understands: "disabled by Kibo for tenant 12345".
	Label string `json:"stateLabel"`
	// Pushing is false when Kibo pushes nothing (for some tenant or site).
	Pushing         bool    `json:"pushing"`
	DisabledTenants []int32 `json:"disabledTenants,omitempty"`
	DisabledSites   []int32 `json:"disabledSites,omitempty"`
	// Advice says what to do about a state other than active.
	Advice string `json:"advice,omitempty"`
}

// Status decides the subscription's state from its own, its tenants' and its
// sites' isActive, then confirmed and noCallback. The subscription's own
// switch wins; a tenant or site Kibo switched off comes next, since then Kibo
// pushes nothing there however the rest is set.
func (s EventSubscription) Status() SubscriptionStatus {
	tenants, sites := s.disabledScopes()
	switch {
	case s.IsActive == nil || !*s.IsActive:
		return SubscriptionStatus{State: SubInactive, Label: "inactive",
			Advice: "the subscription is switched off: Kibo pushes nothing to it; activate it in Dev Center"}
	case len(tenants) > 0 || len(sites) > 0:
		return SubscriptionStatus{State: SubDisabled, Label: "disabled by Kibo for " + scopeText(tenants, sites),
			DisabledTenants: tenants, DisabledSites: sites,
			Advice: "Kibo disables a subscriber after 24 h of failed deliveries and pushes nothing until someone re-enables it: fix the endpoint, then verify the event configuration in Dev Center"}
	case s.Confirmed != nil && !*s.Confirmed:
		return SubscriptionStatus{State: SubUnconfirmed, Label: "unconfirmed",
			Advice: "the endpoint was never confirmed: Kibo pushes nothing to it; confirm it in Dev Center"}
	case s.NoCallback != nil && *s.NoCallback:
		return SubscriptionStatus{State: SubNoCallback, Label: "no-callback", Pushing: true,
			Advice: "events caused by this application's own API calls are not pushed"}
	}
	return SubscriptionStatus{State: SubActive, Label: "active", Pushing: true}
}

// disabledScopes lists the tenants, and the sites of active tenants, whose
// isActive is false.
func (s EventSubscription) disabledScopes() (tenants, sites []int32) {
	for _, t := range s.SubscribingTenants {
		if t.IsActive != nil && !*t.IsActive {
			if t.TenantID != nil {
				tenants = append(tenants, *t.TenantID)
			}
			continue
		}
		for _, site := range t.SubscribingSites {
			if site.IsActive != nil && !*site.IsActive && site.SiteID != nil {
				sites = append(sites, *site.SiteID)
			}
		}
	}
	return tenants, sites
}

func scopeText(tenants, sites []int32) string {
	var parts []string
	if len(tenants) > 0 {
		parts = append(parts, plural(len(tenants), "tenant ", "tenants ")+joinInts(tenants))
	}
	if len(sites) > 0 {
		parts = append(parts, plural(len(sites), "site ", "sites ")+joinInts(sites))
	}
	return strings.Join(parts, " and ")
}

func joinInts(ns []int32) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}
