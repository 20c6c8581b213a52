package inspector

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/kwh-cli/kwh/internal/store"
)

// hopHeaders are the connection's, not the request's: a copy of the
// request leaves them to the client that sends it.
var hopHeaders = map[string]bool{"Host": true, "Content-Length": true, "Transfer-Encoding": true, "Connection": true,
	"Accept-Encoding": true, "Keep-Alive": true, "Upgrade": true, "Te": true, "Trailer": true}

// headerLines lists the headers worth copying, sorted, sensitive ones left out.
func headerLines(h http.Header) [][2]string {
	var out [][2]string
	for k, vs := range h {
		k = http.CanonicalHeaderKey(k)
		if hopHeaders[k] || store.IsSensitiveHeader(k) {
			continue
		}
		for _, v := range vs {
			out = append(out, [2]string{k, v})
		}
	}
	slices.SortStableFunc(out, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return out
}

// shellQuote quotes s for a POSIX shell: single quotes keep every byte.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// curlCommand sends the request as received (the original Date and
// signature: an app enforcing Kibo's 180 s limit rejects it once old).
func curlCommand(d *store.Delivery, to string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "curl -sS -X %s %s", shellQuote(d.Method), shellQuote(to))
	for _, h := range headerLines(d.Header) {
		fmt.Fprintf(&b, " \\\n  -H %s", shellQuote(h[0]+": "+h[1]))
	}
	fmt.Fprintf(&b, " \\\n  --data-binary %s", shellQuote(string(d.Body)))
	return b.String()
}

// sendCommand has kwh send post the same body, freshly signed.
func sendCommand(d *store.Delivery, to string) string {
	end := "KWH_BODY"
	for bytes.Contains(d.Body, []byte(end)) {
		end += "_"
	}
	return fmt.Sprintf("kwh send %s --to %s --data - <<'%s'\n%s\n%s", shellQuote(d.Topic), shellQuote(to), end, d.Body, end)
}

// rawRequest is the request as an HTTP/1.1 message, which `kwh verify
// --request` reads: request line, headers (sensitive ones redacted), body.
func rawRequest(d *store.Delivery) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", cmpOr(d.Method, http.MethodPost), cmpOr(d.Path, "/"), cmpOr(d.Host, "localhost"))
	var keys []string
	for k := range d.Header {
		if !hopHeaders[http.CanonicalHeaderKey(k)] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range d.Header[k] {
			if store.IsSensitiveHeader(k) {
				v = store.Redacted
			}
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(d.Body))
	b.Write(d.Body)
	return b.Bytes()
}
