package doctor

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/emulator"
	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/netutil/netutiltest"
)

func TestCheckCredentials(t *testing.T) {
	t.Run("accepted", func(t *testing.T) {
		d, _, _ := kiboDoctor(t, loadSeed(t), seedSecret)
		expect(t, checkCredentials(context.Background(), d), OK, "succeeded")
	})
	t.Run("wrong secret names Dev Center", func(t *testing.T) {
		d, _, _ := kiboDoctor(t, loadSeed(t), "ffffffffffffffffffffffffffffffff")
		got := checkCredentials(context.Background(), d)
		expect(t, got, Fail, "refused client id "+seedClientID, "INVALID_CREDENTIALS", "Dev Center")
		if strings.Contains(got[0].Detail+got[0].Hint, "ffffffff") {
			t.Error("the secret was printed")
		}
	})
	t.Run("unreachable host names the host, not the secret", func(t *testing.T) {
		url := netutiltest.RefusedURL(t)
		d := doctorFor(t, url, seedSecret)
		got := checkCredentials(context.Background(), d)
		expect(t, got, Fail, "could not reach the auth host "+url, "connection refused", "were not checked")
		if strings.Contains(got[0].Hint, "Dev Center") || strings.Contains(got[0].Detail, "secret") {
			t.Errorf("an unreachable host is blamed on the credentials: %+v", got[0])
		}
	})
}

func TestCheckClock(t *testing.T) {
	tests := []struct {
		skew time.Duration
		want Status
		says string
	}{
		{0, OK, "agrees"},
		{-45 * time.Second, Warn, "45s ahead of the auth host's"},
		{200 * time.Second, Fail, "3m20s behind the auth host's: beyond Kibo's 3m0s signature window"},
	}
	// Both clocks stand still half a second into a second, so the skew the
	// check works out is exact however long the token exchange takes.
	at := time.Now().Truncate(time.Second).Add(time.Second / 2)
	clock := func() time.Time { return at }
	for _, tt := range tests {
		t.Run(tt.skew.String(), func(t *testing.T) {
			d, emu, url := kiboDoctor(t, loadSeed(t), seedSecret)
			emu.Now = clock
			emu.SetClockSkew(tt.skew)
			c, err := kibo.New(kibo.Options{ClientID: seedClientID, SharedSecret: seedSecret, Tenant: seedTenant, Site: seedSite, AuthHost: url, Now: clock,
				Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }})
			if err != nil {
				t.Fatal(err)
			}
			d.Client, d.Now = c, clock
			if r := checkCredentials(context.Background(), d); r[0].Status != OK {
				t.Fatalf("credentials: %+v", r)
			}
			expect(t, checkClock(context.Background(), d), tt.want, tt.says)
		})
	}
}

func TestCheckTenant(t *testing.T) {
	t.Run("found and answering", func(t *testing.T) {
		d, _, url := kiboDoctor(t, loadSeed(t), seedSecret)
		expect(t, checkTenant(context.Background(), d), OK, "Demo Tenant", "API host "+url+" answers")
	})
	t.Run("unknown site", func(t *testing.T) {
		d, _, _ := kiboDoctor(t, loadSeed(t), seedSecret)
		d.Settings.Site = "999"
		expect(t, checkTenant(context.Background(), d), Fail, "site 999 is not one of its sites (23456)")
	})
	t.Run("API host unreachable", func(t *testing.T) {
		emu := httptest.NewServer(emulator.New(loadSeed(t)))
		t.Cleanup(emu.Close)
		deadURL := netutiltest.RefusedURL(t)
		d := doctorFor(t, emu.URL, seedSecret)
		c, err := kibo.New(kibo.Options{ClientID: seedClientID, SharedSecret: seedSecret, Tenant: seedTenant, AuthHost: emu.URL, APIHost: deadURL,
			Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }})
		if err != nil {
			t.Fatal(err)
		}
		d.Client, d.Settings.APIHost = c, deadURL
		got := checkTenant(context.Background(), d)
		expect(t, got, Fail, "the API host does not answer", deadURL, "--api-host")
	})
	t.Run("unknown tenant", func(t *testing.T) {
		seed := loadSeed(t)
		seed.Tenants = nil
		d, _, _ := kiboDoctor(t, seed, seedSecret)
		expect(t, checkTenant(context.Background(), d), Fail, "ITEM_NOT_FOUND", "Check the tenant id")
	})
}

func TestCheckDeadLetters(t *testing.T) {
	d, _, _ := kiboDoctor(t, loadSeed(t), seedSecret)
	got := checkDeadLetters(context.Background(), d)
	byID := map[string]Result{}
	for _, r := range got {
		byID[r.Subject] = r
	}
	r := byID["3f9c5e0e2b8a4d7f9c1e6a2b4d8f00a1"]
	if r.Status != Fail || !strings.Contains(r.Detail, "2 dead deliveries") || !strings.Contains(r.Detail, "500 Internal Server Error") ||
		!strings.Contains(r.Hint, "kwh dlq list --subscription 3f9c5e0e2b8a4d7f9c1e6a2b4d8f00a1") || !strings.Contains(r.Hint, "kwh dlq retry") {
		t.Errorf("dead deliveries: %+v", r)
	}
	if r := byID["a1b2c3d4e5f60718293a4b5c6d7e8f90"]; r.Status != Warn || !strings.Contains(r.Detail, "1 delivery being retried") {
		t.Errorf("retrying: %+v", r)
	}
	if r := byID["c0ffee00c0ffee00c0ffee00c0ffee01"]; r.Status != OK {
		t.Errorf("clean: %+v", r)
	}
}

func TestCheckPullQueue(t *testing.T) {
	d, _, _ := kiboDoctor(t, loadSeed(t), seedSecret)
	expect(t, checkPullQueue(context.Background(), d), OK, "readable: 8 events waiting")
}

func TestIsSandboxHost(t *testing.T) {
	for host, want := range map[string]bool{
		"t12345.sandbox.mozu.com": true, "t1.sb.euw1.kibocommerce.com": true,
		"t12345.tp1.mozu.com": false, "127.0.0.1": false, "sandboxed.example.com": false,
	} {
		if got := isSandboxHost(host); got != want {
			t.Errorf("isSandboxHost(%s) = %v", host, got)
		}
	}
}
