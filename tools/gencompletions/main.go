// Command gencompletions writes kwh's shell completion scripts into a
// directory; `go generate ./...` runs it and the files are committed.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kwh-cli/kwh/internal/app"
)

func main() {
	dir := flag.String("dir", "completions", "where to write the scripts")
	flag.Parse()
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	scripts, err := app.CompletionScripts()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(*dir, name), body, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
