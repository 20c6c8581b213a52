package cmdutil

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/output"
)

// outputAnnotation holds, on a command, the -o formats it can produce,
// comma-separated; "none" for a command that prints no data.
const outputAnnotation = "kwh:output-formats"

// StreamFormats are what a command printing one line per item as it happens
// can produce: its lines, or one JSON object per line (json and ndjson).
var StreamFormats = []string{"table", "wide", "json", "ndjson"}

// OutputFormats declares the -o formats cmd can produce; none means it
// prints no data, so -o, --jq and --template are refused. A command that
// declares nothing accepts every format.
func OutputFormats(cmd *cobra.Command, formats ...string) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	v := strings.Join(formats, ",")
	if v == "" {
		v = "none"
	}
	cmd.Annotations[outputAnnotation] = v
}

// CheckOutputFlags refuses output flags cmd cannot honour (exit 2), so that
// nothing is silently ignored.
func CheckOutputFlags(cmd *cobra.Command, o output.Options) error {
	v, ok := cmd.Annotations[outputAnnotation]
	if !ok || (o.Format == "" && o.JQ == "" && o.Template == "") {
		return nil
	}
	if v == "none" {
		return FlagErrorf("%s prints no data: -o, --jq and --template do not apply", cmd.CommandPath())
	}
	formats := strings.Split(v, ",")
	if o.Format != "" && !slices.Contains(formats, o.Format) {
		return FlagErrorf("%s cannot print -o %s: use one of %s", cmd.CommandPath(), o.Format, strings.Join(formats, ", "))
	}
	if (o.JQ != "" || o.Template != "") && !slices.Contains(formats, "json") {
		return FlagErrorf("%s has no JSON form for --jq or --template", cmd.CommandPath())
	}
	return nil
}

// DeclareOutputs annotates the commands of a tree by path (as `kwh auth
// logout` reads); paths it does not name keep accepting every format.
func DeclareOutputs(root *cobra.Command, byPath map[string][]string) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if formats, ok := byPath[c.CommandPath()]; ok {
			OutputFormats(c, formats...)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
