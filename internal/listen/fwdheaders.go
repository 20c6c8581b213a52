package listen

import (
	"strconv"
	"strings"

	"github.com/kwh-cli/kwh/internal/store"
)

// forwardHeaders gives the headers a forward carries: the event's own but
// those about its hop to kwh, then kwh's delivery id and attempt number.
func forwardHeaders(d *store.Delivery, n int, add func(k, v string)) {
	for k, vs := range d.Header {
		if skippedHeader(k) {
			continue
		}
		for _, v := range vs {
			add(k, v)
		}
	}
	add("X-Kwh-Delivery-Id", strconv.FormatUint(d.ID, 10))
	attempt := "replay"
	if n > 0 {
		attempt = strconv.Itoa(n)
	}
	add("X-Kwh-Attempt", attempt)
}

// skippedHeader: hop-by-hop, or one kwh sets itself (a sender's own
// X-Kwh-Attempt must not pass for kwh's).
func skippedHeader(k string) bool {
	for _, h := range hopHeaders {
		if strings.EqualFold(k, h) {
			return true
		}
	}
	return strings.EqualFold(k, "X-Kwh-Delivery-Id") || strings.EqualFold(k, "X-Kwh-Attempt")
}
