package doctor

import (
	"fmt"
	"io"
	"strings"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/doctor"
	"github.com/kwh-cli/kwh/internal/output"
	"github.com/kwh-cli/kwh/internal/ui"
)

// renderer prints results: as each finishes on a terminal, piped and with
// -o ndjson; all at once as an array for -o json, yaml, csv, --jq and
// --template.
type renderer struct {
	opts    *Options
	p       *output.Printer
	stream  func(doctor.Result) error
	collect bool
	err     error
}

func newRenderer(opts *Options) *renderer {
	p := opts.Printer()
	r := &renderer{opts: opts, p: p}
	o := p.Opts
	switch {
	case o.JQ != "" || o.Template != "" || o.Format == "json" || o.Format == "yaml" || o.Format == "csv":
		r.collect = true
	default:
		human := func(res doctor.Result) error { return writeHuman(opts.IO.Out, p.Theme, res) }
		r.stream = output.Stream(p, human, func(res doctor.Result) error { return writePlain(opts.IO.Out, res) })
	}
	return r
}

func (r *renderer) result(res doctor.Result) {
	if r.stream != nil && r.err == nil {
		r.err = r.stream(res)
	}
}

// finish prints the collected array, or on a terminal the summary and the
// first thing to fix (on stderr: talk, not data).
func (r *renderer) finish(rep doctor.Report) error {
	if r.err != nil {
		return r.err
	}
	if r.collect {
		results := rep.Results
		if results == nil {
			results = []doctor.Result{}
		}
		return r.p.PrintList(results, table(results))
	}
	if r.p.IsHuman() && !r.opts.Quiet {
		writeSummary(r.opts.IO.ErrOut, r.opts.Theme(), rep, r.opts.Strict)
	}
	return nil
}

var marks = map[doctor.Status]string{doctor.OK: "✓", doctor.Warn: "!", doctor.Fail: "✗", doctor.Skip: "–"}

func style(th *ui.Theme, s doctor.Status, text string) string {
	switch s {
	case doctor.OK:
		return th.Success.Render(text)
	case doctor.Warn:
		return th.Warning.Render(text)
	case doctor.Fail:
		return th.Error.Render(text)
	}
	return th.Muted.Render(text)
}

// writeHuman is one result for a person: mark, check, subject, detail, and
// the hint on its own line when there is something to do.
func writeHuman(w io.Writer, th *ui.Theme, r doctor.Result) error {
	subject := r.Subject
	if isID(subject) {
		subject = output.ShortID(subject)
	}
	line := fmt.Sprintf("%s %-13s", style(th, r.Status, marks[r.Status]), r.Check)
	if subject != "" {
		line += " " + th.Accent.Render(subject) + " "
	}
	if r.Detail != "" {
		line += " " + r.Detail
	}
	if r.Hint != "" && (r.Status == doctor.Fail || r.Status == doctor.Warn) {
		line += "\n" + strings.Repeat(" ", 16) + th.Muted.Render("→ "+r.Hint)
	}
	_, err := fmt.Fprintln(w, line)
	return err
}

// isID recognises a subscription id (32 hex digits), shortened on a terminal.
func isID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

func writePlain(w io.Writer, r doctor.Result) error {
	_, err := fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.Status, r.Check, r.Subject, r.Detail, r.Hint)
	return err
}

func writeSummary(w io.Writer, th *ui.Theme, rep doctor.Report, strict bool) {
	var parts []string
	for _, s := range []struct {
		st         doctor.Status
		one, other string
	}{{doctor.OK, "ok", "ok"}, {doctor.Warn, "warning", "warnings"}, {doctor.Fail, "failed", "failed"}, {doctor.Skip, "skipped", "skipped"}} {
		if n := rep.Count(s.st); n > 0 {
			parts = append(parts, style(th, s.st, fmt.Sprintf("%d %s", n, cmdutil.Plural(n, s.one, s.other))))
		}
	}
	fmt.Fprintln(w, strings.Join(parts, th.Muted.Render(" · ")))
	first := rep.FirstProblem()
	switch {
	case first == nil:
		fmt.Fprintln(w, th.Success.Render("Nothing wrong found."))
	case first.Status == doctor.Warn && !strict:
		fmt.Fprintln(w, "Nothing failed. First warning: "+describeFirst(first))
	default:
		fmt.Fprintln(w, th.Bold.Render("Fix first: ")+describeFirst(first))
	}
}

func describeFirst(r *doctor.Result) string {
	s := r.Check
	if isID(r.Subject) {
		s += " " + output.ShortID(r.Subject)
	} else if r.Subject != "" {
		s += " " + r.Subject
	}
	if r.Hint != "" {
		return s + ": " + r.Hint
	}
	return s + ": " + r.Detail
}

var columns = []output.Column{
	{Header: "status"}, {Header: "check"}, {Header: "subject"}, {Header: "detail"}, {Header: "hint"},
}

func table(results []doctor.Result) output.Table {
	t := output.Table{Columns: columns}
	for _, r := range results {
		t.Rows = append(t.Rows, []string{string(r.Status), r.Check, r.Subject, r.Detail, r.Hint})
	}
	return t
}
