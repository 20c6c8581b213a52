package doctor

import (
	"cmp"
	"context"
	"time"

	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/doctor"
	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/store/redisstore"
)

// settingNames are the profile keys as doctor prints them, in order.
var settingNames = []struct{ key, name string }{
	{config.KeyClientID, "client id"},
	{config.KeySharedSecret, "shared secret"},
	{config.KeyTenant, "tenant"},
	{config.KeySite, "site"},
	{config.KeyAuthHost, "auth host"},
	{config.KeyAPIHost, "API host"},
}

// buildDoctor turns the resolved profile into the checks' inputs.
func buildDoctor(opts *Options, p config.Profile) *doctor.Doctor {
	s := doctor.Settings{
		Profile: p.Name, ClientID: p.ClientID, HasSecret: p.SharedSecret != "",
		Tenant: p.Tenant, Site: p.Site, AuthHost: p.AuthHost, APIHost: p.APIHost,
	}
	if from := opts.ProfileFrom(); from != "default" {
		s.Sources = append(s.Sources, doctor.Setting{Key: "profile", Value: p.Name, Source: from})
	}
	for _, k := range settingNames {
		v := p.Value(k.key)
		st := doctor.Setting{Key: k.name, Value: v}
		if v != "" {
			st.Source = p.Sources[k.key]
		}
		if k.key == config.KeyAPIHost {
			st.IfUnset = "looked up from the tenant"
		}
		if k.key == config.KeySharedSecret {
			st.Value = "" // never printed
		}
		s.Sources = append(s.Sources, st)
	}
	d := &doctor.Doctor{
		Settings: s, Secret: p.SharedSecret,
		SubscriptionIDs: opts.Subscriptions, MatchID: kibo.MatchID,
		Probe: opts.Probe, ProbeTimeout: opts.ProbeTimeout, ProbeTransport: opts.Transport,
		ListenRequired: opts.Listen,
		Now:            opts.Now,
	}
	d.Client, d.ClientErr = opts.Client(p)
	d.Listener = findListener(opts, p)
	return d
}

// findListener asks the kwh listen running on the store directory, as
// `kwh inbox` finds it: --store, else KWH_STORE or the profile's store,
// else the state directory.
func findListener(opts *Options, p config.Profile) doctor.ListenerFinder {
	dir := cmp.Or(opts.Store, p.Store, opts.StateDir)
	if redisstore.IsURL(dir) { // from KWH_STORE or the profile (a flag is refused)
		return func(context.Context) (*doctor.ListenerStatus, error) {
			return nil, &doctor.RemoteStoreError{Store: redisstore.Redact(dir)}
		}
	}
	return func(context.Context) (*doctor.ListenerStatus, error) {
		st, err := listen.ReadStatus(dir)
		if st == nil || err != nil {
			return nil, err
		}
		return &doctor.ListenerStatus{URL: st.URL, Ready: st.Ready, Targets: st.Targets, Spooled: st.Spooled, GivenUp: st.GivenUp, Partial: st.Partial,
			OldestPending: time.Duration(st.OldestPendingMs) * time.Millisecond}, nil
	}
}
