// Package output prints lists and objects in every form kwh offers: a styled
// table on a TTY, tab-separated text when piped, and json, yaml, ndjson, csv,
// a jq expression or a Go template over the JSON form.
package output

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/template"

	"github.com/itchyny/gojq"
	"go.yaml.in/yaml/v3"

	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/ui"
)

// Formats lists what -o accepts.
var Formats = []string{"table", "wide", "json", "yaml", "ndjson", "csv"}

// Options are the user's output choices (-o, --jq, --template).
type Options struct {
	Format   string
	JQ       string
	Template string
	Quiet    bool // -q: data and errors only, no footers
}

// Validate rejects unknown formats and contradictory choices.
func (o Options) Validate() error {
	if o.Format != "" && !slices.Contains(Formats, o.Format) {
		return fmt.Errorf("unknown output format %q: use one of %s", o.Format, strings.Join(Formats, ", "))
	}
	if o.JQ != "" && o.Template != "" {
		return fmt.Errorf("--jq and --template cannot be used together")
	}
	if (o.JQ != "" || o.Template != "") && o.Format != "" && o.Format != "json" && o.Format != "ndjson" {
		return fmt.Errorf("--jq and --template work on the JSON form; drop -o %s", o.Format)
	}
	if o.JQ != "" {
		if _, err := gojq.Parse(o.JQ); err != nil {
			return fmt.Errorf("invalid --jq expression: %w", err)
		}
	}
	if o.Template != "" {
		if _, err := parseTemplate(o.Template); err != nil {
			return fmt.Errorf("invalid --template: %w", err)
		}
	}
	return nil
}

// Printer writes data to stdout in the chosen form.
type Printer struct {
	IO    *iostreams.IOStreams
	Theme *ui.Theme
	Opts  Options
}

// New returns a printer for the streams and the user's options.
func New(io *iostreams.IOStreams, opts Options) *Printer {
	return &Printer{IO: io, Theme: ui.New(io.Out, io.ColorEnabled()), Opts: opts}
}

// IsHuman reports whether output is the styled table a person reads, so a
// command may add talk such as a summary footer.
func (p *Printer) IsHuman() bool {
	return p.Opts.JQ == "" && p.Opts.Template == "" &&
		(p.Opts.Format == "table" || p.Opts.Format == "wide" || (p.Opts.Format == "" && p.IO.IsStdoutTTY()))
}

// ShowsFooter reports whether a command may add a summary footer on stderr:
// only beside the styled table, and never under -q.
func (p *Printer) ShowsFooter() bool { return p.IsHuman() && !p.Opts.Quiet }

// PrintList prints a list. data is the JSON form (a slice); t is the human form.
func (p *Printer) PrintList(data any, t Table) error {
	return p.print(data, func(w io.Writer, wide bool) error {
		fit := 0
		if !wide {
			fit = p.IO.TerminalWidth()
		}
		return renderAligned(w, p.Theme, t, wide, fit)
	}, func(w io.Writer) error { return renderPlain(w, t) }, t)
}

// Field is one line of an object's human form.
type Field struct{ Name, Value string }

// PrintObject prints one object. data is the JSON form; fields the human form.
func (p *Printer) PrintObject(data any, fields []Field) error {
	t := Table{Columns: []Column{{Header: "field"}, {Header: "value"}}}
	for _, f := range fields {
		t.Rows = append(t.Rows, []string{f.Name, f.Value})
	}
	human := func(w io.Writer, _ bool) error {
		width := 0
		for _, f := range fields {
			width = max(width, len(f.Name))
		}
		for _, f := range fields {
			v := f.Value
			if v == "" {
				v = p.Theme.Muted.Render("—")
			}
			name := p.Theme.Muted.Render(fmt.Sprintf("%-*s", width+1, f.Name+":"))
			if _, err := fmt.Fprintf(w, "%s %s\n", name, v); err != nil {
				return err
			}
		}
		return nil
	}
	return p.print(data, human, func(w io.Writer) error { return renderPlain(w, t) }, t)
}

func (p *Printer) print(data any, human func(io.Writer, bool) error, plain func(io.Writer) error, t Table) error {
	w := p.IO.Out
	switch {
	case p.Opts.JQ != "":
		return writeJQ(w, data, p.Opts.JQ)
	case p.Opts.Template != "":
		return writeTemplate(w, data, p.Opts.Template)
	}
	switch p.Opts.Format {
	case "json":
		return writeJSON(w, data)
	case "ndjson":
		return writeNDJSON(w, data)
	case "yaml":
		return writeYAML(w, data)
	case "csv":
		return writeCSV(w, t)
	case "table":
		return human(w, false)
	case "wide":
		return human(w, true)
	}
	if p.IO.IsStdoutTTY() {
		return human(w, false)
	}
	return plain(w)
}

func writeJSON(w io.Writer, data any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(data)
}

func writeNDJSON(w io.Writer, data any) error {
	generic, err := toGeneric(data)
	if err != nil {
		return err
	}
	items, ok := generic.([]any)
	if !ok {
		items = []any{generic}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, it := range items {
		if err := enc.Encode(it); err != nil {
			return err
		}
	}
	return nil
}

func writeCSV(w io.Writer, t Table) error {
	cw := csv.NewWriter(w)
	header := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = strings.ToLower(strings.ReplaceAll(c.Header, " ", "_"))
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, row := range t.Rows {
		full := make([]string, len(t.Columns))
		copy(full, row)
		if err := cw.Write(full); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeYAML converts the JSON form to YAML keeping key order, so yaml and json
// show fields in the same order.
func writeYAML(w io.Writer, data any) error {
	raw, err := marshal(data)
	if err != nil {
		return err
	}
	node, err := jsonToYAMLNode(json.NewDecoder(bytes.NewReader(raw)))
	if err != nil {
		return err
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(node); err != nil {
		return err
	}
	return enc.Close()
}

func writeJQ(w io.Writer, data any, expr string) error {
	q, err := gojq.Parse(expr)
	if err != nil {
		return fmt.Errorf("invalid --jq expression: %w", err)
	}
	generic, err := toGeneric(data)
	if err != nil {
		return err
	}
	iter := q.Run(generic)
	for {
		v, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, isErr := v.(error); isErr {
			return fmt.Errorf("--jq: %w", err)
		}
		if s, isStr := v.(string); isStr {
			if _, err := fmt.Fprintln(w, s); err != nil {
				return err
			}
			continue
		}
		b, err := gojq.Marshal(v)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "%s\n", b); err != nil {
			return err
		}
	}
}

func parseTemplate(text string) (*template.Template, error) {
	return template.New("output").Option("missingkey=zero").Funcs(templateFuncs).Parse(text)
}

var templateFuncs = template.FuncMap{
	"join": func(sep string, v any) string {
		items, _ := v.([]any)
		parts := make([]string, len(items))
		for i, it := range items {
			parts[i] = fmt.Sprint(it)
		}
		return strings.Join(parts, sep)
	},
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
	"short": ShortID,
}

func writeTemplate(w io.Writer, data any, text string) error {
	tmpl, err := parseTemplate(text)
	if err != nil {
		return fmt.Errorf("invalid --template: %w", err)
	}
	generic, err := toGeneric(data)
	if err != nil {
		return err
	}
	return tmpl.Execute(w, generic)
}

func marshal(data any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(data)
	return buf.Bytes(), err
}

// toGeneric turns typed data into the maps and slices jq and templates expect.
func toGeneric(data any) (any, error) {
	raw, err := marshal(data)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return normalizeNumbers(v), nil
}

// normalizeNumbers turns json.Number into int or float64, which gojq accepts.
func normalizeNumbers(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = normalizeNumbers(x)
		}
	case []any:
		for i, x := range t {
			t[i] = normalizeNumbers(x)
		}
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return int(i)
		}
		f, _ := t.Float64()
		return f
	}
	return v
}
