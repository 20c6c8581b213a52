package app

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestManPagesAreFresh fails when a command, flag or help text changed
// without `go generate ./...` rewriting the committed pages in man/, and when
// a page is left for a command that no longer exists.
func TestManPagesAreFresh(t *testing.T) {
	pages, err := ManPages()
	if err != nil {
		t.Fatal(err)
	}
	for _, must := range []string{"kwh.1", "kwh-subs-list.1", "kwh-listen.1", "kwh-completion.1"} {
		if pages[must] == nil {
			t.Errorf("no page %s", must)
		}
	}
	for name, want := range pages {
		got, err := os.ReadFile(filepath.Join("..", "..", "man", name))
		if err != nil {
			t.Errorf("%v: run go generate ./...", err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("man/%s is stale: run go generate ./...", name)
		}
	}
	committed, _ := filepath.Glob(filepath.Join("..", "..", "man", "*.1"))
	for _, path := range committed {
		if pages[filepath.Base(path)] == nil {
			t.Errorf("man/%s documents no command: run go generate ./...", filepath.Base(path))
		}
	}
	if len(committed) == 0 || !slices.ContainsFunc(committed, func(p string) bool { return filepath.Base(p) == "kwh.1" }) {
		t.Error("man/ holds no kwh.1: run go generate ./...")
	}
}
