package check

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/handlercheck"
	"github.com/kwh-cli/kwh/internal/output"
	"github.com/kwh-cli/kwh/internal/ui"
)

// report prints the rows, a summary on stderr for people, and decides the
// exit code: 3 when any scenario failed.
func report(opts *Options, results []handlercheck.Result) error {
	if err := printRows(opts, results); err != nil {
		return err
	}
	counts := map[handlercheck.Status]int{}
	for _, r := range results {
		counts[r.Status]++
	}
	if !opts.Quiet {
		th := opts.Theme()
		parts := []string{th.Success.Render(fmt.Sprintf("%d ok", counts[handlercheck.OK]))}
		if n := counts[handlercheck.Warn]; n > 0 {
			parts = append(parts, th.Warning.Render(fmt.Sprintf("%d %s", n, cmdutil.Plural(n, "warning", "warnings"))))
		}
		if n := counts[handlercheck.Fail]; n > 0 {
			parts = append(parts, th.Error.Render(fmt.Sprintf("%d failed", n)))
		}
		if opts.JUnit != "" {
			parts = append(parts, th.Muted.Render("JUnit report "+opts.JUnit))
		}
		fmt.Fprintln(opts.IO.ErrOut, strings.Join(parts, th.Muted.Render(" · ")))
	}
	if n := counts[handlercheck.Fail]; n > 0 {
		return cmdutil.CheckFailed(fmt.Errorf("%d of %d checks failed", n, len(results)))
	}
	return nil
}

// printRows prints one row per result in the chosen output form.
func printRows(opts *Options, results []handlercheck.Result) error {
	t := output.Table{Columns: []output.Column{
		{Header: "scenario"},
		{Header: "subject", Max: 32},
		{Header: "result", Style: styleStatus},
		{Header: "detail"},
		{Header: "latency ms", Wide: true},
	}}
	for _, r := range results {
		t.Rows = append(t.Rows, []string{r.Scenario, r.Subject, string(r.Status), r.Detail, fmt.Sprintf("%.1f", r.LatencyMs)})
	}
	if results == nil {
		results = []handlercheck.Result{}
	}
	return opts.Printer().PrintList(results, t)
}

func styleStatus(th *ui.Theme, v string) string {
	switch handlercheck.Status(v) {
	case handlercheck.OK:
		return th.Success.Render(v)
	case handlercheck.Warn:
		return th.Warning.Render(v)
	case handlercheck.Fail:
		return th.Error.Render(v)
	}
	return v
}

// writeJUnit writes the report whole or not at all: a CI system never reads
// half a file.
func writeJUnit(path string, j handlercheck.JUnit) error {
	var buf bytes.Buffer
	if err := j.Write(&buf); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".kwh-junit-*")
	if err != nil {
		return fmt.Errorf("--junit: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("--junit: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("--junit: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("--junit: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("--junit: %w", err)
	}
	return nil
}
