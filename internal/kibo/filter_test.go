package kibo

import (
	"testing"
	"time"
)

func TestFilterBuild(t *testing.T) {
	since := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	until := since.Add(2 * time.Hour)
	base := Filter{TopicField: "topic", EntityField: "entityId", DateField: "auditInfo.createDate"}
	with := func(mod func(*Filter)) Filter { f := base; mod(&f); return f }
	tests := []struct {
		name   string
		f      Filter
		want   string
		client bool
	}{
		{"nothing", base, "", false},
		{"one topic", with(func(f *Filter) { f.Topics = []string{"order.opened"} }), "topic eq order.opened", false},
		{"several topics", with(func(f *Filter) { f.Topics = []string{"order.opened", "order.closed"} }), "topic eq order.opened or topic eq order.closed", false},
		{"glob", with(func(f *Filter) { f.Topics = []string{"order.*"} }), "topic sw order.", false},
		{"glob and name", with(func(f *Filter) { f.Topics = []string{"order.*", "return.opened"} }), "topic sw order. or topic eq return.opened", false},
		{"entity", with(func(f *Filter) { f.EntityID = "100234" }), "entityId eq 100234", false},
		{"since and until", with(func(f *Filter) { f.Since, f.Until = since, until }), "auditInfo.createDate ge 2026-11-20T12:00:00Z and auditInfo.createDate lt 2026-11-20T14:00:00Z", false},
		{"raw", with(func(f *Filter) { f.Raw = "isTest eq false" }), "isTest eq false", false},
		{"raw with or is grouped", with(func(f *Filter) { f.Raw = "siteId eq 1 or siteId eq 2"; f.EntityID = "7" }), "entityId eq 7 and (siteId eq 1 or siteId eq 2)", false},
		{"topics distribute over the rest", with(func(f *Filter) {
			f.Topics = []string{"order.opened", "order.closed"}
			f.EntityID = "100234"
			f.Since = since
		}), "topic eq order.opened and entityId eq 100234 and auditInfo.createDate ge 2026-11-20T12:00:00Z or topic eq order.closed and entityId eq 100234 and auditInfo.createDate ge 2026-11-20T12:00:00Z", false},
		{"inner glob is client-side", with(func(f *Filter) { f.Topics = []string{"*.created"}; f.EntityID = "1" }), "entityId eq 1", true},
		{"quoted value", with(func(f *Filter) { f.EntityID = "A B" }), `entityId eq "A B"`, false},
	}
	for _, tt := range tests {
		got, client := tt.f.Build()
		if got != tt.want || client != tt.client {
			t.Errorf("%s: got %q (client %v), want %q (client %v)", tt.name, got, client, tt.want, tt.client)
		}
	}
}
