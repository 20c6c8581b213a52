package cmdutil

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/ui"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// WarnUnknownTopics tells the user (stderr) about topics kwh does not know,
// with the nearest known names. It is a warning, not an error: Kibo adds topics.
func WarnUnknownTopics(w io.Writer, th *ui.Theme, topics []string) {
	warnUnknownTopics(w, th, topics, "; asking Kibo anyway")
}

// WarnUnknownLocalTopics is WarnUnknownTopics for commands that ask no Kibo
// (listen, send, emulator publish, check): the topic is used as given.
func WarnUnknownLocalTopics(w io.Writer, th *ui.Theme, topics []string) {
	warnUnknownTopics(w, th, topics, "; using it as given")
}

func warnUnknownTopics(w io.Writer, th *ui.Theme, topics []string, then string) {
	for _, t := range topics {
		if webhook.Known(t) {
			continue
		}
		msg := fmt.Sprintf("! %q is not a topic kwh knows", t)
		if near := webhook.Nearest(t, 3); len(near) > 0 {
			msg += " (did you mean " + strings.Join(near, ", ") + "?)"
		}
		fmt.Fprintln(w, th.Warning.Render(msg+then))
	}
}

// CompleteTopics completes --topic values from the catalog, with a glob per
// category prefix (order.*).
func CompleteTopics(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	var out []string
	seen := map[string]bool{}
	for _, t := range webhook.Topics() {
		prefix, _, _ := strings.Cut(t.Name, ".")
		if glob := prefix + ".*"; !seen[glob] && strings.HasPrefix(glob, toComplete) {
			seen[glob] = true
			out = append(out, glob+"\tevery "+prefix+" topic")
		}
		if strings.HasPrefix(t.Name, toComplete) {
			out = append(out, t.Name+"\t"+t.Category)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// CompleteTopicArg completes a command's single TOPIC argument.
func CompleteTopicArg(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return CompleteTopics(cmd, args, toComplete)
}
