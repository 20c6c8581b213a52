package inbox

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/output"
	"github.com/kwh-cli/kwh/internal/store"
)

// ShowOptions are the inputs of `kwh inbox show`.
type ShowOptions struct {
	IO       *iostreams.IOStreams
	Printer  func() *output.Printer
	StateDir string

	Store       string
	RedisPrefix string
	ID          uint64
}

// NewCmdShow is `kwh inbox show`.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	o := &ShowOptions{IO: f.IOStreams, Printer: f.Printer, StateDir: config.StateDir(f.Getenv)}
	cmd := &cobra.Command{
		Use: "show <id>", Short: "Show one received request: headers, body, forwards",
		Example: "  kwh inbox show 12\n  kwh inbox show 12 -o json --jq .body",
		Args:    cmdutil.ExactArgs(1, "which delivery? see `kwh inbox list`"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := cmdutil.ResolveStore(c.Flags(), &o.Store, &o.RedisPrefix, f.Profile); err != nil {
				return err
			}
			ids, err := parseIDs(args)
			if err != nil {
				return err
			}
			o.ID = ids[0]
			if runF != nil {
				return runF(o)
			}
			return showRun(o)
		},
	}
	storeFlags(cmd, &o.Store, &o.RedisPrefix)
	cmd.ValidArgsFunction = completeIDs(&o.Store, &o.RedisPrefix, o.StateDir, f.Profile, 1)
	return cmd
}

func showRun(o *ShowOptions) error {
	st, err := openInbox(o.Store, o.StateDir, o.RedisPrefix)
	if err != nil {
		return err
	}
	defer st.Close()
	d, err := st.Get(o.ID)
	if err != nil {
		return err
	}
	e := entryOf(*d)
	fields := []output.Field{
		{Name: "id", Value: fmt.Sprint(d.ID)}, {Name: "received", Value: d.ReceivedAt.UTC().Format(time.RFC3339Nano)},
		{Name: "state", Value: e.State}, {Name: "from", Value: d.Remote}, {Name: "verified", Value: cmdutil.YesNo(&d.Verified)},
		{Name: "request", Value: d.Method + " " + d.Path + " (Host " + d.Host + ")"},
	}
	keys := make([]string, 0, len(d.Header))
	for k := range d.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := strings.Join(d.Header[k], ", ")
		if store.IsSensitiveHeader(k) {
			v = store.Redacted
		}
		fields = append(fields, output.Field{Name: "  " + k, Value: v})
	}
	fields = append(fields, output.Field{Name: "body", Value: string(d.Body)})
	for t, f := range d.Forwards {
		fields = append(fields, output.Field{Name: "forward", Value: fmt.Sprintf("%s: %s", t, forwardsText(map[string]store.ForwardState{"": f}))})
	}
	return o.Printer().PrintObject(e, fields)
}
