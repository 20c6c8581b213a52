package inbox

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/inspector"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/store/redisstore"
	"github.com/kwh-cli/kwh/internal/ui"
)

// WebOptions are the inputs of `kwh inbox web`.
type WebOptions struct {
	IO        *iostreams.IOStreams
	Theme     func() *ui.Theme
	Profile   func() (config.Profile, error)
	Transport http.RoundTripper
	StateDir  string
	Now       func() time.Time

	Store       string
	RedisPrefix string
	Port        int
}

// NewCmdWeb is `kwh inbox web`.
func NewCmdWeb(f *cmdutil.Factory, runF func(*WebOptions) error) *cobra.Command {
	o := &WebOptions{IO: f.IOStreams, Theme: f.Theme, Profile: f.Profile, Transport: f.Transport, StateDir: config.StateDir(f.Getenv), Now: time.Now}
	cmd := &cobra.Command{
		Use: "web", Short: "Browse the inbox in the web inspector, without kwh listen",
		Long: `Serve the web inspector that kwh listen's banner names over the store, on a
loopback address with a fresh token, until Ctrl-C. It prints the URL to open.

Every event is there with its headers, body, signature check and forward
results; re-forward sends as kwh inbox replay does (re-signed with a fresh Date
when the profile has a shared secret). There is no live list: nothing is
receiving. While kwh listen runs, use the URL its banner prints instead.`,
		Example: "  kwh inbox web\n  kwh inbox web --store ./kwh-state --port 4040",
		Args:    cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := cmdutil.ResolveStore(c.Flags(), &o.Store, &o.RedisPrefix, f.Profile); err != nil {
				return err
			}
			if err := cmdutil.CheckPort(o.Port); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return webRun(c.Context(), o)
		},
	}
	cmd.Flags().IntVar(&o.Port, "port", 0, "loopback port to serve on (0 picks a free one)")
	storeFlags(cmd, &o.Store, &o.RedisPrefix)
	return cmd
}

func webRun(ctx context.Context, o *WebOptions) error {
	secret := ""
	if p, err := o.Profile(); err == nil {
		secret = p.SharedSecret
	}
	st, err := openInbox(o.Store, o.StateDir, o.RedisPrefix)
	if err != nil {
		return err
	}
	defer st.Close()
	name := cmp.Or(o.Store, o.StateDir)
	if redisstore.IsURL(name) {
		name = redisstore.Redact(name)
	}
	in, err := inspector.New(inspector.Options{
		Reforward: func(ctx context.Context, d *store.Delivery, target string) (int, time.Duration, error) {
			return listen.Reforward(ctx, o.Transport, listen.DefaultForwardTimeout, d, target, secret, o.Now())
		},
		Title: "store " + name + " (not receiving)", Static: true,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(o.Port)))
	if err != nil {
		return cmdutil.ExplainConflict(err, "127.0.0.1", o.Port, "")
	}
	fmt.Fprintln(o.IO.ErrOut, o.Theme().Muted.Render("Serving the inbox of "+name+" on loopback until Ctrl-C; the token changes every run."))
	fmt.Fprintln(o.IO.Out, "http://"+ln.Addr().String()+in.Entry())
	return in.Serve(ctx, ln, st)
}
