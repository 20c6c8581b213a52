package listen_test

import (
	"strings"
	"testing"

	"github.com/kwh-cli/kwh/internal/apptest"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// An app answering 202 has not taken the event by Kibo's rule: the forward is
// retried and the line says why; --sync hands the 202 back to Kibo.
func TestForwardTreatsNon200AsFailure(t *testing.T) {
	h := apptest.New(t, apptest.Seed(t))
	a := newApp(t)
	a.code.Store(202)
	r := start(t, h, t.TempDir(), "--forward", a.URL)
	defer r.Stop()
	body, hdr := signedPush(t, webhook.NewEventID(), "order.opened", "1")
	post(t, r.url, body, hdr)
	retry := r.waitFor(listen.KindRetrying, 1)[0]
	if retry.Status != 202 || !strings.Contains(retry.Reason, "202 Accepted, not 200: Kibo retries anything but 200") {
		t.Errorf("retrying event: %+v", retry)
	}
	a.code.Store(200)
	if fwd := r.waitFor(listen.KindForwarded, 1)[0]; fwd.Status != 200 {
		t.Errorf("forwarded: %+v", fwd)
	}

	s := start(t, h, t.TempDir(), "--forward", a.URL, "--sync")
	defer s.Stop()
	a.code.Store(204)
	body, hdr = signedPush(t, webhook.NewEventID(), "order.opened", "2")
	if code := post(t, s.url, body, hdr); code != 204 {
		t.Errorf("--sync with an app answering 204: Kibo got %d, want the app's own 204", code)
	}
	a.code.Store(200)
	if code := post(t, s.url, body, hdr); code != 200 {
		t.Errorf("Kibo's retry after a 204 must reach the app again (not seen): %d", code)
	}
}
