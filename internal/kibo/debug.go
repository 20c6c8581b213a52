package kibo

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// debugTransport logs each request and response to w (--debug) with the bearer
// token, the shared secret and any token in a body redacted.
type debugTransport struct {
	base    http.RoundTripper
	w       io.Writer
	secrets func() []string
	mu      sync.Mutex
}

const redacted = "[redacted]"

var secretFields = regexp.MustCompile(`("(?:access_token|refresh_token|client_secret|accessToken|refreshToken|sharedSecret)"\s*:\s*)"[^"]*"`)

func (t *debugTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	var reqBody []byte
	if req.Body != nil && req.GetBody != nil {
		if b, err := req.GetBody(); err == nil {
			reqBody, _ = io.ReadAll(b)
			b.Close()
		}
	}
	resp, err := t.base.RoundTrip(req)
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s\n", req.Method, req.URL.Redacted())
	writeHeaders(&b, "> ", req.Header)
	writeBody(&b, "> ", reqBody)
	if err != nil {
		fmt.Fprintf(&b, "< error after %s: %v\n", time.Since(start).Round(time.Millisecond), err)
	} else {
		fmt.Fprintf(&b, "< %s %s (%s)\n", resp.Proto, resp.Status, time.Since(start).Round(time.Millisecond))
		writeHeaders(&b, "< ", resp.Header)
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(raw))
		writeBody(&b, "< ", raw)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	_, _ = io.WriteString(t.w, t.redact(b.String()))
	return resp, err
}

func writeHeaders(b *strings.Builder, prefix string, h http.Header) {
	for _, k := range sortedKeys(h) {
		v := strings.Join(h[k], ", ")
		if strings.EqualFold(k, "Authorization") {
			scheme, _, _ := strings.Cut(v, " ")
			v = scheme + " " + redacted
		}
		fmt.Fprintf(b, "%s%s: %s\n", prefix, k, v)
	}
}

func writeBody(b *strings.Builder, prefix string, body []byte) {
	if len(body) == 0 {
		return
	}
	s := string(body)
	if len(s) > 4096 {
		s = s[:4096] + fmt.Sprintf("… (%d bytes)", len(body))
	}
	fmt.Fprintf(b, "%s%s\n", prefix, s)
}

func (t *debugTransport) redact(s string) string {
	s = secretFields.ReplaceAllString(s, `$1"`+redacted+`"`)
	for _, secret := range t.secrets() {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, redacted)
		}
	}
	return s
}

func sortedKeys(h http.Header) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
