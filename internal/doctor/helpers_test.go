package doctor

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/emulator"
	"github.com/kwh-cli/kwh/internal/kibo"
)

// Credentials of testdata/kibo/seed.json.
const (
	seedClientID = "kwhdemo.WebhookDev.1.0.0.Release"
	seedSecret   = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	seedTenant   = "12345"
	seedSite     = "23456"
)

func loadSeed(t testing.TB) emulator.Seed {
	t.Helper()
	s, err := emulator.LoadSeed(filepath.Join("..", "..", "testdata", "kibo", "seed.json"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// kiboDoctor is a Doctor talking to an emulator seeded with seed.
func kiboDoctor(t testing.TB, seed emulator.Seed, secret string) (*Doctor, *emulator.Emulator, string) {
	t.Helper()
	emu := emulator.New(seed)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return doctorFor(t, srv.URL, secret), emu, srv.URL
}

func doctorFor(t testing.TB, authHost, secret string) *Doctor {
	t.Helper()
	s := Settings{Profile: "default", ClientID: seedClientID, HasSecret: true, Tenant: seedTenant, Site: seedSite, AuthHost: authHost}
	c, err := kibo.New(kibo.Options{ClientID: seedClientID, SharedSecret: secret, Tenant: seedTenant, Site: seedSite, AuthHost: authHost,
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }})
	if err != nil {
		t.Fatal(err)
	}
	return &Doctor{Settings: s, Client: c, Secret: secret}
}

// withSubscriptions preloads the subscriptions a check looks at, so checks
// that need no other Kibo call run without one.
func withSubscriptions(d *Doctor, subs ...kibo.EventSubscription) *Doctor {
	d.subsOnce.Do(func() { d.subs = subs })
	return d
}

func sub(id, endpoint string, topics ...string) kibo.EventSubscription {
	yes := true
	return kibo.EventSubscription{ID: id, Endpoint: endpoint, Topics: topics, IsActive: &yes, Confirmed: &yes}
}

func expect(t *testing.T, got []Result, want Status, contains ...string) {
	t.Helper()
	if len(got) != 1 {
		t.Fatalf("want one result, got %+v", got)
	}
	if got[0].Status != want {
		t.Fatalf("status %s, want %s: %+v", got[0].Status, want, got[0])
	}
	text := got[0].Detail + " | " + got[0].Hint
	for _, c := range contains {
		if !strings.Contains(text, c) {
			t.Errorf("%q does not say %q", text, c)
		}
	}
}
