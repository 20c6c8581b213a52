package inspector

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// Row is one delivery in the list, the JSON the page's script renders.
type Row struct {
	ID         uint64        `json:"id"`
	Time       time.Time     `json:"time"`
	Topic      string        `json:"topic"`
	EntityID   string        `json:"entityId"`
	EventID    string        `json:"eventId"`
	Verified   bool          `json:"verified"`
	Duplicates int           `json:"duplicates"`
	State      string        `json:"state"`
	Forwards   []TargetState `json:"forwards"`
}

// TargetState is how forwarding to one target stands.
type TargetState struct {
	Target string `json:"target"`
	State  string `json:"state"` // forwarded, pending, failed, dropped
	Text   string `json:"text"`
}

func (in *Inspector) rowOf(d *store.Delivery) Row {
	r := Row{ID: d.ID, Time: d.ReceivedAt, Topic: d.Topic, EntityID: d.EntityID, EventID: d.EventID,
		Verified: d.Verified, Duplicates: d.Duplicates, State: d.State(), Forwards: []TargetState{}}
	for _, t := range d.AllTargets() {
		r.Forwards = append(r.Forwards, in.targetState(d, t))
	}
	return r
}

func (in *Inspector) targetState(d *store.Delivery, target string) TargetState {
	f, tried := d.Forwards[target]
	ts := TargetState{Target: target}
	switch {
	case f.Dropped:
		ts.State, ts.Text = "dropped", "dropped"
	case f.Delivered:
		ts.State, ts.Text = "forwarded", fmt.Sprintf("forwarded %d", f.Status)
	case f.GaveUp:
		ts.State, ts.Text = "failed", "failed "+outcome(f)
	default:
		ts.State, ts.Text = "pending", "pending"
		if tried {
			ts.Text += ", last " + outcome(f)
		}
		if next := in.attempts.nextTry(d.ID, target); !next.IsZero() {
			ts.Text += ", next try " + next.UTC().Format("15:04:05Z")
		}
	}
	return ts
}

// outcome is a forward's last answer: its status, or why there was none.
func outcome(f store.ForwardState) string {
	s := fmt.Sprint(f.Status)
	if f.Status == 0 {
		s = cmpOr(f.Error, "no answer")
	}
	return fmt.Sprintf("%s after %d %s", s, f.Attempts, plural(f.Attempts, "attempt", "attempts"))
}

// Detail is one delivery's page.
type Detail struct {
	Row
	Method, Path, Host, Remote string
	Headers                    []Header
	BodyPretty, BodyRaw        string
	SetAside                   string
	Entity                     string // what the topic's entityId means
	TopicDescription           string
	Signature                  Signature
	Attempts                   []AttemptView
	Targets                    []string // re-forward choices
	ReadOnlyReason             string
	Curl, Send                 string
	HTTPFile, VerifyCmd        string
}

// Header is one header line as shown (sensitive values redacted).
type Header struct{ Name, Value string }

// Signature explains the signature check the receiver made.
type Signature struct {
	Verdict, Class, Date, Age, Explanation string
}

// AttemptView is one forward attempt as shown.
type AttemptView struct {
	At, Target, What, Status, Latency, Error, Next string
	Class                                          string
}

func (in *Inspector) detailOf(d *store.Delivery) Detail {
	v := Detail{Row: in.rowOf(d), Method: d.Method, Path: d.Path, Host: d.Host, Remote: d.Remote, SetAside: d.SetAside,
		BodyRaw: strings.ToValidUTF8(string(d.Body), "\uFFFD"), Signature: in.signature(d)}
	h := store.RedactHeaders(d.Header)
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		v.Headers = append(v.Headers, Header{Name: k, Value: strings.Join(h[k], ", ")})
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, d.Body, "", "  ") == nil {
		v.BodyPretty = pretty.String()
	}
	if t, ok := webhook.Lookup(d.Topic); ok {
		v.Entity, v.TopicDescription = t.EntityID, t.Description
	}
	v.Attempts = in.attemptViews(d)
	v.Targets = d.AllTargets()
	for _, t := range in.opts.Targets {
		if !slices.Contains(v.Targets, t) {
			v.Targets = append(v.Targets, t)
		}
	}
	if in.opts.Reforward == nil {
		v.ReadOnlyReason = cmpOr(in.opts.ReadOnlyReason, errReadOnly.Error())
	}
	to := "http://localhost:3000/hooks"
	if len(v.Targets) > 0 {
		to = v.Targets[0]
	}
	v.Curl, v.Send = curlCommand(d, to), sendCommand(d, to)
	v.HTTPFile = fmt.Sprintf("kwh-%d.http", d.ID)
	v.VerifyCmd = fmt.Sprintf("kwh verify --request %s --at %s", v.HTTPFile, d.ReceivedAt.UTC().Format(time.RFC3339))
	return v
}

func (in *Inspector) signature(d *store.Delivery) Signature {
	date := d.Header.Get("Date")
	s := Signature{Date: cmpOr(date, "(none)")}
	if at, err := http.ParseTime(date); err == nil {
		s.Age = d.ReceivedAt.Sub(at).Round(time.Second).String()
	}
	limit := in.opts.MaxAge
	if limit <= 0 {
		limit = webhook.DefaultMaxAge
	}
	if !d.Verified {
		s.Verdict, s.Class = "not checked", "muted"
		s.Explanation = "kwh listen ran without a shared secret (or with --skip-verify), so x-vol-hmac-sha256 was not checked. With one, a request that fails the check is refused with 401 and never kept."
		return s
	}
	s.Verdict, s.Class = "valid", "ok"
	s.Explanation = fmt.Sprintf("x-vol-hmac-sha256 matched base64(sha256(k + Date + body)) under the profile's shared secret (Kibo's scheme), and the Date was at most %s old on arrival. A request failing either check is refused with 401 and never kept.", limit)
	return s
}

func (in *Inspector) attemptViews(d *store.Delivery) []AttemptView {
	var out []AttemptView
	for _, a := range in.attempts.of(d.ID) {
		v := AttemptView{At: a.At.UTC().Format("15:04:05.000Z"), Target: a.Target, Error: a.Error, Class: "bad"}
		v.What = fmt.Sprintf("attempt %d", a.Number)
		if a.Replay {
			v.What = "re-forward"
		}
		if a.Status != 0 {
			v.Status = fmt.Sprintf("%d %s", a.Status, http.StatusText(a.Status))
		}
		if a.Status == http.StatusOK && a.Error == "" {
			v.Class = "ok"
		}
		if a.LatencyMs > 0 {
			v.Latency = fmt.Sprintf("%.0f ms", a.LatencyMs)
		}
		switch {
		case a.GaveUp:
			v.Next = "gave up"
		case !a.RetryAt.IsZero():
			v.Next = "next try " + a.RetryAt.UTC().Format("15:04:05Z")
		}
		out = append(out, v)
	}
	if len(out) > 0 {
		return out
	}
	// Not seen by this run: the store keeps each target's last attempt.
	for _, t := range d.AllTargets() {
		f, ok := d.Forwards[t]
		if !ok {
			continue
		}
		v := AttemptView{At: f.At.UTC().Format("15:04:05.000Z"), Target: t, What: fmt.Sprintf("attempt %d (last)", f.Attempts), Error: f.Error, Class: "bad"}
		if f.Status != 0 {
			v.Status = fmt.Sprintf("%d %s", f.Status, http.StatusText(f.Status))
		}
		if f.Delivered {
			v.Class = "ok"
		}
		if f.GaveUp {
			v.Next = "gave up"
		}
		out = append(out, v)
	}
	return out
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
