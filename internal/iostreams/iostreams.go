// Package iostreams holds the process's standard streams and the decisions that
// depend on them: whether each is a terminal and whether to colour.
package iostreams

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/mattn/go-isatty"
	"golang.org/x/term"
)

// IOStreams is what commands read from and write to. stdout carries data only;
// stderr carries progress, hints and warnings.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool
	color     bool
	// width measures the terminal stdout is on (0: unknown); nil means unknown.
	width func() int
}

// TerminalWidth is the width in columns of the terminal stdout is on, or 0
// when stdout is not a terminal or its width cannot be told.
func (s *IOStreams) TerminalWidth() int {
	if !s.stdoutTTY || s.width == nil {
		return 0
	}
	return s.width()
}

// SetTerminalWidth fixes the terminal width (tests).
func (s *IOStreams) SetTerminalWidth(n int) { s.width = func() int { return n } }

// System returns streams bound to the real process, with colour decided from
// the environment (NO_COLOR, CLICOLOR, CLICOLOR_FORCE) and whether stdout is a TTY.
func System(getenv func(string) string) *IOStreams {
	s := &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		stdinTTY:  isTerminal(os.Stdin),
		stdoutTTY: isTerminal(os.Stdout),
		stderrTTY: isTerminal(os.Stderr),
	}
	s.color = ColorWanted(getenv, s.stdoutTTY)
	s.width = func() int {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil && w > 0 {
			return w
		}
		return 0
	}
	return s
}

// Test returns streams backed by buffers: no TTY, no colour.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// ColorWanted applies the informal standards: NO_COLOR (any value) disables,
// CLICOLOR_FORCE (non-zero) forces, CLICOLOR=0 and TERM=dumb disable, otherwise
// colour on a TTY.
func ColorWanted(getenv func(string) string, tty bool) bool {
	if getenv("NO_COLOR") != "" {
		return false
	}
	if v := getenv("CLICOLOR_FORCE"); v != "" && v != "0" {
		return true
	}
	if getenv("CLICOLOR") == "0" || getenv("TERM") == "dumb" {
		return false
	}
	return tty
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

func (s *IOStreams) IsStdinTTY() bool   { return s.stdinTTY }
func (s *IOStreams) IsStdoutTTY() bool  { return s.stdoutTTY }
func (s *IOStreams) IsStderrTTY() bool  { return s.stderrTTY }
func (s *IOStreams) ColorEnabled() bool { return s.color }

// CanPrompt reports whether we may ask the user something: never when stdin or
// stdout is not a terminal (scripts, CI).
func (s *IOStreams) CanPrompt() bool { return s.stdinTTY && s.stdoutTTY }

func (s *IOStreams) SetStdinTTY(v bool)     { s.stdinTTY = v }
func (s *IOStreams) SetStdoutTTY(v bool)    { s.stdoutTTY = v }
func (s *IOStreams) SetStderrTTY(v bool)    { s.stderrTTY = v }
func (s *IOStreams) SetColorEnabled(v bool) { s.color = v }

// ReadPassword reads a line from stdin without echo when stdin is a terminal.
func (s *IOStreams) ReadPassword() (string, error) {
	if f, ok := s.In.(*os.File); ok && s.stdinTTY {
		b, err := term.ReadPassword(int(f.Fd()))
		return string(b), err
	}
	return readLine(s.In)
}

// ReadLine reads one line from stdin, without its line ending.
func (s *IOStreams) ReadLine() (string, error) { return readLine(s.In) }

func readLine(r io.Reader) (string, error) {
	var buf []byte
	one := make([]byte, 1)
	for {
		n, err := r.Read(one)
		if n == 1 {
			if one[0] == '\n' {
				break
			}
			buf = append(buf, one[0])
		}
		if err == io.EOF {
			if len(buf) == 0 {
				return "", io.EOF
			}
			break
		}
		if err != nil {
			return "", err
		}
	}
	return string(bytes.TrimRight(buf, "\r")), nil
}

// ReadAllContext reads stdin to its end, at most max bytes (more is an
// error), and gives up when ctx ends: a read blocked on a silent pipe must
// not outlive Ctrl-C.
func (s *IOStreams) ReadAllContext(ctx context.Context, max int64) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := io.ReadAll(io.LimitReader(s.In, max+1))
		done <- result{b, err}
	}()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-done:
		if r.err == nil && int64(len(r.b)) > max {
			return nil, fmt.Errorf("standard input holds more than %d bytes", max)
		}
		return r.b, r.err
	}
}
