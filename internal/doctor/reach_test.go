package doctor

import (
	"context"
	"errors"
	"net"
	"testing"
)

func TestCheckReachability(t *testing.T) {
	lookup := func(_ context.Context, host string) ([]string, error) {
		switch host {
		case "hooks.example.com":
			return []string{"203.0.113.10"}, nil
		case "intranet.example.com":
			return []string{"10.1.2.3"}, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	tests := []struct {
		name     string
		apiHost  string
		endpoint string
		want     Status
		says     string
	}{
		{"public", "t12345.sandbox.mozu.com", "https://hooks.example.com/kibo", OK, "resolves to 203.0.113.10"},
		{"loopback against a real tenant", "t12345.sandbox.mozu.com", "http://127.0.0.1:8080/hooks", Fail, "127.0.0.1 is a loopback address: Kibo cannot reach it"},
		{"localhost", "t12345.sandbox.mozu.com", "http://localhost:3000", Fail, "loopback name"},
		{"private", "t12345.sandbox.mozu.com", "https://192.168.1.20/h", Fail, "private address"},
		{"link-local", "t12345.sandbox.mozu.com", "https://[fe80::1]/h", Fail, "link-local"},
		{".local", "t12345.sandbox.mozu.com", "https://devbox.local/h", Fail, ".local (mDNS)"},
		{"resolves only privately", "t12345.sandbox.mozu.com", "https://intranet.example.com/h", Fail, "resolves only to 10.1.2.3 (a private address)"},
		{"does not resolve: a warning", "t12345.sandbox.mozu.com", "https://nowhere.example.com/h", Warn, "may have no network"},
		{"against an emulator: skipped, with why", "http://127.0.0.1:5050", "http://127.0.0.1:8080/hooks", Skip, "on this machine (an emulator)"},
		{"invalid URL: skipped", "t12345.sandbox.mozu.com", "nope", Skip, "not a valid URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := withSubscriptions(&Doctor{Settings: Settings{APIHost: tt.apiHost}, LookupHost: lookup}, sub("a1", tt.endpoint, "order.opened"))
			got := checkReachability(context.Background(), d)
			expect(t, got, tt.want, tt.says)
			if tt.want == Fail && got[0].Hint != tunnelHint {
				t.Errorf("hint %q", got[0].Hint)
			}
		})
	}
}

func TestShortNetError(t *testing.T) {
	if got := shortNetError(&net.DNSError{Name: "x.example", IsNotFound: true}); got != "no such host x.example" {
		t.Error(got)
	}
	if got := shortNetError(context.DeadlineExceeded); got != "timeout" {
		t.Error(got)
	}
	if got := shortNetError(errors.New("remote error: tls: handshake failure")); got != "TLS: remote error: tls: handshake failure" {
		t.Error(got)
	}
}
