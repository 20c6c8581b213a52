// Package version implements `kwh version`.
package version

import (
	"runtime"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/output"
)

// Info is the JSON form of `kwh version`.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	Go      string `json:"go"`
	OS      string `json:"os"`
	Arch    string `json:"arch"`
}

// NewCmdVersion is `kwh version`.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print kwh's version",
		Long: `Print kwh's version, the commit it was built from, and the Go toolchain and
platform. A release sets the version at build time; a go install build reports
the module version and VCS revision Go recorded in the binary.`,
		Example: "  kwh version\n  kwh version -o json",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			info := Info{Version: f.Version, Commit: f.Commit, Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
			p := f.Printer()
			if p.Opts.Format == "" && p.Opts.JQ == "" && p.Opts.Template == "" {
				built := info.Go + " " + info.OS + "/" + info.Arch
				if info.Commit != "" {
					built = "commit " + info.Commit + ", " + built
				}
				_, err := f.IOStreams.Out.Write([]byte("kwh " + info.Version + " (" + built + ")\n"))
				return err
			}
			return p.PrintObject(info, []output.Field{{Name: "version", Value: info.Version}, {Name: "commit", Value: info.Commit}, {Name: "go", Value: info.Go}, {Name: "os", Value: info.OS}, {Name: "arch", Value: info.Arch}})
		},
	}
}
