package listen

import (
	"net/textproto"
	"strconv"

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

// notForwarded are the headers a forward does not pass on: those about the
// connection to kwh (an Expect: 100-continue was for kwh to answer), and
// kwh's own (a sender's X-Kwh-Attempt must not pass for kwh's).
var notForwarded = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true, "Proxy-Authorization": true, "Te": true,
	"Trailer": true, "Transfer-Encoding": true, "Upgrade": true, "Content-Length": true, "Host": true, "Expect": true,
	"X-Kwh-Delivery-Id": true, "X-Kwh-Attempt": true,
}

// skippedHeader: k, in any case, is one of notForwarded.
func skippedHeader(k string) bool { return notForwarded[textproto.CanonicalMIMEHeaderKey(k)] }
