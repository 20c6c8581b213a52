package app

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestCompletionsAreFresh fails when a command or flag changed without
// `go generate ./...` rewriting the committed scripts.
func TestCompletionsAreFresh(t *testing.T) {
	scripts, err := CompletionScripts()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range scripts {
		got, err := os.ReadFile(filepath.Join("..", "..", "completions", name))
		if err != nil {
			t.Fatalf("%v: run go generate ./...", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("completions/%s is stale: run go generate ./...", name)
		}
	}
}
