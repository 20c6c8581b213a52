package inbox

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/store/redisstore"
	"github.com/kwh-cli/kwh/internal/ui"
)

// DropOptions are the inputs of `kwh inbox drop`.
type DropOptions struct {
	IO       *iostreams.IOStreams
	Theme    func() *ui.Theme
	StateDir string
	Now      func() time.Time

	Store       string
	RedisPrefix string
	IDs         []uint64
	AllPending  bool
}

// NewCmdDrop is `kwh inbox drop`.
func NewCmdDrop(f *cmdutil.Factory, runF func(*DropOptions) error) *cobra.Command {
	o := &DropOptions{IO: f.IOStreams, Theme: f.Theme, StateDir: config.StateDir(f.Getenv), Now: time.Now}
	cmd := &cobra.Command{
		Use:   "drop <id>... | --all-pending",
		Short: "Stop forwarding events still waiting in the spool",
		Long: `Take forwards that kwh listen has not delivered yet out of its spool, so
nothing retries them against a URL you abandoned: those of the inbox ids
given, or every one with --all-pending. The events stay in the inbox (state
dropped) and kwh inbox replay can still send them.

kwh listen must be stopped: it holds the spool while it runs. (A restart with
other --forward targets sends what is pending to those instead.) On a
redis:// store shared by several receivers they may run: the forwards leave
the shared spool at once, so no replica takes them up after a restart or a
failover; a replica retrying one at this moment goes on until it restarts.`,
		Example: "  kwh inbox drop 12 13\n  kwh inbox drop --all-pending\n  kwh inbox drop --all-pending --store redis://redis.internal:6379/0",
		Args: func(c *cobra.Command, args []string) error {
			switch {
			case len(args) == 0 && !o.AllPending:
				return cmdutil.FlagErrorf("which forwards? give inbox ids (see `kwh inbox list`) or --all-pending")
			case len(args) > 0 && o.AllPending:
				return cmdutil.FlagErrorf("give inbox ids or --all-pending, not both")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			if err := cmdutil.ResolveStore(c.Flags(), &o.Store, &o.RedisPrefix, f.Profile); err != nil {
				return err
			}
			ids, err := parseIDs(args)
			if err != nil {
				return err
			}
			o.IDs = ids
			if runF != nil {
				return runF(o)
			}
			return dropRun(o)
		},
	}
	cmd.Flags().BoolVar(&o.AllPending, "all-pending", false, "drop every forward still waiting")
	storeFlags(cmd, &o.Store, &o.RedisPrefix)
	cmd.ValidArgsFunction = completeIDs(&o.Store, &o.RedisPrefix, o.StateDir, f.Profile, 0)
	return cmd
}

func dropRun(o *DropOptions) error {
	dropped, err := o.drop()
	if errors.Is(err, listen.ErrListenerRunning) {
		return fmt.Errorf("%w: stop it (Ctrl-C) first; its spool is only changed by it while it runs", err)
	}
	if err != nil {
		return err
	}
	var missing []string
	for _, id := range o.IDs {
		if !slices.ContainsFunc(dropped, func(p store.Pending) bool { return p.DeliveryID == id }) {
			missing = append(missing, fmt.Sprint(id))
		}
	}
	th := o.Theme()
	if len(dropped) > 0 {
		fmt.Fprintln(o.IO.ErrOut, th.Success.Render(fmt.Sprintf("✓ dropped %d pending %s; the events stay in the inbox", len(dropped), cmdutil.Plural(len(dropped), "forward", "forwards"))))
	} else if o.AllPending {
		fmt.Fprintln(o.IO.ErrOut, th.Muted.Render("nothing pending: the spool is empty"))
	}
	if len(missing) > 0 {
		return fmt.Errorf("nothing pending for inbox id %s (see `kwh inbox list`)", strings.Join(missing, ", "))
	}
	return nil
}

// drop takes the forwards out of the spool: a stopped listener's bbolt
// store, or the Redis store replicas share.
func (o *DropOptions) drop() ([]store.Pending, error) {
	if !redisstore.IsURL(o.Store) {
		return listen.DropPending(cmp.Or(o.Store, o.StateDir), o.IDs, o.AllPending, o.Now())
	}
	st, err := redisstore.Open(o.Store, redisstore.Options{Prefix: o.RedisPrefix})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return listen.DropSpooled(st, o.IDs, o.AllPending, o.Now())
}
