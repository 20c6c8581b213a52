package output

import (
	"bytes"
	"io"
	"regexp"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/kwh-cli/kwh/internal/ui"
)

// Column describes one column of a list. Rows always hold full values; the
// printer decides how to show them.
type Column struct {
	Header string
	// Wide columns only appear with -o wide (and in piped plain text).
	Wide bool
	// Short abbreviates long identifiers in the narrow TTY table (abcd…yz).
	Short bool
	// Max truncates the cell to this many characters in the narrow table.
	Max int
	// Style colours a cell on a TTY; nil leaves it plain.
	Style func(t *ui.Theme, value string) string
}

// Table is the human form of a list: columns and rows of full values.
type Table struct {
	Columns []Column
	Rows    [][]string
}

var trailing = regexp.MustCompile(`(?:[ \t]|\x1b\[0m)+$`)

// renderAligned draws an aligned, borderless table in the gh/kubectl style.
func renderAligned(w io.Writer, th *ui.Theme, t Table, wide bool) error {
	if len(t.Rows) == 0 {
		return nil // a header over nothing says less than the command's own "0 …" line
	}
	idx := visibleColumns(t.Columns, wide)
	headers := make([]string, len(idx))
	for i, c := range idx {
		headers[i] = th.Header.Render(strings.ToUpper(t.Columns[c].Header))
	}
	var buf bytes.Buffer
	tbl := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders:  tw.BorderNone,
			Settings: tw.Settings{Separators: tw.SeparatorsNone, Lines: tw.LinesNone},
		})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithPadding(tw.Padding{Left: "", Right: "  ", Overwrite: true}),
		tablewriter.WithTrimSpace(tw.Off),
	)
	tbl.Header(headers)
	for _, row := range t.Rows {
		cells := make([]string, len(idx))
		for i, c := range idx {
			cells[i] = cell(th, t.Columns[c], row, c, wide)
		}
		if err := tbl.Append(cells); err != nil {
			return err
		}
	}
	if err := tbl.Render(); err != nil {
		return err
	}
	for _, line := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
		if _, err := io.WriteString(w, trailing.ReplaceAllString(line, "")+"\n"); err != nil {
			return err
		}
	}
	return nil
}

func cell(th *ui.Theme, col Column, row []string, c int, wide bool) string {
	v := ""
	if c < len(row) {
		v = row[c]
	}
	if v == "" {
		return th.Muted.Render("—")
	}
	if col.Short && !wide {
		v = ShortID(v)
	}
	if r := []rune(v); col.Max > 0 && !wide && len(r) > col.Max {
		v = string(r[:col.Max-1]) + "…"
	}
	if col.Style != nil {
		return col.Style(th, v)
	}
	return v
}

func visibleColumns(cols []Column, wide bool) []int {
	var idx []int
	for i, c := range cols {
		if !c.Wide || wide {
			idx = append(idx, i)
		}
	}
	return idx
}

// renderPlain writes tab-separated rows, every column, no header: the stable
// form for cut, awk and while-read loops.
func renderPlain(w io.Writer, t Table) error {
	for _, row := range t.Rows {
		clean := make([]string, len(t.Columns))
		for i := range t.Columns {
			if i < len(row) {
				clean[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(row[i])
			}
		}
		if _, err := io.WriteString(w, strings.Join(clean, "\t")+"\n"); err != nil {
			return err
		}
	}
	return nil
}

// ShortID abbreviates a long identifier to its first four and last two
// characters, the form the commands also accept back as an id.
func ShortID(id string) string {
	r := []rune(id)
	if len(r) <= 10 {
		return id
	}
	return string(r[:4]) + "…" + string(r[len(r)-2:])
}

// MatchID reports whether an id matches what a user typed: the full id, a
// prefix of it, or an abbreviation as ShortID prints it.
func MatchID(id, typed string) bool {
	id, typed = strings.ToLower(id), strings.ToLower(typed)
	if pre, suf, ok := strings.Cut(typed, "…"); ok {
		return len(id) >= len(pre)+len(suf) && strings.HasPrefix(id, pre) && strings.HasSuffix(id, suf)
	}
	return strings.HasPrefix(id, typed)
}
