// Package inbox implements `kwh inbox`: what kwh listen received.
package inbox

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/listen"
	"github.com/kwh-cli/kwh/internal/netutil"
	"github.com/kwh-cli/kwh/internal/output"
	"github.com/kwh-cli/kwh/internal/store"
	"github.com/kwh-cli/kwh/internal/ui"
)

// Options are shared by the inbox verbs.
type Options struct {
	IO        *iostreams.IOStreams
	Printer   func() *output.Printer
	Theme     func() *ui.Theme
	Profile   func() (config.Profile, error)
	Transport http.RoundTripper
	StateDir  string
	Now       func() time.Time

	Store       string
	Topics      []string
	Since       string
	Until       string
	Limit       int
	IDs         []uint64
	To          string
	KeepHeaders bool
	AllPending  bool
}

// NewCmdInbox is the `inbox` noun.
func NewCmdInbox(f *cmdutil.Factory) *cobra.Command {
	newOpts := func() *Options {
		return &Options{IO: f.IOStreams, Printer: f.Printer, Theme: f.Theme, Profile: f.Profile, Transport: f.Transport, StateDir: config.StateDir(f.Getenv), Now: time.Now}
	}
	cmd := &cobra.Command{
		Use:   "inbox <command>",
		Short: "Look at and re-forward what kwh listen received",
		Long: `Everything kwh listen received (duplicates and skipped topics too) is kept in
its store. List it, show a whole request, or forward chosen events to your
app again, while kwh listen runs or after it stopped.`,
	}
	lo, so, ro := newOpts(), newOpts(), newOpts()
	list := &cobra.Command{
		Use: "list", Short: "List received events, newest first", Args: cmdutil.NoArgs,
		Example: "  kwh inbox list\n  kwh inbox list --topic 'order.*' --since 1h -o json",
		RunE:    func(c *cobra.Command, _ []string) error { return listRun(lo) },
	}
	list.Flags().StringArrayVar(&lo.Topics, "topic", nil, "only this topic or glob (repeatable)")
	list.Flags().StringVar(&lo.Since, "since", "", "only received at or after this time or duration ago")
	list.Flags().StringVar(&lo.Until, "until", "", "only received before this time or duration ago")
	list.Flags().IntVarP(&lo.Limit, "limit", "L", 50, "how many at most")
	show := &cobra.Command{
		Use: "show <id>", Short: "Show one received request: headers, body, forwards",
		Example: "  kwh inbox show 12\n  kwh inbox show 12 -o json --jq .body",
		Args:    cmdutil.ExactArgs(1, "which delivery? see `kwh inbox list`"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := parseIDs(so, args); err != nil {
				return err
			}
			return showRun(so)
		},
	}
	replay := &cobra.Command{
		Use: "replay <id>...", Short: "Forward received events to your app again",
		Long: `Forward received events again: to --to URL, or to the targets they went to.
The body is sent byte for byte with the original headers, re-signed with a
fresh Date when the profile has a shared secret (so a handler that enforces
Kibo's 180 s limit accepts it); --keep-headers sends them untouched.`,
		Example: "  kwh inbox replay 12\n  kwh inbox replay 12 13 14 --to http://localhost:3000/hooks",
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("which deliveries? give their ids (see `kwh inbox list`)")
			}
			return parseIDs(ro, args)
		},
		RunE: func(c *cobra.Command, _ []string) error { return replayRun(c.Context(), ro) },
	}
	replay.Flags().StringVar(&ro.To, "to", "", "send here instead of the original targets")
	replay.Flags().BoolVar(&ro.KeepHeaders, "keep-headers", false, "send the original Date and signature, not fresh ones")
	for _, c := range []*cobra.Command{list, show, replay} {
		o := map[*cobra.Command]*Options{list: lo, show: so, replay: ro}[c]
		c.Flags().StringVar(&o.Store, "store", "", "kwh listen's store directory (default $XDG_STATE_HOME/kwh)")
		_ = c.RegisterFlagCompletionFunc("topic", cmdutil.CompleteTopics)
	}
	cmd.AddCommand(list, show, replay, newCmdDrop(newOpts()))
	return cmdutil.Noun(cmd)
}

func parseIDs(o *Options, args []string) error {
	for _, a := range args {
		n, err := strconv.ParseUint(strings.TrimPrefix(a, "#"), 10, 64)
		if err != nil {
			return cmdutil.FlagErrorf("%q is not a delivery id (a number from `kwh inbox list`)", a)
		}
		o.IDs = append(o.IDs, n)
	}
	return nil
}

// open reads the inbox through a running kwh listen when there is one (it
// holds the store file), and from the store file otherwise.
func (o *Options) open() (store.InboxReader, error) {
	return listen.OpenInbox(cmp.Or(o.Store, o.StateDir))
}

// Entry is the JSON form of an inbox entry: the body as text when it is.
type Entry struct {
	ID         uint64                        `json:"id"`
	ReceivedAt time.Time                     `json:"receivedAt"`
	State      string                        `json:"state"`
	EventID    string                        `json:"eventId"`
	Topic      string                        `json:"topic"`
	EntityID   string                        `json:"entityId"`
	Remote     string                        `json:"remote"`
	Verified   bool                          `json:"verified"`
	Method     string                        `json:"method"`
	Path       string                        `json:"path"`
	Host       string                        `json:"host"`
	Header     http.Header                   `json:"header"`
	Body       json.RawMessage               `json:"body"`
	Forwards   map[string]store.ForwardState `json:"forwards,omitempty"`
	// Duplicates counts later copies of the event, LastDuplicateAt the last.
	Duplicates      int        `json:"duplicates,omitempty"`
	LastDuplicateAt *time.Time `json:"lastDuplicateAt,omitempty"`
	// SetAside says why the store could not apply this request.
	SetAside string `json:"setAside,omitempty"`
}

// sensitiveHeaders are never printed: a tunnel or a test client may have
// sent credentials along with the push.
var sensitiveHeaders = map[string]bool{"Authorization": true, "Proxy-Authorization": true, "Cookie": true}

func redactHeaders(h http.Header) http.Header {
	out := h.Clone()
	for k := range out {
		if sensitiveHeaders[http.CanonicalHeaderKey(k)] {
			out[k] = []string{"[redacted]"}
		}
	}
	return out
}

func entryOf(d store.Delivery) Entry {
	body := json.RawMessage(d.Body)
	if !json.Valid(d.Body) {
		raw, _ := json.Marshal(string(d.Body))
		body = raw
	}
	return Entry{ID: d.ID, ReceivedAt: d.ReceivedAt, State: state(d), EventID: d.EventID, Topic: d.Topic, EntityID: d.EntityID,
		Remote: d.Remote, Verified: d.Verified, Method: d.Method, Path: d.Path, Host: d.Host, Header: redactHeaders(d.Header), Body: body, Forwards: d.Forwards, SetAside: d.SetAside,
		Duplicates: d.Duplicates, LastDuplicateAt: d.LastDuplicateAt}
}

// state summarises a delivery: set aside when the store could not apply
// it; otherwise from its per-target results: forwarded (every
// target took it), pending (kwh is still trying one), failed (kwh gave up on
// one: --max-attempts, or --sync where the sender retries instead), dropped
// (kwh inbox drop), and duplicate, skipped or kept when nothing was to be
// forwarded. A forward moved to another target counts as that target's.
func state(d store.Delivery) string {
	switch {
	case d.SetAside != "":
		return "set aside"
	case d.Duplicate:
		return "duplicate"
	case d.Skipped:
		return "skipped"
	case len(d.Targets) == 0 && len(d.Forwards) == 0:
		return "kept"
	}
	targets := slices.Clone(d.Targets)
	for t := range d.Forwards {
		if !slices.Contains(targets, t) {
			targets = append(targets, t) // --sync forwards are not spooled
		}
	}
	state, live := "forwarded", 0
	for _, t := range targets {
		switch f := d.Forwards[t]; {
		case f.Dropped:
			continue // moved to another target, or dropped by the user
		case f.GaveUp:
			state = "failed"
		case !f.Delivered:
			return "pending"
		}
		live++
	}
	if live == 0 {
		return "dropped"
	}
	return state
}

func listRun(o *Options) error {
	now := o.Now()
	since, err := cmdutil.ParseTimeFlag("since", o.Since, now)
	if err != nil {
		return err
	}
	until, err := cmdutil.ParseTimeFlag("until", o.Until, now)
	if err != nil {
		return err
	}
	st, err := o.open()
	if err != nil {
		return err
	}
	defer st.Close()
	ds, err := st.Inbox(store.InboxQuery{Topics: o.Topics, Since: since, Until: until, Limit: o.Limit})
	if err != nil {
		return err
	}
	entries := make([]Entry, len(ds))
	t := output.Table{Columns: []output.Column{{Header: "id"}, {Header: "received"}, {Header: "topic", Style: cmdutil.StyleAccent}, {Header: "entity id"},
		{Header: "event id", Short: true}, {Header: "state", Style: styleState}, {Header: "from"}, {Header: "forwards", Wide: true}}}
	for i, d := range ds {
		entries[i] = entryOf(d)
		t.Rows = append(t.Rows, []string{fmt.Sprint(d.ID), d.ReceivedAt.UTC().Format("2006-01-02 15:04:05"), d.Topic, d.EntityID, d.EventID, entries[i].State, d.Remote, forwardsText(d.Forwards)})
	}
	p := o.Printer()
	if err := p.PrintList(entries, t); err != nil {
		return err
	}
	if p.IsHuman() {
		fmt.Fprintln(o.IO.ErrOut, o.Theme().Muted.Render(fmt.Sprintf("%d %s · kwh inbox show ID for the whole request", len(entries), cmdutil.Plural(len(entries), "entry", "entries"))))
	}
	return nil
}

func forwardsText(fs map[string]store.ForwardState) string {
	var parts []string
	for t, f := range fs {
		s := fmt.Sprintf("%s %d×%d", t, f.Status, f.Attempts)
		if f.Status == 0 {
			s = fmt.Sprintf("%s %s×%d", t, f.Error, f.Attempts)
		}
		parts = append(parts, s)
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func styleState(t *ui.Theme, v string) string {
	switch v {
	case "forwarded":
		return t.Success.Render(v)
	case "pending", "duplicate", "skipped", "dropped":
		return t.Warning.Render(v)
	case "failed":
		return t.Error.Render(v)
	}
	return v
}

func showRun(o *Options) error {
	st, err := o.open()
	if err != nil {
		return err
	}
	defer st.Close()
	d, err := st.Get(o.IDs[0])
	if err != nil {
		return err
	}
	e := entryOf(*d)
	fields := []output.Field{
		{Name: "id", Value: fmt.Sprint(d.ID)}, {Name: "received", Value: d.ReceivedAt.UTC().Format(time.RFC3339Nano)},
		{Name: "state", Value: e.State}, {Name: "from", Value: d.Remote}, {Name: "verified", Value: cmdutil.YesNo(&d.Verified)},
		{Name: "request", Value: d.Method + " " + d.Path + " (Host " + d.Host + ")"},
	}
	keys := make([]string, 0, len(d.Header))
	for k := range d.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := strings.Join(d.Header[k], ", ")
		if sensitiveHeaders[http.CanonicalHeaderKey(k)] {
			v = "[redacted]"
		}
		fields = append(fields, output.Field{Name: "  " + k, Value: v})
	}
	fields = append(fields, output.Field{Name: "body", Value: string(d.Body)})
	for t, f := range d.Forwards {
		fields = append(fields, output.Field{Name: "forward", Value: fmt.Sprintf("%s: %s", t, forwardsText(map[string]store.ForwardState{"": f}))})
	}
	return o.Printer().PrintObject(e, fields)
}

func replayRun(ctx context.Context, o *Options) error {
	if o.To != "" {
		if err := cmdutil.CheckURL(o.To); err != nil {
			return err
		}
	}
	secret := ""
	if !o.KeepHeaders {
		if p, err := o.Profile(); err == nil {
			secret = p.SharedSecret
		}
	}
	st, err := o.open()
	if err != nil {
		return err
	}
	defer st.Close()
	th := o.Theme()
	failed := 0
	for _, id := range o.IDs {
		d, err := st.Get(id)
		if err != nil {
			return err
		}
		targets := d.Targets
		if o.To != "" {
			targets = []string{o.To}
		}
		if len(targets) == 0 {
			return cmdutil.FlagErrorf("delivery %d had no forward target: give --to URL", id)
		}
		for _, t := range targets {
			status, lat, err := listen.Reforward(ctx, o.Transport, listen.DefaultForwardTimeout, d, t, secret, o.Now())
			line := fmt.Sprintf("%d  %s  → %d %s  %s  %s", id, d.Topic, status, http.StatusText(status), lat.Round(time.Millisecond), t)
			if err != nil || status < 200 || status > 299 {
				failed++
				if err != nil {
					line = fmt.Sprintf("%d  %s  → %s  %s", id, d.Topic, netutil.ShortError(err), t)
				}
				fmt.Fprintln(o.IO.Out, th.Error.Render(line))
				continue
			}
			fmt.Fprintln(o.IO.Out, line)
		}
	}
	if failed > 0 {
		return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Err: fmt.Errorf("%d %s not accepted", failed, cmdutil.Plural(failed, "replay was", "replays were"))}
	}
	return nil
}
