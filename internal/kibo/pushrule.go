package kibo

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// PushTimeout is how long Kibo waits for an endpoint to answer a push.
const PushTimeout = 45 * time.Second

// PushAccepted is Kibo's success rule for a push: HTTP 200 and nothing else.
// Kibo's event subscription docs (seed 001) retry every other status,
// 201, 202 and 204 included, although its older guide (seed 000) says "2xx".
func PushAccepted(status int) bool { return status == 200 }

// PushRefusal says why Kibo would not count an answer with this status as
// delivered ("" when it would): a 2xx other than 200 says so outright, since
// that is the surprise.
func PushRefusal(status int) string {
	switch {
	case PushAccepted(status):
		return ""
	case status >= 200 && status < 300:
		return fmt.Sprintf("%d %s, not 200: Kibo retries anything but 200", status, http.StatusText(status))
	}
	return strings.TrimSpace(fmt.Sprintf("%d %s", status, http.StatusText(status)))
}
