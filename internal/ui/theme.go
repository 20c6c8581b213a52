// Package ui is kwh's one theme: a small palette turned into semantic styles.
// Components use these styles; they never build their own.
package ui

import (
	"io"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Theme holds every style kwh draws with.
type Theme struct {
	Header  lipgloss.Style // table headers
	Muted   lipgloss.Style // secondary text: footers, ids, hints
	Success lipgloss.Style // ok, yes, delivered
	Warning lipgloss.Style // retrying, inactive
	Error   lipgloss.Style // failed, dead
	Accent  lipgloss.Style // topics, URLs
	Bold    lipgloss.Style
}

var palette = struct {
	muted, success, warning, errorC, accent lipgloss.Color
}{"245", "42", "214", "203", "39"}

// New builds the theme for a writer. With colour off every style renders
// plain text, so the same code serves TTYs, pipes and NO_COLOR.
func New(w io.Writer, color bool) *Theme {
	r := lipgloss.NewRenderer(w)
	if color {
		r.SetColorProfile(termenv.ANSI256)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	return &Theme{
		Header:  r.NewStyle().Bold(true),
		Muted:   r.NewStyle().Foreground(palette.muted),
		Success: r.NewStyle().Foreground(palette.success),
		Warning: r.NewStyle().Foreground(palette.warning),
		Error:   r.NewStyle().Foreground(palette.errorC).Bold(true),
		Accent:  r.NewStyle().Foreground(palette.accent),
		Bold:    r.NewStyle().Bold(true),
	}
}
