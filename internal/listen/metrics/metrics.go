// Package metrics is kwh listen's Prometheus metrics
// (github.com/prometheus/client_golang): counters fed by the listen engine's
// observers (every listen.Event, synchronously, so they must stay cheap),
// gauges read from the running listener when scraped, and the /metrics
// listener of its own (never the public receiver's). Every label has a
// bounded set of values: rejections are mapped to a few fixed reasons, never
// raw text, and targets are the configured URLs. It never imports cobra,
// viper or the terminal.
package metrics

import (
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/kwh-cli/kwh/internal/listen"
)

// Rejection reasons, the only values of kwh_listen_rejected_total's reason.
const (
	ReasonTooLarge         = "too_large"         // 413: body over --max-body
	ReasonSlowBody         = "slow_body"         // 408: body too slow or not complete in time
	ReasonSignature        = "signature"         // 401: signature or Date check failed
	ReasonBadRequest       = "bad_request"       // 400: unreadable body, not a Kibo event
	ReasonStoreUnavailable = "store_unavailable" // 503: the store could not take it
	ReasonBacklogFull      = "backlog_full"      // 503: at --max-backlog
	ReasonOther            = "other"
)

var reasons = []string{ReasonTooLarge, ReasonSlowBody, ReasonSignature, ReasonBadRequest, ReasonStoreUnavailable, ReasonBacklogFull, ReasonOther}

// otherTarget labels a forward to a URL not configured in this run (none
// is expected: it keeps the label set bounded whatever happens).
const otherTarget = "other"

// Source is the running listener the gauges read at each scrape.
type Source interface {
	// Backlog is what this replica still has to forward, and the oldest's age.
	Backlog() listen.Backlog
	// StoreErrors counts writes the store refused.
	StoreErrors() uint64
}

// Metrics holds one listener's metrics in a registry of its own.
type Metrics struct {
	reg        *prometheus.Registry
	received   prometheus.Counter
	duplicates prometheus.Counter
	skipped    prometheus.Counter
	rejected   map[string]prometheus.Counter
	ack        prometheus.Histogram
	paced      prometheus.Gauge
	targets    map[string]*targetMetrics
	other      func() *targetMetrics // made on first use only
}

type targetMetrics struct {
	forwarded, failed prometheus.Counter
	latency           prometheus.Observer
}

// New builds the metrics for a listener forwarding to targets (its
// --forward and --route URLs).
func New(targets []string) *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	counter := func(name, help string) prometheus.Counter {
		c := prometheus.NewCounter(prometheus.CounterOpts{Namespace: "kwh", Subsystem: "listen", Name: name, Help: help})
		reg.MustRegister(c)
		return c
	}
	m := &Metrics{reg: reg,
		received:   counter("received_total", "Pushes stored as new events (acknowledged with 200)."),
		duplicates: counter("duplicates_total", "Pushes of an eventId already received within --dedupe-ttl (acknowledged, not forwarded)."),
		skipped:    counter("skipped_total", "Pushes stored but not forwarded: topic not selected by --topic."),
		rejected:   map[string]prometheus.Counter{},
		targets:    map[string]*targetMetrics{},
	}
	rejected := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "kwh", Subsystem: "listen", Name: "rejected_total",
		Help: "Pushes refused, by reason: " + strings.Join(reasons, ", ") + "."}, []string{"reason"})
	for _, r := range reasons {
		m.rejected[r] = rejected.WithLabelValues(r)
	}
	m.ack = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "kwh", Subsystem: "listen", Name: "ack_seconds",
		Help:    "From a parsed push to its acknowledgement, the durable store write included.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}})
	m.paced = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "kwh", Subsystem: "listen", Name: "acks_paced",
		Help: "1 while acknowledgements are paced to the rate the app takes forwards (the CPU is saturated and forwards fall behind; --pace), else 0."})
	forwarded := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "kwh", Subsystem: "listen", Name: "forwarded_total",
		Help: "Forwards the target took (200), by target URL."}, []string{"target"})
	failed := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "kwh", Subsystem: "listen", Name: "forward_failed_total",
		Help: "Forward attempts that failed (not 200, or no answer), by target URL; kwh retries them unless it gave up."}, []string{"target"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "kwh", Subsystem: "listen", Name: "forward_seconds",
		Help:    "How long a forward attempt took, by target URL.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}, []string{"target"})
	byLabel := func(label string) *targetMetrics {
		return &targetMetrics{forwarded: forwarded.WithLabelValues(label), failed: failed.WithLabelValues(label), latency: latency.WithLabelValues(label)}
	}
	for _, t := range targetURLs(targets) {
		m.targets[t] = byLabel(redact(t))
	}
	m.other = sync.OnceValue(func() *targetMetrics { return byLabel(otherTarget) })
	reg.MustRegister(rejected, m.ack, m.paced, forwarded, failed, latency)
	return m
}

// Watch adds the gauges read from the running listener (once it started;
// the counters count from the first event).
func (m *Metrics) Watch(src Source) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "kwh", Subsystem: "listen", Name: "backlog",
			Help: "Forwards this replica still has to deliver (received, not yet taken by the app nor given up)."},
			func() float64 { return float64(src.Backlog().Forwards) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "kwh", Subsystem: "listen", Name: "oldest_pending_seconds",
			Help: "How long the oldest forward still to deliver has waited since it was received (0: none)."},
			func() float64 { return src.Backlog().OldestPending.Seconds() }))
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "kwh", Subsystem: "listen", Name: "store_errors_total",
		Help: "Store writes that failed (pushes answered 503, forward outcomes retried)."},
		func() float64 { return float64(src.StoreErrors()) }))
}

// targetURLs are the URLs of --forward and --route targets; a route is
// listed as "GLOB → URL" by listen.Config.AllTargets, and its URL is what
// forward events name.
func targetURLs(all []string) []string {
	var out []string
	for _, t := range all {
		if _, u, ok := strings.Cut(t, " → "); ok {
			t = u
		}
		out = append(out, t)
	}
	return out
}

// redact keeps a password in a target URL out of the label.
func redact(target string) string {
	if u, err := url.Parse(target); err == nil && u.User != nil {
		return u.Redacted()
	}
	return target
}

// Observe counts one event; it is a listen.Config observer (cheap, never
// blocks: map reads and atomic adds).
func (m *Metrics) Observe(e listen.Event) {
	switch e.Kind {
	case listen.KindReceived:
		m.received.Inc()
		m.observeAck(e)
	case listen.KindDuplicate:
		m.duplicates.Inc()
		m.observeAck(e)
	case listen.KindSkipped:
		m.skipped.Inc()
		m.observeAck(e)
	case listen.KindRejected:
		m.rejected[RejectReason(e)].Inc()
	case listen.KindForwarded, listen.KindFailed:
		m.observeForward(e)
	case listen.KindPacing:
		m.paced.Set(1)
	case listen.KindPacingEnded:
		m.paced.Set(0)
	}
}

func (m *Metrics) observeAck(e listen.Event) {
	if e.LatencyMs > 0 {
		m.ack.Observe(e.LatencyMs / 1000)
	}
}

func (m *Metrics) observeForward(e listen.Event) {
	if e.Attempt == 0 {
		return // a store problem reported against a forward, not an attempt
	}
	t := m.targets[e.Target]
	if t == nil {
		t = m.other()
	}
	if e.Kind == listen.KindForwarded {
		t.forwarded.Inc()
	} else {
		t.failed.Inc()
	}
	t.latency.Observe(e.LatencyMs / 1000)
}

// RejectReason maps a rejection to one of the fixed reasons.
func RejectReason(e listen.Event) string {
	switch e.Status {
	case http.StatusRequestEntityTooLarge:
		return ReasonTooLarge
	case http.StatusRequestTimeout:
		return ReasonSlowBody
	case http.StatusUnauthorized:
		return ReasonSignature
	case http.StatusBadRequest:
		return ReasonBadRequest
	case http.StatusServiceUnavailable:
		if strings.Contains(e.Reason, "--max-backlog") {
			return ReasonBacklogFull
		}
		return ReasonStoreUnavailable
	}
	return ReasonOther
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttpHandler(m.reg)
}
