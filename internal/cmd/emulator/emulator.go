// Package emulator implements `kwh emulator`: a local Kibo that pushes,
// retries and fills the DLQ.
package emulator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/emulator"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/ui"
)

// Options are the inputs of `kwh emulator`.
type Options struct {
	IO     *iostreams.IOStreams
	Config func() (*config.File, error)
	Theme  func() *ui.Theme
	Getenv func(string) string

	Host          string
	Port          int
	Seed          string
	TimeScale     float64
	Subscribe     []string
	DuplicateRate float64
	Reorder       bool
	ClockSkew     time.Duration
	Sandbox       bool
	WriteProfile  string
	SecretStdin   bool
}

// NewCmdEmulator is `kwh emulator`.
func NewCmdEmulator(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, Theme: f.Theme, Getenv: f.Getenv}
	cmd := &cobra.Command{
		Use:   "emulator",
		Short: "Run a local Kibo that pushes events, retries them and fills the DLQ",
		Long: `Run a local Kibo: the app token endpoint, tenant lookup and the six Event GETs,
plus push delivery. Events you publish (kwh emulator publish) land in the pull
queue and are pushed, signed with the app's shared secret, to every active
subscription to their topic. A push succeeds only on 200 within 45 s;
otherwise it is retried on Kibo's production schedule (5 min, 1 h, 6 h, 24 h,
then 24 h later), each wait divided by --time-scale, and every attempt is
recorded, so kwh dlq list/show/retry see what they would on a real tenant.
Dates are real wall-clock times: only the waits are scaled, so at
--time-scale 3600 a delivery is dead (Undeliverable) about a minute after
its event.

As Kibo does, a subscriber whose deliveries keep failing for 24 hours (of
scaled time) is disabled for the tenant: kwh subs list shows it, new events
are not pushed to it, and kwh emulator enable re-enables it (Dev Center's
job on a real tenant). --sandbox plays a sandbox tenant: no retries at all,
the first failed attempt is final.

A subscription may point at the emulator's own test endpoints,
/_kwh/emulator/endpoint/200 (or 202, 500, any status), /redirect and /hang,
to see what kwh doctor --probe and kwh dlq make of them. --clock-skew dates
its answers and pushes as a host whose clock is off would.

On start it prints export lines that point kwh at it (or use --write-profile).
The app's shared secret is, in this order: --shared-secret-stdin, the
environment (KIBO_SHARED_SECRET and its aliases), the secret already stored in
the --write-profile profile, or a new random one. So restarting with the same
--write-profile keeps the secret a running kwh listen -p NAME verifies with.`,
		Example: `  kwh emulator --subscribe 'order.*,shipment.*=http://127.0.0.1:8080' --time-scale 3600
  kwh emulator --seed tenant.json --write-profile emulator
  kwh emulator --subscribe order.opened=http://127.0.0.1:8080 --duplicate-rate 0.2 --reorder
  kwh emulator --subscribe 'order.*=http://127.0.0.1:5050/_kwh/emulator/endpoint/202' --clock-skew 200s`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.TimeScale <= 0 {
				return cmdutil.FlagErrorf("--time-scale must be positive")
			}
			if err := cmdutil.CheckPort(opts.Port); err != nil {
				return err
			}
			if opts.DuplicateRate < 0 || opts.DuplicateRate > 1 {
				return cmdutil.FlagErrorf("--duplicate-rate is a probability between 0 and 1")
			}
			for _, s := range opts.Subscribe {
				if _, _, err := parseSubscribe(s); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Host, "host", "127.0.0.1", "address to listen on")
	fl.IntVar(&opts.Port, "port", 5050, "port to listen on (0 picks a free one)")
	fl.StringVar(&opts.Seed, "seed", "", "JSON seed: apps, tenants, subscriptions, events, deliveryAttempts")
	fl.Float64Var(&opts.TimeScale, "time-scale", 1, "run Kibo's retry schedule this many times faster (3600: an hour a second)")
	fl.StringArrayVar(&opts.Subscribe, "subscribe", nil, "add a subscription: TOPIC_GLOB[,GLOB]=URL, URL=TOPIC_GLOB also read (repeatable)")
	fl.Float64Var(&opts.DuplicateRate, "duplicate-rate", 0, "chance that a delivered event is pushed again")
	fl.BoolVar(&opts.Reorder, "reorder", false, "shuffle the order of different topics within a short window")
	cmdutil.DurationVar(fl, &opts.ClockSkew, "clock-skew", 0, "run the emulator's clock this far ahead (negative: behind) in its Date headers")
	fl.BoolVar(&opts.Sandbox, "sandbox", false, "play a sandbox tenant: no retries, the first failed attempt is final")
	fl.StringVar(&opts.WriteProfile, "write-profile", "", "store a profile with this name that points kwh at the emulator (its secret is reused on restart)")
	fl.BoolVar(&opts.SecretStdin, "shared-secret-stdin", false, "read the app's shared secret from standard input")
	cmd.AddCommand(NewCmdPublish(f, nil), NewCmdEnable(f, nil))
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	secret, origin, err := opts.sharedSecret(ctx)
	if err != nil {
		return err
	}
	seed, err := opts.seed(secret)
	if err != nil {
		return err
	}
	if opts.Seed != "" && seed.Apps[0].SharedSecret != secret {
		origin = "from the seed " + opts.Seed
	}
	emu := emulator.New(seed)
	emu.SetClockSkew(opts.ClockSkew)
	clientID, secret, tenant, site := emu.Credentials()
	for _, s := range opts.Subscribe {
		globs, url, err := parseSubscribe(s)
		if err != nil {
			return err
		}
		emu.AddSubscription(emulator.NewSubscription(url, globs, clientID, tenant, time.Now()))
	}
	th := opts.Theme()
	emu.EnablePush(emulator.PushOptions{
		Clock: emulator.NewScaledClock(emulator.RealClock(), opts.TimeScale), DuplicateRate: opts.DuplicateRate, Reorder: opts.Reorder, Sandbox: opts.Sandbox,
		OnAttempt: func(a emulator.AttemptInfo) { logAttempt(opts, th, a) },
	})
	ln, err := net.Listen("tcp", net.JoinHostPort(opts.Host, strconv.Itoa(opts.Port)))
	if err != nil {
		return cmdutil.ExplainConflict(fmt.Errorf("listening on %s:%d: %w", opts.Host, opts.Port, err), opts.Host, opts.Port, "")
	}
	url := "http://" + ln.Addr().String()
	// The profile first: once the export line is out, kwh -p NAME works.
	if opts.WriteProfile != "" {
		if err := opts.writeProfile(clientID, secret, tenant, site, url); err != nil {
			return err
		}
	}
	fmt.Fprintf(opts.IO.Out, "export KIBO_CLIENT_ID=%s KIBO_SHARED_SECRET=%s KIBO_TENANT=%d KIBO_SITE=%d KIBO_AUTH_HOST=%s KIBO_API_HOST=%s\n",
		clientID, secret, tenant, site, url, url)
	printBanner(opts, th, url, origin)
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
		return nil
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}

func (opts *Options) seed(secret string) (emulator.Seed, error) {
	if opts.Seed != "" {
		s, err := emulator.LoadSeed(opts.Seed)
		if err != nil {
			return emulator.Seed{}, cmdutil.FlagErrorf("--seed: %v", err)
		}
		if len(s.Apps) == 0 {
			s.Apps = emulator.DefaultSeed(secret).Apps
		}
		if len(s.Tenants) == 0 {
			s.Tenants = emulator.DefaultSeed("").Tenants
		}
		return s, nil
	}
	return emulator.DefaultSeed(secret), nil
}

func newSecret() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (opts *Options) writeProfile(clientID, secret string, tenant, site int, url string) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	return cfg.SetProfile(opts.WriteProfile, map[string]string{
		config.KeyClientID: clientID, config.KeySharedSecret: secret, config.KeyTenant: fmt.Sprint(tenant),
		config.KeySite: fmt.Sprint(site), config.KeyAuthHost: url, config.KeyAPIHost: url,
	})
}

func logAttempt(opts *Options, th *ui.Theme, a emulator.AttemptInfo) {
	what := fmt.Sprintf("%d", a.Status)
	if a.Status == 0 {
		what = a.Err
	}
	line := fmt.Sprintf("%s  push %s %s → %s  attempt %d: %s", time.Now().Format("15:04:05"), a.Topic, a.EventID[:8], a.Endpoint, a.Attempt, what)
	switch {
	case a.Duplicate:
		fmt.Fprintln(opts.IO.ErrOut, th.Muted.Render(line+" (duplicate on purpose)"))
	case a.Delivered:
		fmt.Fprintln(opts.IO.ErrOut, th.Success.Render(line))
	case a.NextIn > 0:
		fmt.Fprintln(opts.IO.ErrOut, th.Warning.Render(line+fmt.Sprintf(", retry in %s (Kibo time)", a.NextIn)))
	default:
		fmt.Fprintln(opts.IO.ErrOut, th.Error.Render(line+", no retries left: undeliverable (kwh dlq list)"))
	}
	if a.Disabled != "" {
		fmt.Fprintln(opts.IO.ErrOut, th.Error.Render(fmt.Sprintf("%s  subscription %s disabled for %s after 24 h of failed deliveries: no new events are pushed to it (kwh emulator enable %s)",
			time.Now().Format("15:04:05"), a.SubscriptionID, a.Disabled, a.SubscriptionID)))
	}
}

// parseSubscribe reads one --subscribe: TOPIC_GLOB[,GLOB]=URL.
func parseSubscribe(s string) ([]string, string, error) {
	globs, url, ok := cmdutil.SplitRoute(s)
	if !ok {
		return nil, "", cmdutil.FlagErrorf("--subscribe %q: want TOPIC_GLOB[,GLOB]=URL, e.g. 'order.*=http://127.0.0.1:8080'", s)
	}
	if err := cmdutil.CheckURL(url); err != nil {
		return nil, "", err
	}
	return strings.Split(globs, ","), url, nil
}
