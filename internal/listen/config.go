package listen

import (
	"fmt"
	"net/http"
	"time"

	"github.com/kwh-cli/kwh/internal/netutil"
	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// Route sends topics matching a glob to a URL.
type Route struct {
	Glob string
	URL  string
}

// Config is everything a Listener needs.
type Config struct {
	// Addr is host:port for Kibo's pushes; "" serves no HTTP (events come
	// through Ingest).
	Addr string
	// StoreDir holds the store file and the admin API's address; it is
	// opened there unless Store is set.
	StoreDir string
	// Retention is how long the inbox keeps what it received (--keep); 0
	// keeps everything.
	Retention time.Duration
	// Path is where Kibo POSTs; "/" accepts any path.
	Path       string
	Secret     string // empty: signatures are not checked
	SkipVerify bool
	MaxAge     time.Duration // Date header age limit; 0 is Kibo's 180 s
	MaxBody    int64
	DedupeTTL  time.Duration
	// Forward targets get every event; Routes get the topics they match.
	Forward []string
	Routes  []Route
	// Topics, when set, limits what is forwarded; others are acked and skipped.
	Topics         []string
	Sync           bool
	ForwardTimeout time.Duration
	// MaxAttempts stops retrying a forward after this many tries; 0 never stops.
	MaxAttempts int
	// Order decides which forwards are sent one at a time, in arrival
	// order (LaneKey); "" is OrderTopic.
	Order Order
	// ForwardConcurrency bounds the forwards in flight, all lanes together;
	// 0 is DefaultForwardConcurrency.
	ForwardConcurrency int
	// MaxBacklog, when positive, answers pushes 503 with Retry-After
	// (Kibo retries) while that many forwards or more wait to be
	// delivered; 0 keeps accepting durably whatever the backlog.
	MaxBacklog int
	// MayRun, when set, is asked before a lane's next forward is sent (a
	// shared store: does this replica hold the lane's lease?). A lane it
	// refuses waits, holding no worker, until Listener.WakeLanes.
	MayRun func(Lane) bool
	// LeaseTime is how long a replica of a shared store (store.Leaser)
	// holds its lanes without renewing: a replica that dies loses them to
	// the others within it. 0 is DefaultLeaseTime.
	LeaseTime time.Duration
	// MinBodyRate (bytes/s) applies to a request body after BodyGrace; a
	// request must be read within RequestTimeout (bounds.go). Negative
	// MinBodyRate disables the rate check.
	MinBodyRate    int
	BodyGrace      time.Duration
	RequestTimeout time.Duration
	// IngestSlots bounds the pushes in kwh's own work at once (gate.go); 0
	// is DefaultIngestSlots per CPU, negative unbounded.
	IngestSlots int
	// PaceAcks slows acknowledgements to the rate the app takes forwards
	// while the CPU is saturated and forwards fall behind (pace.go), so a
	// flood cannot starve forwarding; --sync is never paced.
	PaceAcks bool
	// MaxConns caps open connections; 0 derives it from the descriptor limit.
	MaxConns int
	// ShutdownGrace bounds how long in-flight forwards may finish at shutdown.
	ShutdownGrace time.Duration

	// Observers see every event as it happens, before the Events channel
	// (metrics, the inspector's live list). They run on the request or
	// forward that caused the event: they must be quick and never block.
	Observers []func(Event)

	// Inspector, when set, is served on the loopback admin listener (never
	// on the public receiver) and named in the ready event.
	Inspector *AdminPage
	// MetricsURL is where Prometheus metrics are served (kwh listen
	// --metrics-addr, its own listener); named in the ready event.
	MetricsURL string

	Store     store.ListenStore // nil: the bbolt store in StoreDir
	StoreName string            // shown in the ready event (default StoreDir)
	Transport http.RoundTripper
	Now       func() time.Time
	// RetryMin is the first retry's wait; it doubles up to RetryMax (30 s).
	RetryMin time.Duration
	// Backoff is the wait before retry n (from 1); nil is exponential with jitter.
	Backoff func(attempt int) time.Duration
}

// Defaults Kibo implies.
const (
	DefaultDedupeTTL      = 14 * 24 * time.Hour // Kibo expires notifications after 14 days
	DefaultMaxBody        = 1 << 20
	DefaultForwardTimeout = 30 * time.Second
	DefaultShutdownGrace  = 5 * time.Second
)

func (c *Config) setDefaults() error {
	if c.Store == nil {
		return fmt.Errorf("listen: a store is required")
	}
	if c.Path == "" {
		c.Path = "/"
	}
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.DedupeTTL <= 0 {
		c.DedupeTTL = DefaultDedupeTTL
	}
	if c.ForwardTimeout <= 0 {
		c.ForwardTimeout = DefaultForwardTimeout
	}
	if c.MinBodyRate == 0 {
		c.MinBodyRate = DefaultMinBodyRate
	}
	if c.BodyGrace <= 0 {
		c.BodyGrace = DefaultBodyGrace
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.MaxConns <= 0 {
		c.MaxConns = connCap(fdLimit())
	}
	if c.ShutdownGrace <= 0 {
		c.ShutdownGrace = DefaultShutdownGrace
	}
	if c.Order == "" {
		c.Order = OrderTopic
	}
	if _, err := ParseOrder(string(c.Order)); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if c.LeaseTime <= 0 {
		c.LeaseTime = DefaultLeaseTime
	}
	if c.ForwardConcurrency <= 0 {
		c.ForwardConcurrency = DefaultForwardConcurrency
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.RetryMin <= 0 {
		c.RetryMin = 500 * time.Millisecond
	}
	if c.Backoff == nil {
		base := c.RetryMin
		c.Backoff = func(n int) time.Duration { return netutil.Backoff(base, RetryMax, n) }
	}
	return nil
}

// targetsFor lists the URLs a topic is forwarded to, without repeats.
func (c *Config) targetsFor(topic string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(u string) {
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	for _, u := range c.Forward {
		add(u)
	}
	for _, r := range c.Routes {
		if webhook.MatchTopic(r.Glob, topic) {
			add(r.URL)
		}
	}
	return out
}

// wanted reports whether --topic lets a topic through.
func (c *Config) wanted(topic string) bool {
	return len(c.Topics) == 0 || webhook.MatchAnyTopic(c.Topics, topic)
}

// AllTargets lists every URL events may go to.
func (c *Config) AllTargets() []string {
	out := append([]string(nil), c.Forward...)
	for _, r := range c.Routes {
		out = append(out, r.Glob+" → "+r.URL)
	}
	return out
}
