package listen

import (
	"bufio"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/output"
	"github.com/kwh-cli/kwh/internal/ui"
)

// render prints the receiver's events: NDJSON with -o json/ndjson, styled
// lines on a terminal, tab-separated lines when piped.
func render(opts *Options, events <-chan listen.Event) error {
	// Lines are buffered and flushed whenever no event is waiting: one write
	// per burst instead of one per line, and nothing held back when idle.
	out := bufio.NewWriterSize(opts.IO.Out, 64<<10)
	realOut := opts.IO.Out
	opts.IO.Out = out
	defer func() { opts.IO.Out = realOut }()
	p := opts.Printer()
	talk := opts.Theme()
	write := output.Stream(p, func(e listen.Event) error { return styled(opts, p.Theme, talk, e) },
		func(e listen.Event) error { return plain(opts.IO.Out, e) })
	var firstErr error
	for e := range events {
		if err := write(e); err != nil && firstErr == nil {
			firstErr = err // keep draining: the receiver must never block on us
		}
		if len(events) == 0 {
			if err := out.Flush(); err != nil && firstErr == nil {
				firstErr = err
			}
		}
	}
	if err := out.Flush(); err != nil && firstErr == nil {
		firstErr = err
	}
	return firstErr
}

func plain(w io.Writer, e listen.Event) error {
	target := e.Target
	if e.Kind == listen.KindReady {
		target = e.URL
	}
	_, err := fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%d\t%.1f\t%s\n", e.Time.UTC().Format("2006-01-02T15:04:05.000Z"), e.Kind, e.DeliveryID,
		e.Topic, e.EntityID, e.EventID, target, e.Status, e.LatencyMs, e.Reason)
	return err
}

func styled(opts *Options, out, talk *ui.Theme, e listen.Event) error {
	loc := opts.Location
	if loc == nil {
		loc = time.Local
	}
	ts := out.Muted.Render(e.Time.In(loc).Format("15:04:05"))
	w := opts.IO.Out
	var err error
	switch e.Kind {
	case listen.KindReady:
		banner(opts, talk, e)
	case listen.KindReceived, listen.KindDuplicate, listen.KindSkipped:
		note := out.Success.Render("✓ signed")
		if !e.Verified {
			note = out.Muted.Render("unverified")
		}
		switch e.Kind {
		case listen.KindDuplicate:
			note = out.Warning.Render("duplicate, not forwarded")
		case listen.KindSkipped:
			note = out.Muted.Render("skipped (--topic)")
		}
		_, err = fmt.Fprintf(w, "%s  ← %s %-10s %s  %s\n", ts, out.Accent.Render(fmt.Sprintf("%-28s", e.Topic)), e.EntityID, out.Muted.Render(shortEvent(e.EventID)), note)
	case listen.KindRejected:
		_, err = fmt.Fprintf(w, "%s  ← %s  %s\n", ts, out.Error.Render(fmt.Sprintf("%d rejected", e.Status)), e.Reason)
	case listen.KindForwarded:
		_, err = fmt.Fprintf(w, "%s  → %s  %s  %s\n", ts, out.Success.Render(fmt.Sprintf("%d %-3s", e.Status, "OK")), out.Muted.Render(fmt.Sprintf("%5.0f ms", e.LatencyMs)), e.Target)
	case listen.KindRetrying:
		_, err = fmt.Fprintf(w, "%s  → %s  retry %d in %s  %s\n", ts, out.Error.Render(e.Reason), e.Attempt+1, fmtMs(e.RetryInMs), out.Muted.Render(fmt.Sprintf("(%d waiting) %s", e.Pending, e.Target)))
	case listen.KindFailed:
		_, err = fmt.Fprintf(w, "%s  → %s  %s\n", ts, out.Error.Render("failed"), e.Reason)
	case listen.KindStopped:
		msg := "Stopped."
		if e.Pending > 0 {
			msg += fmt.Sprintf(" %d forwards stay spooled and resume at the next start.", e.Pending)
		}
		fmt.Fprintln(opts.IO.ErrOut, talk.Muted.Render(msg))
	}
	return err
}

func banner(opts *Options, th *ui.Theme, e listen.Event) {
	targets := "no --forward: events are kept in the inbox only"
	if len(e.Targets) > 0 {
		targets = "→  " + strings.Join(e.Targets, ", ")
	}
	mode := "not verifying signatures"
	if e.Verified {
		mode = "verifying signatures"
	}
	if e.Sync {
		mode += ", --sync"
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s  %s  %s   %s\n", th.Success.Render("Ready"), th.Bold.Render(e.URL), targets, th.Muted.Render(fmt.Sprintf("(%s, store %s)", mode, e.Store)))
	port := e.URL
	if u, err := url.Parse(e.URL); err == nil {
		port = u.Port()
	}
	fmt.Fprintln(opts.IO.ErrOut, th.Muted.Render(fmt.Sprintf("Expose it: ngrok http %s   ·   cloudflared tunnel --url %s", port, e.URL)))
	if e.Pending > 0 {
		fmt.Fprintln(opts.IO.ErrOut, th.Warning.Render(fmt.Sprintf("Resuming %d spooled forwards from the last run.", e.Pending)))
	}
}

func shortEvent(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

func fmtMs(ms int64) string {
	if ms < 1000 {
		return fmt.Sprintf("%d ms", ms)
	}
	return fmt.Sprintf("%.0f s", float64(ms)/1000)
}
