package webhook

import (
	"net/http"
	"time"
)

// PushClient is an HTTP client that delivers pushes as Kibo does: it never
// follows redirects, since a 3xx is an answer and not the 200 Kibo wants (and
// Go would turn a redirected POST into a GET without the body).
func PushClient(timeout time.Duration, transport http.RoundTripper) *http.Client {
	return &http.Client{
		Timeout:       timeout,
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
