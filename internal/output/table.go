package output

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

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
	// Flex marks free text (endpoints, topics, messages) that may be
	// shortened with … so the narrow table fits the terminal; ids and
	// statuses are never Flex and stay whole.
	Flex bool
	// Style colours a cell on a TTY; nil leaves it plain.
	Style func(t *ui.Theme, value string) string
}

// Table is the human form of a list: columns and rows of full values.
type Table struct {
	Columns []Column
	Rows    [][]string
}

var trailing = regexp.MustCompile(`(?:[ \t]|\x1b\[0m)+$`)

// renderAligned draws an aligned, borderless table in the gh/kubectl style;
// fit, when positive, is the terminal width the narrow table must fit.
func renderAligned(w io.Writer, th *ui.Theme, t Table, wide bool, fit int) error {
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
	limits := fitWidths(t, idx, wide, fit)
	for _, row := range t.Rows {
		cells := make([]string, len(idx))
		for i, c := range idx {
			col := t.Columns[c]
			if limits[i] > 0 && (col.Max == 0 || limits[i] < col.Max) {
				col.Max = limits[i]
			}
			cells[i] = cell(th, col, row, c, wide)
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

// columnGap is the space renderAligned leaves between columns.
const columnGap = 2

// minFlex is the narrowest a Flex column gets: a few characters and the …
const minFlex = 8

// fitWidths returns, per visible column, the width it may take so the table
// fits fit columns (0: no limit): the widest Flex column is shortened first,
// as gh does, and ids and statuses keep their width. A table that cannot fit
// even so keeps its Flex columns at minFlex and overflows.
func fitWidths(t Table, idx []int, wide bool, fit int) []int {
	limits := make([]int, len(idx))
	if fit <= 0 || wide {
		return limits
	}
	widths := make([]int, len(idx))
	total := columnGap * (len(idx) - 1)
	for i, c := range idx {
		col := t.Columns[c]
		widths[i] = utf8.RuneCountInString(col.Header)
		for _, row := range t.Rows {
			widths[i] = max(widths[i], shownWidth(col, row, c))
		}
		total += widths[i]
	}
	for total > fit {
		widest := -1
		for i, c := range idx {
			floor := max(minFlex, utf8.RuneCountInString(t.Columns[c].Header))
			if t.Columns[c].Flex && widths[i] > floor && (widest < 0 || widths[i] > widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break
		}
		widths[widest]--
		limits[widest] = widths[widest]
		total--
	}
	return limits
}

// shownWidth is how wide a cell is in the narrow table before fitting.
func shownWidth(col Column, row []string, c int) int {
	v := "—"
	if c < len(row) && row[c] != "" {
		v = row[c]
	}
	if col.Short {
		v = ShortID(v)
	}
	n := utf8.RuneCountInString(v)
	if col.Max > 0 {
		n = min(n, col.Max)
	}
	return n
}
