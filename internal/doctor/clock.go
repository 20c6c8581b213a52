package doctor

import (
	"context"
	"fmt"
	"time"

	"github.com/kwh-cli/kwh/internal/webhook"
)

// Clock skew limits: beyond ClockWarn something is off; beyond ClockFail
// (Kibo's 180 s signature window) signatures made or checked here fail.
const (
	ClockWarn = 30 * time.Second
	ClockFail = webhook.DefaultMaxAge
)

// checkClock compares this machine's clock with the auth host's Date header,
// read during the credentials check.
func checkClock(_ context.Context, d *Doctor) []Result {
	d.mu.Lock()
	server, local := d.serverDate, d.localDate
	d.mu.Unlock()
	r := Result{Subject: hostOf(d.Settings.AuthHost)}
	if server.IsZero() {
		r.Status, r.Detail = Warn, "the auth host sent no Date header, so the clock could not be compared"
		return []Result{r}
	}
	// Date has whole seconds: the server's clock read anywhere in the second
	// after it, so the middle of that second is the best guess.
	skew := local.Sub(server.Add(time.Second / 2)).Round(time.Second)
	abs := skew.Abs()
	way := "ahead of"
	if skew < 0 {
		way = "behind"
	}
	r.Detail = fmt.Sprintf("this machine's clock is %s %s the auth host's", abs, way)
	switch {
	case abs > ClockFail:
		r.Status = Fail
		r.Detail += fmt.Sprintf(": beyond Kibo's %s signature window, signatures made or checked here fail", ClockFail)
		r.Hint = "Synchronise this machine's clock (e.g. `timedatectl set-ntp true` or `sntp -sS time.apple.com`)."
	case abs > ClockWarn:
		r.Status = Warn
		r.Detail += fmt.Sprintf(": more than %s, close to Kibo's %s signature window", ClockWarn, ClockFail)
		r.Hint = "Synchronise this machine's clock (NTP) before signatures start failing."
	default:
		r.Status = OK
		if abs <= time.Second {
			r.Detail = "this machine's clock agrees with the auth host's (within a second)"
		}
	}
	return []Result{r}
}
