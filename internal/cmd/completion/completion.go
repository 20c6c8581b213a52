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
		Long: `Print the completion script for a shell. The deb and rpm packages and the
Homebrew cask install these for you. Otherwise, install your shell's:

bash     Works with or without the bash-completion package.
         This shell only:  source <(kwh completion bash)
         Every new shell:  kwh completion bash > ~/.local/share/bash-completion/completions/kwh
                           (without bash-completion, source that file from ~/.bashrc)
zsh      kwh completion zsh > "${fpath[1]}/_kwh"
         (compinit must be on: autoload -U compinit; compinit in ~/.zshrc), then open a new shell.
fish     kwh completion fish > ~/.config/fish/completions/kwh.fish
powershell
         kwh completion powershell | Out-String | Invoke-Expression
         Every new shell: add that line to $PROFILE.

Completions ask Kibo for subscription, delivery and event ids with the
profile and flags typed so far, and read profile names from the config file.`,
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

// bashShim defines _get_comp_words_by_ref, the one bash-completion function
// cobra's v2 script calls, when that package is not installed: a plain bash
// then completes kwh too. It splits words as bash does (so --output=js is
// three words), which cobra's script handles.
const bashShim = `# Without the bash-completion package, define the one helper this script needs.
if ! declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
_get_comp_words_by_ref() {
    while [[ $# -gt 0 && $1 == -* ]]; do
        [[ $1 == -n ]] && shift
        shift
    done
    local v
    for v in "$@"; do
        case $v in
        cur) cur=${COMP_WORDS[COMP_CWORD]} ;;
        prev) prev=${COMP_WORDS[COMP_CWORD-1]} ;;
        words) words=("${COMP_WORDS[@]}") ;;
        cword) cword=$COMP_CWORD ;;
        esac
    done
}
fi

`

// Write writes the completion script for shell.
func Write(root *cobra.Command, shell string, w io.Writer) error {
	switch shell {
	case "bash":
		if _, err := io.WriteString(w, bashShim); err != nil {
			return err
		}
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
