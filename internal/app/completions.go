package app

//go:generate go run ../../tools/gencompletions -dir ../../completions

import (
	"bytes"
	"context"
	"os"

	"github.com/kwh-cli/kwh/internal/cmd/completion"
	"github.com/kwh-cli/kwh/internal/iostreams"
)

// CompletionFiles names the committed script of each shell under completions/.
var CompletionFiles = map[string]string{
	"bash":       "kwh.bash",
	"zsh":        "_kwh",
	"fish":       "kwh.fish",
	"powershell": "kwh.ps1",
}

// CompletionScripts renders every shell's completion script, keyed by file name.
func CompletionScripts() (map[string][]byte, error) {
	ios, _, _, _ := iostreams.Test()
	root := NewRootCmd(Env{IO: ios, Getenv: os.Getenv})
	root.SetContext(context.Background())
	out := map[string][]byte{}
	for shell, file := range CompletionFiles {
		var buf bytes.Buffer
		if err := completion.Write(root, shell, &buf); err != nil {
			return nil, err
		}
		out[file] = buf.Bytes()
	}
	return out, nil
}
