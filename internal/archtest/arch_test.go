// Package archtest holds the layout's rules as tests over `go list`, so CI
// fails when a wall is crossed (DESIGN.md, "Architecture").
package archtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/kwh-cli/kwh"

// engines never print or parse flags: they must not depend on the terminal
// or the command layer, directly or through another package.
var engines = []string{"kibo", "webhook", "listen", "store", "replay", "emulator", "netutil", "doctor", "inspector"}

var forbidden = []string{
	"github.com/spf13/cobra",
	"github.com/spf13/viper",
	"github.com/charmbracelet/lipgloss",
	"github.com/muesli/termenv",
	module + "/internal/iostreams",
	module + "/internal/output",
	module + "/internal/ui",
	module + "/internal/cmdutil",
	module + "/internal/config",
}

// goList runs go list over the whole module with a template.
func goList(t *testing.T, format string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", format, module+"/...").Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("go list: %v\n%s", err, stderr)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

func isEngine(pkg string) bool {
	for _, e := range engines {
		p := module + "/internal/" + e
		if pkg == p || strings.HasPrefix(pkg, p+"/") {
			return true
		}
	}
	return false
}

func TestEnginesDoNotImportTheTerminalOrCommands(t *testing.T) {
	checked := 0
	for _, line := range goList(t, `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`) {
		fields := strings.Fields(line)
		if len(fields) == 0 || !isEngine(fields[0]) {
			continue
		}
		checked++
		for _, dep := range fields[1:] {
			for _, bad := range forbidden {
				if dep == bad || strings.HasPrefix(dep, bad+"/") {
					t.Errorf("%s depends on %s: engines never import cobra, viper, lipgloss, termenv, iostreams, output, ui, cmdutil or config", fields[0], dep)
				}
			}
		}
	}
	if checked < 5 {
		t.Fatalf("only %d engine packages found: is the list of engines stale?", checked)
	}
}

// TestNoLongFiles keeps source files small: no non-test Go file over 400 lines.
func TestNoLongFiles(t *testing.T) {
	const limit = 400
	for _, line := range goList(t, `{{.Dir}}{{range .GoFiles}} {{.}}{{end}}`) {
		fields := strings.Fields(line)
		for _, name := range fields[min(1, len(fields)):] {
			path := filepath.Join(fields[0], name)
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if n := bytes.Count(raw, []byte("\n")); n > limit {
				t.Errorf("%s has %d lines: split it by concern (at most %d)", path, n, limit)
			}
		}
	}
}
