package listen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/output"
	"github.com/kwh-cli/kwh/internal/ui"
)

// TestRenderGolden renders one of each event the way a person sees them
// (TTY) and the way a script does (piped).
func TestRenderGolden(t *testing.T) {
	at := time.Date(2026, 11, 20, 12, 2, 11, 0, time.UTC)
	events := []listen.Event{
		{Kind: listen.KindReady, Time: at, URL: "http://127.0.0.1:8080", Targets: []string{"http://localhost:3000/hooks"}, Store: "~/.local/state/kwh", Verified: true, Pending: 2,
			Inspector: "http://127.0.0.1:40123/inspector/?token=0123abcd", Metrics: "http://127.0.0.1:9090/metrics"},
		{Kind: listen.KindDurability, Time: at, Lossless: true, Reason: "Redis persistence: append-only file fsynced on every write (appendfsync always): a Redis crash loses no acknowledged event"},
		{Kind: listen.KindDurability, Time: at, Reason: "Redis persistence: none (no append-only file, no snapshots): a Redis crash or restart loses everything kwh stored there, acknowledged events included; turn on appendonly"},
		{Kind: listen.KindReceived, Time: at, DeliveryID: 1, EventID: "5f1c2e00-0000-0000-0000-000000000001", Topic: "order.opened", EntityID: "100234", Verified: true},
		{Kind: listen.KindForwarded, Time: at, DeliveryID: 1, Topic: "order.opened", Target: "http://localhost:3000/hooks", Status: 200, LatencyMs: 12.4, Attempt: 1},
		{Kind: listen.KindForwarded, Time: at.Add(time.Second), DeliveryID: 7, Topic: "order.opened", Target: "http://localhost:3000/hooks", Status: 200, LatencyMs: 3.1, Attempt: 1,
			Backlog: 1204, OldestPendingMs: 2600},
		{Kind: listen.KindDuplicate, Time: at.Add(4 * time.Second), DeliveryID: 2, EventID: "5f1c2e00-0000-0000-0000-000000000001", Topic: "order.opened", EntityID: "100234", Verified: true},
		{Kind: listen.KindSkipped, Time: at.Add(5 * time.Second), DeliveryID: 3, EventID: "77de0000-0000-0000-0000-000000000002", Topic: "product.updated", EntityID: "SKU-9"},
		{Kind: listen.KindRejected, Time: at.Add(6 * time.Second), Status: 401, Reason: "signature does not match"},
		{Kind: listen.KindFailed, Time: at.Add(9 * time.Second), DeliveryID: 4, Topic: "order.closed", Target: "http://localhost:3000/hooks", Attempt: 1, RetryInMs: 4000, Reason: "connection refused", Pending: 3},
		{Kind: listen.KindFailed, Time: at.Add(10 * time.Second), DeliveryID: 5, Topic: "order.opened", Target: "http://localhost:3000/hooks", Status: 202, Attempt: 1, GaveUp: true,
			Reason: "202 Accepted, not 200: Kibo retries anything but 200 (answered to the sender, which retries)"},
		{Kind: listen.KindFailed, Time: at.Add(11 * time.Second), DeliveryID: 6, Topic: "order.opened", Target: "http://localhost:3000/hooks", Status: 503, Attempt: 3, GaveUp: true,
			Reason: "gave up after 3 attempts: 503 Service Unavailable"},
		{Kind: listen.KindStopped, Time: at.Add(20 * time.Second), Pending: 3},
		{Kind: listen.KindStopped, Time: at.Add(21 * time.Second), Pending: 2, Shared: true},
	}
	for _, tt := range []struct {
		name string
		tty  bool
	}{{"render_tty.golden", true}, {"render_plain.golden", false}} {
		ios, _, out, errOut := iostreams.Test()
		ios.SetStdoutTTY(tt.tty)
		ios.SetStderrTTY(tt.tty)
		ios.SetColorEnabled(tt.tty)
		r := &Renderer{Out: ios.Out, ErrOut: ios.ErrOut, Location: time.UTC,
			Printer: output.New(ios, output.Options{}), Talk: ui.New(ios.ErrOut, tt.tty)}
		ch := make(chan listen.Event, len(events))
		for _, e := range events {
			ch <- e
		}
		close(ch)
		if err := r.Render(ch); err != nil {
			t.Fatal(err)
		}
		golden(t, tt.name, "--- stdout\n"+out.String()+"--- stderr\n"+errOut.String())
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if os.Getenv("KWH_UPDATE_GOLDEN") != "" {
		_ = os.MkdirAll("testdata", 0o755)
		_ = os.WriteFile(path, []byte(got), 0o644)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (KWH_UPDATE_GOLDEN=1 go test creates it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs:\n%s\nwant:\n%s", path, got, want)
	}
}

// TestRenderCountsInSingular: one spooled forward reads as one.
func TestRenderCountsInSingular(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetStderrTTY(true)
	r := &Renderer{Out: ios.Out, ErrOut: ios.ErrOut, Location: time.UTC,
		Printer: output.New(ios, output.Options{}), Talk: ui.New(ios.ErrOut, false)}
	ch := make(chan listen.Event, 2)
	ch <- listen.Event{Kind: listen.KindReady, URL: "http://127.0.0.1:8080", Pending: 1}
	ch <- listen.Event{Kind: listen.KindStopped, Pending: 1}
	close(ch)
	if err := r.Render(ch); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Resuming 1 spooled forward from", "1 forward stays spooled and resumes at the next start"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("want %q in:\n%s", want, errOut.String())
		}
	}
}
