package doctor

import (
	"context"
	"fmt"
	"net/http"
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
}

// ListenerFinder finds a running kwh listen: (nil, nil) when none runs.
type ListenerFinder func(ctx context.Context) (*ListenerStatus, error)

// checkListener looks at the local receiver: found, ready, its forward
// targets answering, what is spooled and what it gave up on.
func checkListener(ctx context.Context, d *Doctor) []Result {
	st, err := d.Listener(ctx)
	switch {
	case err != nil:
		return []Result{{Subject: "kwh listen", Status: Fail, Detail: "asking the running kwh listen failed: " + err.Error(), Hint: "Restart `kwh listen`."}}
	case st == nil && d.ListenRequired:
		return []Result{{Subject: "kwh listen", Status: Fail, Detail: "no running kwh listen found",
			Hint: "Start one: `kwh listen --forward http://localhost:3000/hooks` (it uses the same state directory)."}}
	case st == nil:
		return nil
	}
	out := []Result{listenerState(st)}
	client := &http.Client{Timeout: 5 * time.Second, Transport: d.ProbeTransport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, t := range st.Targets {
		out = append(out, targetAnswers(ctx, client, t))
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

// targetAnswers asks whether a forward target is up: any HTTP answer will
// do, since the app's own routes decide the status.
func targetAnswers(ctx context.Context, client *http.Client, target string) Result {
	url := target
	if _, after, ok := strings.Cut(target, " → "); ok {
		url = after // a route: "order.* → URL"
	}
	r := Result{Subject: target}
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, url, nil)
	if err != nil {
		r.Status, r.Detail = Fail, err.Error()
		return r
	}
	resp, err := client.Do(req)
	if err != nil {
		r.Status, r.Detail = Fail, "forward target does not answer: "+shortNetError(err)
		r.Hint = "Start your app, or point --forward at where it listens; kwh listen keeps events spooled until it answers."
		return r
	}
	resp.Body.Close()
	r.Status, r.Detail = OK, fmt.Sprintf("forward target answers (%s to HEAD)", resp.Status)
	return r
}
