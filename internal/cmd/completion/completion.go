// Package completion implements `kwh completion SHELL`.
package completion

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
)

// Shells kwh writes completion scripts for.
var Shells = []string{"bash", "zsh", "fish", "powershell"}

// NewCmdCompletion is `kwh completion`.
func NewCmdCompletion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "completion <bash|zsh|fish|powershell>",
		Short: "Print a shell completion script",
		Long: `Print the completion script for a shell. Packages install these for you;
from a clone, load one as below.`,
		Example: `  source <(kwh completion bash)
  kwh completion zsh > "${fpath[1]}/_kwh"
  kwh completion fish > ~/.config/fish/completions/kwh.fish
  kwh completion powershell | Out-String | Invoke-Expression`,
		ValidArgs: Shells,
		Args:      cmdutil.ExactArgs(1, "which shell? bash, zsh, fish or powershell"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return Write(cmd.Root(), args[0], f.IOStreams.Out)
		},
	}
}

// Write writes the completion script for shell.
func Write(root *cobra.Command, shell string, w io.Writer) error {
	switch shell {
	case "bash":
		return root.GenBashCompletionV2(w, true)
	case "zsh":
		return root.GenZshCompletion(w)
	case "fish":
		return root.GenFishCompletion(w, true)
	case "powershell":
		return root.GenPowerShellCompletionWithDesc(w)
	}
	return cmdutil.FlagErrorf("unknown shell %q: use bash, zsh, fish or powershell", shell)
}
