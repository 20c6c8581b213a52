// Package listen implements `kwh listen`: receive Kibo's pushes locally,
// verify, dedupe, keep and forward them to the app being written.
package listen

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/output"
	"github.com/kwh-cli/kwh/internal/store/redisstore"
	"github.com/kwh-cli/kwh/internal/ui"
)

// Options are the inputs of `kwh listen`.
type Options struct {
	IO        *iostreams.IOStreams
	Profile   func() (config.Profile, error)
	Printer   func() *output.Printer
	Theme     func() *ui.Theme
	Transport http.RoundTripper
	StateDir  string
	// Location is the time zone of the styled lines (nil: local time).
	Location *time.Location

	Host       string
	Port       int
	Path       string
	Forward    []string
	Routes     []string
	Topics     []string
	SkipVerify bool
	Store      string
	// StoreURL is --store when it names a Redis (redis://, rediss://).
	StoreURL string
	// RedisWait is --redis-wait: replicas that must have each event before the 200.
	RedisWait int
	// RedisPrefix starts every key in a Redis store (--redis-prefix).
	RedisPrefix string
	// MetricsAddr serves Prometheus metrics on host:port ("" none).
	MetricsAddr string
	// LeaseTime is --lease-time: how long a replica holds its lanes unrenewed.
	LeaseTime      time.Duration
	DedupeTTL      time.Duration
	Sync           bool
	ForwardTimeout time.Duration
	RetryMin       time.Duration
	MaxBody        string
	Keep           time.Duration
	MaxAttempts    int
	Order          string
	Concurrency    int
	MaxBacklog     int
	Pace           bool
	NoInspector    bool

	// Listen is the engine's Config, built from the flags (and checked) before runF.
	Listen listen.Config
}

// NewCmdListen is `kwh listen`.
func NewCmdListen(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Profile: f.Profile, Printer: f.Printer, Theme: f.Theme, Transport: f.Transport, StateDir: config.StateDir(f.Getenv)}
	cmd := &cobra.Command{
		Use:   "listen --forward <url>",
		Short: "Receive Kibo's pushes locally: verify, dedupe, keep and forward them",
		Long: `Receive Kibo's webhook pushes on this machine and forward them to the app you
are writing. Point a tunnel (ngrok, cloudflared) or kwh's emulator at it.

For every request: the body size is checked (413), the x-vol-hmac-sha256
signature is verified when the profile has a shared secret (401, nothing
kept), the body must be a Kibo event (400), a redelivery of an eventId seen
within --dedupe-ttl is acknowledged but not forwarded again, and the event is
written durably before Kibo gets its 200. Forwarding then happens in the
background with the raw body and original headers (plus X-Kwh-Delivery-Id and
X-Kwh-Attempt), retried with back-off until the app answers 200, in order
(--order), and resumed after a restart (to this run's --forward targets, if
they changed). As under Kibo's rule, only 200 counts: an app answering 201, 202 or
204 has not taken the event (Kibo's docs say "200 OK"; an older guide's "any
2xx" is wrong), and each attempt is reported as forwarded or failed. --sync
forwards inline and answers Kibo with the app's status instead, to exercise
Kibo's own retries.

Order and concurrency: at most --forward-concurrency forwards are in flight
at once (default 32). --order says which of them wait for each other:
  topic   in order per topic (and target): Kibo's own promise, the default.
          One forward in flight per topic, so six topics mean six at once
          however fast the app is.
  entity  in order per topic and entityId: an order's events stay in order
          while other orders go at once. What a process flow needs, and far
          faster under load.
  none    no order: any forward may overtake another.
A forward waiting to retry holds no slot, and never blocks other lanes.

Backlog: events received but not yet delivered to the app. It shows on
forwarded lines, in -o ndjson (backlog, oldestPendingMs on forwarded and
failed events), on /readyz and in kwh doctor. By default kwh keeps accepting:
every event is on disk and goes out once the app catches up. With
--max-backlog N, pushes get 503 with Retry-After while N or more wait, so
Kibo keeps them and sends them again later (its retries start after 5
minutes; sandbox tenants do not retry at all, so there a 503 loses the push).

Pacing: every push kwh takes costs CPU the app needs to answer forwards.
While the CPU is over 92% busy with kwh itself taking half a CPU (or half
its quota) or more, forwards fall behind (the oldest has waited 0.5 s and
the backlog grows) and the app still takes them, kwh acknowledges pushes at
the rate the app takes forwards: each waits its turn, at most 2 s, then is
stored and acknowledged as ever (Kibo waits 45 s for an answer). So a flood
slows acknowledgements rather than forwarding. A slow or stopped app never
causes pacing. Pacing runs on Linux only, where the CPU is the CPUs kwh may
run on and a cgroup CPU quota over kwh (a container's --cpus, v1 or v2)
counts as the CPU; --pace=false acknowledges at full speed.

Everything received stays in the inbox: see kwh inbox. The ready banner
prints the web inspector's URL (loopback only, with a per-run token): a live
list of what arrived, each request whole, re-forward and copy-as-curl;
--no-inspector turns it off.`,
		Example: `  kwh listen --forward http://localhost:3000/hooks
  kwh listen --port 9000 --forward http://localhost:3000/hooks --route 'order.*=http://localhost:4000/orders'
  kwh listen --topic 'shipment.*' --forward http://localhost:3000/hooks -o ndjson
  kwh listen --sync --forward http://localhost:3000/hooks
  kwh listen --order entity --forward-concurrency 64 --forward http://localhost:3000/hooks
  kwh listen --order entity --max-backlog 50000 --forward http://localhost:3000/hooks`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.ResolveStore(cmd.Flags(), &opts.Store, &opts.RedisPrefix, f.Profile); err != nil {
				return err
			}
			cfg, err := opts.config()
			if err != nil {
				return err
			}
			opts.Listen = cfg
			if runF != nil {
				return runF(opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Host, "host", "127.0.0.1", "address to listen on (0.0.0.0 for every interface)")
	fl.IntVar(&opts.Port, "port", 8080, "port to listen on (0 picks a free one)")
	fl.StringVar(&opts.Path, "path", "/", "accept pushes under this path")
	fl.StringArrayVar(&opts.Forward, "forward", nil, "forward every event to this URL (repeatable)")
	fl.StringArrayVar(&opts.Routes, "route", nil, "forward topics matching GLOB to URL: TOPIC_GLOB=URL, URL=TOPIC_GLOB also read (repeatable)")
	fl.StringArrayVar(&opts.Topics, "topic", nil, "forward only these topics or globs; others are acked and skipped (repeatable)")
	fl.BoolVar(&opts.SkipVerify, "skip-verify", false, "do not check signatures")
	cmdutil.StoreFlags(fl, &opts.Store, &opts.RedisPrefix, "directory for the store (default $XDG_STATE_HOME/kwh), or redis://[user:pass@]host:port/db shared by several kwh listen")
	cmdutil.DurationVar(fl, &opts.LeaseTime, "lease-time", listen.DefaultLeaseTime, "with a redis:// --store, how long a replica holds its lanes without renewing: those of a replica that dies go to the others within it")
	fl.IntVar(&opts.RedisWait, "redis-wait", 0, "with a redis:// --store, answer 200 only once this many Redis replicas have the event (WAIT; 503 when fewer do within 2s)")
	cmdutil.DurationVar(fl, &opts.DedupeTTL, "dedupe-ttl", listen.DefaultDedupeTTL, "how long an eventId counts as seen (Kibo gives up after 14 days)")
	fl.BoolVar(&opts.Sync, "sync", false, "forward inline and answer with the app's status")
	cmdutil.DurationVar(fl, &opts.ForwardTimeout, "forward-timeout", listen.DefaultForwardTimeout, "how long to wait for the app")
	cmdutil.DurationVar(fl, &opts.RetryMin, "retry-min", 500*time.Millisecond, "first wait before re-forwarding; doubles up to 30s")
	fl.StringVar(&opts.MaxBody, "max-body", "1MiB", "largest body accepted (413 above)")
	fl.IntVar(&opts.MaxAttempts, "max-attempts", 0, "give up forwarding an event after this many tries (0: keep trying)")
	fl.StringVar(&opts.Order, "order", string(listen.OrderTopic), "forwards kept in order per: topic (Kibo's promise), entity (topic and entityId) or none")
	fl.IntVar(&opts.Concurrency, "forward-concurrency", listen.DefaultForwardConcurrency, "most forwards in flight at once, all lanes together")
	fl.BoolVar(&opts.Pace, "pace", true, "while the CPU is saturated and forwards fall behind, acknowledge pushes at the rate the app takes forwards (each waits at most 2s)")
	fl.IntVar(&opts.MaxBacklog, "max-backlog", 0, "answer 503 with Retry-After (Kibo retries) while this many forwards wait (0: keep accepting)")
	_ = cmd.RegisterFlagCompletionFunc("order", cobra.FixedCompletions([]string{"topic\tKibo's promise: in order per topic (default)", "entity\tin order per topic and entityId", "none\tno order"}, cobra.ShellCompDirectiveNoFileComp))
	fl.BoolVar(&opts.NoInspector, "no-inspector", false, "do not serve the web inspector on the loopback admin address")
	cmdutil.DurationVar(fl, &opts.Keep, "keep", 14*24*time.Hour, "how long the inbox keeps what it received (0 keeps everything)")
	fl.StringVar(&opts.MetricsAddr, "metrics-addr", "", "serve Prometheus metrics at http://HOST:PORT/metrics, a listener of its own (default: none)")
	_ = cmd.RegisterFlagCompletionFunc("topic", cmdutil.CompleteTopics)
	return cmd
}

func (opts *Options) config() (listen.Config, error) {
	if err := cmdutil.CheckPort(opts.Port); err != nil {
		return listen.Config{}, err
	}
	maxBody, err := parseSize(opts.MaxBody)
	if err != nil {
		return listen.Config{}, cmdutil.FlagErrorf("--max-body %q: %v", opts.MaxBody, err)
	}
	for _, u := range opts.Forward {
		if err := cmdutil.CheckURL(u); err != nil {
			return listen.Config{}, err
		}
	}
	var routes []listen.Route
	for _, r := range opts.Routes {
		glob, url, ok := cmdutil.SplitRoute(r)
		if !ok {
			return listen.Config{}, cmdutil.FlagErrorf("--route %q: want TOPIC_GLOB=URL, e.g. 'order.*=http://localhost:4000/orders'", r)
		}
		if err := cmdutil.CheckURL(url); err != nil {
			return listen.Config{}, err
		}
		routes = append(routes, listen.Route{Glob: glob, URL: url})
	}
	if !strings.HasPrefix(opts.Path, "/") {
		return listen.Config{}, cmdutil.FlagErrorf("--path must start with /")
	}
	order, err := listen.ParseOrder(opts.Order)
	if err != nil {
		return listen.Config{}, cmdutil.FlagErrorf("--order: %v", err)
	}
	if opts.Concurrency < 1 {
		return listen.Config{}, cmdutil.FlagErrorf("--forward-concurrency %d: want at least 1 forward in flight", opts.Concurrency)
	}
	if opts.MaxBacklog < 0 {
		return listen.Config{}, cmdutil.FlagErrorf("--max-backlog %d: want 0 (no limit) or a number of forwards", opts.MaxBacklog)
	}
	if err := checkMetricsAddr(opts.MetricsAddr, net.JoinHostPort(opts.Host, strconv.Itoa(opts.Port))); err != nil {
		return listen.Config{}, err
	}
	if opts.Sync && len(opts.Forward)+len(routes) == 0 {
		return listen.Config{}, cmdutil.FlagErrorf("--sync needs --forward or --route: it answers with the app's status")
	}
	dir, name := cmp.Or(opts.Store, opts.StateDir), ""
	if redisstore.IsURL(dir) {
		// Several replicas share the Redis store: none keeps a local admin
		// API, and kwh inbox reads Redis itself.
		opts.StoreURL, dir, name = dir, "", redisstore.Redact(dir)
	} else if strings.Contains(dir, "://") {
		return listen.Config{}, cmdutil.FlagErrorf("--store %q: want a directory, or redis://[user:pass@]host:port/db (rediss:// for TLS)", redisstore.Redact(dir))
	} else {
		name = tildePath(dir)
	}
	if opts.RedisWait < 0 {
		return listen.Config{}, cmdutil.FlagErrorf("--redis-wait %d: want the number of Redis replicas to wait for (0: none)", opts.RedisWait)
	}
	if opts.LeaseTime < time.Second {
		return listen.Config{}, cmdutil.FlagErrorf("--lease-time %s: want 1s or more (it is renewed every third of it)", opts.LeaseTime)
	}
	if opts.RedisWait > 0 && opts.StoreURL == "" {
		return listen.Config{}, cmdutil.FlagErrorf("--redis-wait needs --store redis://…: it waits for Redis replicas")
	}
	return listen.Config{
		Addr: net.JoinHostPort(opts.Host, strconv.Itoa(opts.Port)), StoreDir: dir, StoreName: name, Retention: opts.Keep,
		Path: opts.Path, SkipVerify: opts.SkipVerify, MaxBody: maxBody, DedupeTTL: opts.DedupeTTL,
		Forward: opts.Forward, Routes: routes, Topics: opts.Topics, Sync: opts.Sync,
		ForwardTimeout: opts.ForwardTimeout, RetryMin: opts.RetryMin, Transport: opts.Transport, MaxAttempts: opts.MaxAttempts,
		Order: order, ForwardConcurrency: opts.Concurrency, MaxBacklog: opts.MaxBacklog, PaceAcks: opts.Pace, LeaseTime: opts.LeaseTime,
	}, nil
}

func run(ctx context.Context, opts *Options) error {
	cfg := opts.Listen
	th := opts.Theme()
	cmdutil.WarnUnknownLocalTopics(opts.IO.ErrOut, th, opts.Topics)
	if p, err := opts.Profile(); err == nil {
		cfg.Secret = p.SharedSecret
	}
	if cfg.Secret == "" && !cfg.SkipVerify {
		fmt.Fprintln(opts.IO.ErrOut, th.Warning.Render("! no shared secret: signatures are not checked (set KIBO_SHARED_SECRET or run `kwh auth login`)"))
	}
	if opts.StoreURL != "" {
		st, err := redisstore.Open(opts.StoreURL, redisstore.Options{Wait: opts.RedisWait, Prefix: opts.RedisPrefix})
		if err != nil {
			return err
		}
		defer st.Close()
		cfg.Store = st
	}
	if !opts.NoInspector {
		if err := withInspector(&cfg); err != nil {
			return err
		}
	}
	watch, stopMetrics, err := serveMetrics(opts, &cfg)
	if err != nil {
		return err
	}
	defer stopMetrics()
	l, err := listen.Start(cfg)
	if err != nil {
		return cmdutil.ExplainConflict(err, opts.Host, opts.Port, cfg.StoreName)
	}
	watch(l)
	r := &Renderer{Out: opts.IO.Out, ErrOut: opts.IO.ErrOut, Printer: opts.Printer(), Talk: th, Location: opts.Location}
	done := make(chan error, 1)
	go func() { done <- r.Render(l.Events()) }()
	runErr := l.Run(ctx)
	renderErr := <-done
	if runErr != nil {
		return runErr
	}
	return renderErr
}

func tildePath(dir string) string {
	if home, err := os.UserHomeDir(); err == nil && strings.HasPrefix(dir, home+string(filepath.Separator)) {
		return "~" + strings.TrimPrefix(dir, home)
	}
	return dir
}

// parseSize reads 1MiB, 512KiB, 2MB, 1048576.
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000}, {"B", 1}}
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range units {
		if n, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(n), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("want a size such as 1MiB or 512KiB")
	}
	if n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%s is more than any body could be", s)
	}
	return n * mult, nil
}
