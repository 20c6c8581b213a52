package doctor

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/emulator"
	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/webhook"
)

func TestCheckProbe(t *testing.T) {
	// The 200 endpoint is an app that checks what it gets as a real handler
	// would: Kibo's signature, an isTest body of a topic it subscribed to.
	var gotProbe webhook.Push
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := (webhook.Verifier{Secret: seedSecret}).VerifyRequest(r.Header, body); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		gotProbe, _ = webhook.ParsePush(body)
		if r.Header.Get(webhook.HeaderTenant) != seedTenant {
			http.Error(w, "no tenant", http.StatusBadRequest)
			return
		}
	}))
	t.Cleanup(app.Close)
	emu := httptest.NewServer(emulator.New(emulator.Seed{}))
	t.Cleanup(emu.Close)
	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)

	at := func(b string) string { return emu.URL + emulator.TestEndpointPath(b) }
	tests := []struct {
		endpoint string
		want     Status
		says     string
	}{
		{app.URL + "/hooks", OK, "answered 200 OK"},
		{at("202"), Fail, "202 Accepted: Kibo counts only 200 as delivered"},
		{at("500"), Fail, "500 Internal Server Error"},
		{at("redirect"), Fail, "redirected (308 Permanent Redirect → /_kwh/emulator/endpoint/200): Kibo does not follow redirects"},
		{at("hang"), Fail, "no answer within 50ms"},
		{tlsSrv.URL, Fail, "TLS: certificate signed by an unknown authority"},
		{"not a url", Skip, "not probed"},
	}
	for _, tt := range tests {
		// Only the hang waits for the timeout: the others keep Kibo's, so a
		// slow machine never turns a TLS failure into a timeout.
		timeout := kibo.PushTimeout
		if strings.HasSuffix(tt.endpoint, "hang") {
			timeout = 50 * time.Millisecond
		}
		d := &Doctor{Settings: Settings{Tenant: seedTenant, Site: seedSite}, Secret: seedSecret, Probe: true, ProbeTimeout: timeout}
		withSubscriptions(d, sub("a1", tt.endpoint, "order.opened"))
		got := checkProbe(context.Background(), d)
		expect(t, got, tt.want, tt.says)
		if got[0].Status == Fail && got[0].Hint == "" {
			t.Errorf("%s: a failure without a hint", tt.endpoint)
		}
	}
	if !gotProbe.IsTest || gotProbe.Topic != "order.opened" || gotProbe.EntityID != ProbeEntityID {
		t.Errorf("the probe push was %+v, want an isTest order.opened", gotProbe)
	}
}

func TestProbeTopic(t *testing.T) {
	tests := []struct {
		topics []string
		want   string
	}{
		{[]string{"nope.nothing", "order.opened"}, "order.opened"},
		{[]string{"shipment.*"}, ""}, // a catalog topic the glob matches
		{[]string{"custom.topic"}, "custom.topic"},
		{nil, "application.installed"},
	}
	for _, tt := range tests {
		got := probeTopic(tt.topics)
		_, known := webhook.Lookup(got)
		if (tt.want != "" && got != tt.want) || (tt.want == "" && !(known && webhook.MatchTopic(tt.topics[0], got))) {
			t.Errorf("probeTopic(%v) = %s, want %s", tt.topics, got, tt.want)
		}
	}
}
