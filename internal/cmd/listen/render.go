package listen

import (
	"bufio"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/output"
	"github.com/kwh-cli/kwh/internal/ui"
)

// Renderer prints a listener's events: the one presentation of listen.Event.
// Out gets data: NDJSON with -o json/ndjson, styled lines on a terminal,
// tab-separated lines when piped. ErrOut gets talk: the ready banner and the
// stopped line.
type Renderer struct {
	Out, ErrOut io.Writer
	// Printer holds the user's -o choice and the terminal decisions; Out
	// replaces its writer.
	Printer *output.Printer
	Talk    *ui.Theme // styles for ErrOut
	// Location is the time zone of the styled lines (nil: local time).
	Location *time.Location
	// Beside means the events accompany another stream on Out (events tail
	// --forward): they all go to ErrOut as talk, and the receipts the other
	// stream already shows are left out.
	Beside bool
}

// Render prints events until the channel closes. A write error is returned
// at the end: the channel is always drained so the engine never blocks.
func (r *Renderer) Render(events <-chan listen.Event) error {
	dst, talk := r.Out, r.ErrOut
	if r.Beside {
		dst = r.ErrOut
	}
	// Lines are buffered and flushed whenever no event is waiting: one write
	// per burst instead of one per line, and nothing held back when idle.
	out := bufio.NewWriterSize(dst, 64<<10)
	write := r.writer(out, talk)
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

// writer picks the form of each line: styled, NDJSON or plain.
func (r *Renderer) writer(out, talk io.Writer) func(listen.Event) error {
	if r.Beside {
		l := lines{out: out, talk: out, data: r.Talk, theme: r.Talk, loc: r.Location, beside: true}
		return l.styled
	}
	p := *r.Printer
	if (p.Opts.Format == "json" || p.Opts.Format == "ndjson") && p.Opts.JQ == "" && p.Opts.Template == "" {
		return ndjson(out) // what output.Stream would write, without reflection
	}
	ios := *p.IO
	ios.Out = out
	p.IO = &ios
	l := lines{out: out, talk: talk, data: p.Theme, theme: r.Talk, loc: r.Location}
	return output.Stream(&p, l.styled, func(e listen.Event) error {
		if e.Kind == listen.KindReady && e.Inspector != "" {
			// Piped lines are data; the person still reads stderr.
			fmt.Fprintln(talk, "Inspect "+e.Inspector)
		}
		if e.Kind == listen.KindReady && e.Metrics != "" {
			fmt.Fprintln(talk, "Metrics "+e.Metrics)
		}
		return plain(out, e)
	})
}

// ndjson writes each event as one JSON line (two per push: the busiest
// output kwh has, so it is encoded without reflection).
func ndjson(out io.Writer) func(listen.Event) error {
	var buf []byte
	return func(e listen.Event) error {
		var err error
		if buf, err = e.AppendNDJSON(buf[:0]); err != nil {
			return err
		}
		_, err = out.Write(buf)
		return err
	}
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

// lines writes the styled form: data lines to out in the data theme, the
// banner and stopped line to talk in the talk theme.
type lines struct {
	out, talk   io.Writer
	data, theme *ui.Theme
	loc         *time.Location
	beside      bool
}

func (l lines) styled(e listen.Event) error {
	loc := l.loc
	if loc == nil {
		loc = time.Local
	}
	out, w := l.data, l.out
	ts := out.Muted.Render(e.Time.In(loc).Format("15:04:05"))
	var err error
	switch e.Kind {
	case listen.KindReady:
		l.banner(e)
	case listen.KindReceived, listen.KindDuplicate, listen.KindSkipped:
		if l.beside && e.Kind != listen.KindDuplicate {
			return nil // the other stream printed the event itself
		}
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
		backlog := ""
		if e.Backlog > 0 {
			backlog = "  " + out.Muted.Render(fmt.Sprintf("(%d waiting, oldest %s)", e.Backlog, fmtMs(e.OldestPendingMs)))
		}
		_, err = fmt.Fprintf(w, "%s  → %s  %s  %s%s\n", ts, out.Success.Render(fmt.Sprintf("%d %-3s", e.Status, "OK")), out.Muted.Render(fmt.Sprintf("%5.0f ms", e.LatencyMs)), e.Target, backlog)
	case listen.KindFailed:
		switch {
		case e.RetryInMs > 0:
			_, err = fmt.Fprintf(w, "%s  → %s  retry %d in %s  %s\n", ts, out.Error.Render(e.Reason), e.Attempt+1, fmtMs(e.RetryInMs), out.Muted.Render(fmt.Sprintf("(%d waiting) %s", e.Pending, e.Target)))
		case e.Target != "":
			_, err = fmt.Fprintf(w, "%s  → %s  %s  %s\n", ts, out.Error.Render("failed"), e.Reason, out.Muted.Render(e.Target))
		default:
			_, err = fmt.Fprintf(w, "%s  → %s  %s\n", ts, out.Error.Render("failed"), e.Reason)
		}
	case listen.KindRespooled:
		fmt.Fprintln(l.talk, l.theme.Warning.Render("! "+e.Reason))
	case listen.KindDropped, listen.KindSetAside, listen.KindStoreFailing, listen.KindStoreRecovered, listen.KindPacing, listen.KindPacingEnded:
		fmt.Fprintln(l.talk, l.theme.Warning.Render("! "+e.Reason))
	case listen.KindDurability:
		line := l.theme.Warning.Render("! " + e.Reason)
		if e.Lossless {
			line = l.theme.Muted.Render(e.Reason)
		}
		fmt.Fprintln(l.talk, line)
	case listen.KindStopped:
		msg := "Stopped."
		switch {
		case e.Pending > 0 && e.Shared:
			msg += fmt.Sprintf(" %d %s spooled in the shared store; the other replicas take %s over.", e.Pending,
				cmdutil.Plural(e.Pending, "forward stays", "forwards stay"), cmdutil.Plural(e.Pending, "it", "them"))
		case e.Pending > 0:
			msg += fmt.Sprintf(" %d %s spooled and %s at the next start.", e.Pending,
				cmdutil.Plural(e.Pending, "forward stays", "forwards stay"), cmdutil.Plural(e.Pending, "resumes", "resume"))
		}
		if !l.beside || e.Pending > 0 {
			fmt.Fprintln(l.talk, l.theme.Muted.Render(msg))
		}
	}
	return err
}

// banner is the ready line: where to point Kibo or a tunnel. Beside another
// stream only the resumed forwards are worth saying.
func (l lines) banner(e listen.Event) {
	th, w := l.theme, l.talk
	if !l.beside {
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
		fmt.Fprintf(w, "%s  %s  %s   %s\n", th.Success.Render("Ready"), th.Bold.Render(e.URL), targets, th.Muted.Render(fmt.Sprintf("(%s, store %s)", mode, e.Store)))
		port := e.URL
		if u, err := url.Parse(e.URL); err == nil {
			port = u.Port()
		}
		fmt.Fprintln(w, th.Muted.Render(fmt.Sprintf("Expose it: ngrok http %s   ·   cloudflared tunnel --url %s", port, e.URL)))
		if e.Inspector != "" {
			fmt.Fprintf(w, "%s  %s\n", th.Success.Render("Inspect"), th.Bold.Render(e.Inspector))
		}
		if e.Metrics != "" {
			fmt.Fprintf(w, "%s  %s\n", th.Success.Render("Metrics"), th.Bold.Render(e.Metrics))
		}
	}
	if e.Pending > 0 {
		fmt.Fprintln(w, th.Warning.Render(fmt.Sprintf("Resuming %d spooled %s from the last run.", e.Pending, cmdutil.Plural(e.Pending, "forward", "forwards"))))
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
