// Command genman writes kwh's man pages (one per command, from the command
// tree) into a directory; `go generate ./...` runs it and the pages are
// committed, shipped in the archives and installed by the deb/rpm.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kwh-cli/kwh/internal/app"
)

func main() {
	dir := flag.String("dir", "man", "where to write the pages")
	flag.Parse()
	pages, err := app.ManPages()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	old, _ := filepath.Glob(filepath.Join(*dir, "*.1"))
	for _, p := range old {
		_ = os.Remove(p) // a removed command leaves no page behind
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for name, body := range pages {
		if err := os.WriteFile(filepath.Join(*dir, name), body, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
