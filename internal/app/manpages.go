package app

//go:generate go run ../../tools/genman -dir ../../man

import (
	"bytes"
	"context"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/kwh-cli/kwh/internal/iostreams"
)

// manDate is the date the pages carry. It is fixed so that generating them
// twice gives the same bytes (the staleness test compares them).
var manDate = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// ManPages renders a man page (section 1) for every command, keyed by file
// name: kwh.1, kwh-subs-list.1, ...
func ManPages() (map[string][]byte, error) {
	ios, _, _, _ := iostreams.Test()
	root := NewRootCmd(Env{IO: ios, Getenv: os.Getenv})
	root.SetContext(context.Background())
	root.DisableAutoGenTag = true
	out := map[string][]byte{}
	var walk func(c *cobra.Command) error
	walk = func(c *cobra.Command) error {
		if !c.IsAvailableCommand() && c != root {
			return nil
		}
		c.DisableAutoGenTag = true
		var buf bytes.Buffer
		header := &doc.GenManHeader{Title: strings.ToUpper(strings.ReplaceAll(c.CommandPath(), " ", "-")), Section: "1", Date: &manDate, Source: "kwh", Manual: "kwh manual"}
		if err := doc.GenMan(c, header, &buf); err != nil {
			return err
		}
		out[strings.ReplaceAll(c.CommandPath(), " ", "-")+".1"] = buf.Bytes()
		for _, sub := range c.Commands() {
			if err := walk(sub); err != nil {
				return err
			}
		}
		return nil
	}
	return out, walk(root)
}
