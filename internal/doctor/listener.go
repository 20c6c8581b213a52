package doctor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// ListenerStatus is what a running kwh listen says about itself.
type ListenerStatus struct {
	URL     string   // where it receives pushes
	Ready   bool     // its /readyz answered ready
	Targets []string // forward targets (routes included)
	Spooled int      // forwards waiting to be delivered
	GivenUp int      // forwards it stopped retrying
	Partial bool     // counted among the newest entries only
	// OldestPending is how long the oldest forward still to deliver has
	// waited since it was received (0: none waits).
	OldestPending time.Duration
}

// ListenerFinder finds a running kwh listen: (nil, nil) when none runs.
type ListenerFinder func(ctx context.Context) (*ListenerStatus, error)

// RemoteStoreError: kwh listen's store is not a directory here (a redis://
// URL from KWH_STORE or the profile), so no local receiver can be found
// through it. Store is redacted.
type RemoteStoreError struct{ Store string }

func (e *RemoteStoreError) Error() string {
	return "kwh listen's store is " + e.Store + ": kwh doctor finds a receiver through a local store directory; receivers on Redis answer /readyz and --metrics-addr"
}

// checkListener looks at the local receiver: found, ready, its forward
// targets answering, what is spooled and what it gave up on.
func checkListener(ctx context.Context, d *Doctor) []Result {
	st, err := d.Listener(ctx)
	var remote *RemoteStoreError
	switch {
	case errors.As(err, &remote):
		status := Skip
		if d.ListenRequired {
			status = Warn
		}
		return []Result{{Subject: "kwh listen", Status: status, Detail: remote.Error(), Hint: "Give --store DIR to check a local kwh listen."}}
	case err != nil:
		return []Result{{Subject: "kwh listen", Status: Fail, Detail: "asking the running kwh listen failed: " + err.Error(), Hint: "Restart `kwh listen`."}}
	case st == nil && d.ListenRequired:
		return []Result{{Subject: "kwh listen", Status: Fail, Detail: "no running kwh listen found",
			Hint: "Start one: `kwh listen --forward http://localhost:3000/hooks` (it uses the same state directory)."}}
	case st == nil:
		return nil
	}
	out := []Result{listenerState(st)}
	for _, t := range st.Targets {
		out = append(out, d.targetAnswers(ctx, t))
	}
	return out
}

func listenerState(st *ListenerStatus) Result {
	r := Result{Subject: st.URL, Status: OK}
	facts := []string{"running and ready"}
	switch {
	case st.URL == "":
		r.Subject = "kwh listen"
		facts = []string{"running without an HTTP receiver (events tail --forward)"}
	case !st.Ready:
		r.Status, r.Hint = Fail, "It is not ready yet or its store failed; see its output."
		facts = []string{"running but not ready"}
	}
	atLeast := ""
	if st.Partial {
		atLeast = "at least "
	}
	facts = append(facts, fmt.Sprintf("%s%d %s spooled", atLeast, st.Spooled, plural(st.Spooled, "forward", "forwards")))
	if st.OldestPending > 0 {
		facts = append(facts, "the oldest waiting "+st.OldestPending.Round(time.Second).String())
	}
	if st.GivenUp > 0 {
		if r.Status == OK {
			r.Status = Warn
		}
		facts = append(facts, fmt.Sprintf("%d %s given up", st.GivenUp, plural(st.GivenUp, "forward", "forwards")))
		r.Hint = "Re-forward them with `kwh inbox replay ID…` once your app answers (`kwh inbox list` shows them)."
	}
	if len(st.Targets) == 0 {
		facts = append(facts, "no forward target")
	}
	r.Detail = strings.Join(facts, ", ")
	return r
}

// targetAnswers asks whether a forward target is up by connecting to it:
// an HTTP request would reach the app's handler as if it were an event.
func (d *Doctor) targetAnswers(ctx context.Context, target string) Result {
	raw := target
	if _, after, ok := strings.Cut(target, " → "); ok {
		raw = after // a route: "order.* → URL"
	}
	r := Result{Subject: target}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		r.Status, r.Detail = Fail, fmt.Sprintf("%q is not a URL", raw)
		return r
	}
	addr := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		addr = net.JoinHostPort(u.Hostname(), port)
	}
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := d.dial(dctx, addr)
	if err != nil {
		r.Status, r.Detail = Fail, "forward target does not answer: "+shortNetError(err)
		r.Hint = "Start your app, or point --forward at where it listens; kwh listen keeps events spooled until it answers."
		return r
	}
	conn.Close()
	r.Status, r.Detail = OK, "forward target accepts connections"
	return r
}

func (d *Doctor) dial(ctx context.Context, addr string) (net.Conn, error) {
	var dialer net.Dialer
	return dialer.DialContext(ctx, "tcp", addr)
}
