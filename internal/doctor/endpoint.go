package doctor

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"

	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/webhook"
)

const tunnelHint = "Kibo calls from the internet: run `kwh listen` behind a tunnel (`ngrok http 8080` or `cloudflared tunnel --url http://127.0.0.1:8080`) and set the tunnel's https URL as the endpoint in Dev Center."

// checkTopics warns about topics Kibo's catalog does not have: Kibo refuses
// them with VALIDATION_ERROR and never sends such events.
func checkTopics(ctx context.Context, d *Doctor) []Result {
	return d.eachSubscription(ctx, func(s kibo.EventSubscription) Result {
		if len(s.Topics) == 0 {
			return Result{Status: Warn, Detail: "subscribes to no topic, so Kibo sends it nothing", Hint: "Choose the topics in Dev Center (see `kwh topics list`)."}
		}
		var unknown []string
		for _, t := range s.Topics {
			if webhook.Known(t) {
				continue
			}
			if near := webhook.Nearest(t, 1); len(near) > 0 {
				t += " (did you mean " + near[0] + "?)"
			}
			unknown = append(unknown, t)
		}
		if len(unknown) > 0 {
			return Result{Status: Warn, Detail: "not in Kibo's topic catalog: " + strings.Join(unknown, ", "),
				Hint: "Kibo answers VALIDATION_ERROR for unknown topics and sends no such events; fix the names in Dev Center (see `kwh topics list`)."}
		}
		return Result{Status: OK, Detail: fmt.Sprintf("%d %s, all in Kibo's catalog", len(s.Topics), plural(len(s.Topics), "topic", "topics"))}
	})
}

// parseEndpoint accepts only an absolute http(s) URL with a host.
func parseEndpoint(raw string) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, fmt.Errorf("no endpoint URL")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL: %v", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return nil, fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	return u, nil
}

// checkEndpoints validates each endpoint URL; plain http is only a warning.
func checkEndpoints(ctx context.Context, d *Doctor) []Result {
	return d.eachSubscription(ctx, func(s kibo.EventSubscription) Result {
		u, err := parseEndpoint(s.Endpoint)
		switch {
		case err != nil:
			return Result{Status: Fail, Detail: err.Error(), Hint: "Set the endpoint to your handler's full https URL in Dev Center."}
		case u.Scheme == "http":
			return Result{Status: Warn, Detail: s.Endpoint + " is plain http: events and their signatures travel unencrypted",
				Hint: "Serve the endpoint over https (a tunnel such as ngrok gives you one) and update it in Dev Center."}
		}
		return Result{Status: OK, Detail: s.Endpoint}
	})
}

// checkReachability asks whether Kibo, calling from the internet, could
// reach each endpoint. It only matters for a real tenant: an emulator on
// this machine reaches loopback addresses Kibo never could.
func checkReachability(ctx context.Context, d *Doctor) []Result {
	api := d.apiHost()
	local := isLoopbackHost(api)
	return d.eachSubscription(ctx, func(s kibo.EventSubscription) Result {
		if local {
			return Result{Status: Skip, Detail: "not checked: the API host " + api + " is on this machine (an emulator), which reaches endpoints Kibo could not"}
		}
		u, err := parseEndpoint(s.Endpoint)
		if err != nil {
			return Result{Status: Skip, Detail: "not checked: the endpoint is not a valid URL"}
		}
		return d.reachable(ctx, u.Hostname())
	})
}

func (d *Doctor) apiHost() string {
	d.mu.Lock()
	base := d.apiBase
	d.mu.Unlock()
	if base == "" {
		base = d.Settings.APIHost
	}
	if base == "" {
		base = d.Settings.AuthHost
	}
	u, err := kibo.BaseURL(base)
	if err != nil {
		return base
	}
	return u.Hostname()
}

func (d *Doctor) reachable(ctx context.Context, host string) Result {
	if why := privateName(host); why != "" {
		return Result{Status: Fail, Detail: fmt.Sprintf("%s is %s: Kibo cannot reach it", host, why), Hint: tunnelHint}
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return Result{Status: OK, Detail: host + " is a public address"}
	}
	addrs, err := d.lookupHost(ctx, host)
	if err != nil || len(addrs) == 0 {
		return Result{Status: Warn, Detail: fmt.Sprintf("%s does not resolve from here (%s); this machine may have no network", host, shortNetError(orNoAddress(err))),
			Hint: "Check the host name in Dev Center and that its DNS record is public."}
	}
	var private []string
	for _, a := range addrs {
		if why := privateName(a); why != "" {
			private = append(private, a+" ("+why+")")
		}
	}
	if len(private) == len(addrs) {
		return Result{Status: Fail, Detail: fmt.Sprintf("%s resolves only to %s: Kibo cannot reach it", host, strings.Join(private, ", ")), Hint: tunnelHint}
	}
	return Result{Status: OK, Detail: fmt.Sprintf("%s resolves to %s", host, strings.Join(addrs, ", "))}
}

func orNoAddress(err error) error {
	if err == nil {
		return fmt.Errorf("no address")
	}
	return err
}

// privateName says why a host name or address is out of Kibo's reach, or "".
func privateName(host string) string {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	switch {
	case h == "localhost" || strings.HasSuffix(h, ".localhost"):
		return "a loopback name"
	case strings.HasSuffix(h, ".local"):
		return "a .local (mDNS) name, only resolvable on its own network"
	}
	a, err := netip.ParseAddr(strings.Trim(h, "[]"))
	if err != nil {
		return ""
	}
	a = a.Unmap()
	switch {
	case a.IsLoopback():
		return "a loopback address"
	case a.IsPrivate():
		return "a private address"
	case a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast():
		return "a link-local address"
	case a.IsUnspecified():
		return "an unspecified address"
	case cgnat.Contains(a):
		return "a carrier-grade NAT address"
	}
	return ""
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// isLoopbackHost reports whether a host is this machine.
func isLoopbackHost(host string) bool {
	h := strings.ToLower(strings.Trim(host, "[]"))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}
