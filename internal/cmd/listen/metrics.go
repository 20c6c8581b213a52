package listen

import (
	"fmt"
	"net"
	"strconv"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/listen/metrics"
)

// checkMetricsAddr refuses a --metrics-addr that is not host:port, or that
// would be the receiver's own address: metrics never go out on the port
// Kibo (and so the internet) reaches.
func checkMetricsAddr(addr, publicAddr string) error {
	if addr == "" {
		return nil
	}
	host, portText, err := net.SplitHostPort(addr)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil || port < 0 || port > 65535 {
		return cmdutil.FlagErrorf("--metrics-addr %q: want host:port, e.g. 127.0.0.1:9090", addr)
	}
	pubHost, pubPortText, _ := net.SplitHostPort(publicAddr)
	if pubPort, _ := strconv.Atoi(pubPortText); port != 0 && port == pubPort && sameHost(host, pubHost) {
		return cmdutil.FlagErrorf("--metrics-addr %s is the receiver's own address (--host/--port): metrics need a listener of their own, never the public one", addr)
	}
	return nil
}

// sameHost reports whether two listen hosts can be the same socket: equal,
// or one of them every interface.
func sameHost(a, b string) bool {
	norm := func(h string) string {
		if h == "localhost" {
			return "127.0.0.1"
		}
		if ip := net.ParseIP(h); ip != nil {
			if ip.IsUnspecified() {
				return ""
			}
			return ip.String()
		}
		return h
	}
	a, b = norm(a), norm(b)
	return a == "" || b == "" || a == b
}

// serveMetrics starts the /metrics listener and hooks its counters to the
// engine's observers; the gauges follow once the listener runs (watch).
func serveMetrics(opts *Options, cfg *listen.Config) (watch func(*listen.Listener), stop func(), err error) {
	if opts.MetricsAddr == "" {
		return func(*listen.Listener) {}, func() {}, nil
	}
	m := metrics.New(cfg.AllTargets())
	srv, err := metrics.Serve(opts.MetricsAddr, m)
	if err != nil {
		return nil, nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	cfg.Observers = append(cfg.Observers, m.Observe)
	cfg.MetricsURL = srv.URL()
	return func(l *listen.Listener) { m.Watch(l) }, func() { _ = srv.Close() }, nil
}
