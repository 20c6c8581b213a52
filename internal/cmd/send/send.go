// Package send implements `kwh send`: synthetic, correctly signed events.
package send

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/netutil"
	"github.com/kwh-cli/kwh/internal/output"
	"github.com/kwh-cli/kwh/internal/replay"
	"github.com/kwh-cli/kwh/internal/ui"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// Options are the inputs of `kwh send`.
type Options struct {
	IO        *iostreams.IOStreams
	Profile   func() (config.Profile, error)
	Printer   func() *output.Printer
	Theme     func() *ui.Theme
	Transport http.RoundTripper
	Now       func() time.Time

	Topic     string
	To        string
	EntityID  string
	Data      string
	Count     int
	Duplicate int
	NoSign    bool
}

// Result is one request `kwh send` made: its JSON form.
type Result struct {
	EventID   string  `json:"eventId"`
	Topic     string  `json:"topic"`
	URL       string  `json:"url"`
	Status    int     `json:"status"`
	LatencyMs float64 `json:"latencyMs"`
	Duplicate bool    `json:"duplicate"`
	Error     string  `json:"error,omitempty"`
}

// NewCmdSend is `kwh send TOPIC --to URL`.
func NewCmdSend(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Profile: f.Profile, Printer: f.Printer, Theme: f.Theme, Transport: f.Transport, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "send <topic> --to <url>",
		Short: "POST a synthetic, correctly signed Kibo event to a URL",
		Long: `POST a synthetic event shaped and signed exactly as Kibo pushes it: the JSON body
of webhooks.json, a Date header, x-vol-hmac-sha256 computed with the profile's
shared secret, and x-vol-tenant / x-vol-site.

--data FILE (or - for stdin) holds either a JSON array, used as the
extendedProperties, or a whole body, sent byte for byte. --duplicate K resends
each event K more times with the same eventId, as Kibo's redeliveries do.
Kibo counts a push as delivered only when it is answered 200 within 45 s
(its event subscription docs; an older guide says "any 2xx", but Kibo retries
201, 202 and 204), so kwh send does too: exits 1 when any answer is not 200.`,
		Example: `  kwh send order.opened --to http://localhost:3000/hooks
  kwh send shipment.statuschanged --to http://localhost:8080 --entity-id SHP-77 \
    --data props.json --count 5 --duplicate 1
  kwh send product.updated --to https://hooks.example.com/kibo -o ndjson`,
		Args:              cmdutil.ExactArgs(1, "which topic? see `kwh topics list`"),
		ValidArgsFunction: cmdutil.CompleteTopicArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Topic = args[0]
			if opts.To == "" {
				return cmdutil.FlagErrorf("--to URL is required: where to send the event")
			}
			if err := cmdutil.CheckURL(opts.To); err != nil {
				return err
			}
			if opts.Count < 1 || opts.Duplicate < 0 {
				return cmdutil.FlagErrorf("--count must be at least 1 and --duplicate at least 0")
			}
			if runF != nil {
				return runF(opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.To, "to", "", "URL to POST to (required)")
	fl.StringVar(&opts.EntityID, "entity-id", "", "the entityId (default: a made-up one)")
	fl.StringVar(&opts.Data, "data", "", "file with extendedProperties (a JSON array) or a whole body; - for stdin")
	fl.IntVar(&opts.Count, "count", 1, "how many events")
	fl.IntVar(&opts.Duplicate, "duplicate", 0, "resend each event this many more times with the same eventId")
	fl.BoolVar(&opts.NoSign, "no-sign", false, "send without x-vol-hmac-sha256")
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	p, err := opts.Profile()
	if err != nil {
		return err
	}
	if !opts.NoSign && p.SharedSecret == "" {
		return &cmdutil.NoCredentialsError{Profile: p.Name, Missing: []string{"shared secret (to sign with; or --no-sign)"}}
	}
	cmdutil.WarnUnknownLocalTopics(opts.IO.ErrOut, opts.Theme(), []string{opts.Topic})
	data, err := readData(opts)
	if err != nil {
		return err
	}
	secret := p.SharedSecret
	if opts.NoSign {
		secret = ""
	}
	client := webhook.PushClient(kibo.PushTimeout, opts.Transport)
	wctx := webhook.Context{Tenant: p.Tenant, Site: p.Site}
	pr := newPrinter(opts)
	failed, total := 0, 0
	for i := range opts.Count {
		body, eventID := buildBody(opts, data, i)
		for dup := 0; dup <= opts.Duplicate; dup++ {
			r := post(ctx, client, opts.To, secret, wctx, body, opts.Now())
			r.EventID, r.Topic, r.Duplicate = eventID, opts.Topic, dup > 0
			total++
			if !kibo.PushAccepted(r.Status) {
				failed++
			}
			if err := pr(r); err != nil {
				return err
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	if failed > 0 {
		return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Err: fmt.Errorf("%d of %d requests were not answered 200 (Kibo's only success)", failed, total)}
	}
	return nil
}

// sendData is what --data held: extendedProperties or a whole raw body.
type sendData struct {
	props []webhook.ExtendedProperty
	whole []byte
}

func readData(opts *Options) (sendData, error) {
	if opts.Data == "" {
		return sendData{props: webhook.SampleProperties(opts.Topic)}, nil
	}
	var raw []byte
	var err error
	if opts.Data == "-" {
		raw, err = io.ReadAll(opts.IO.In)
	} else {
		raw, err = os.ReadFile(opts.Data)
	}
	if err != nil {
		return sendData{}, cmdutil.FlagErrorf("--data: %v", err)
	}
	trimmed := bytes.TrimSpace(raw)
	switch {
	case bytes.HasPrefix(trimmed, []byte("[")):
		var props []webhook.ExtendedProperty
		if err := json.Unmarshal(trimmed, &props); err != nil {
			return sendData{}, cmdutil.FlagErrorf("--data: not a JSON array of {\"key\",\"value\"}: %v", err)
		}
		return sendData{props: props}, nil
	case bytes.HasPrefix(trimmed, []byte("{")):
		if !json.Valid(trimmed) {
			return sendData{}, cmdutil.FlagErrorf("--data: the body is not valid JSON")
		}
		return sendData{whole: raw}, nil
	}
	return sendData{}, cmdutil.FlagErrorf("--data: want a JSON array (extendedProperties) or a JSON object (a whole body)")
}

func buildBody(opts *Options, d sendData, i int) ([]byte, string) {
	if d.whole != nil {
		id := ""
		if p, err := webhook.ParsePush(d.whole); err == nil {
			id = p.EventID
		}
		return d.whole, id
	}
	entity := opts.EntityID
	if entity == "" {
		entity = fmt.Sprintf("kwh-%d", 1000+i)
	}
	push := webhook.Push{
		EventID: webhook.NewEventID(), Topic: opts.Topic, EntityID: entity,
		Timestamp: webhook.FormatTimestamp(opts.Now()), CorrelationID: webhook.NewEventID(), IsTest: true,
		ExtendedProperties: d.props,
	}
	return push.Marshal(), push.EventID
}

func post(ctx context.Context, client *http.Client, url, secret string, c webhook.Context, body []byte, now time.Time) Result {
	if p, err := webhook.ParsePush(body); err == nil {
		c.Correlation = p.CorrelationID
	}
	status, latency, err := replay.Deliver(ctx, client, url, secret, c, body, now)
	r := Result{URL: url, Status: status, LatencyMs: float64(latency.Microseconds()) / 1000}
	if err != nil {
		r.Error = netutil.ShortError(err)
	} else if !kibo.PushAccepted(status) {
		r.Error = kibo.PushRefusal(status)
	}
	return r
}

func newPrinter(opts *Options) func(Result) error {
	p := opts.Printer()
	th := p.Theme
	return output.Stream(p, func(r Result) error {
		status := th.Success.Render(fmt.Sprintf("%d %s", r.Status, http.StatusText(r.Status)))
		if !kibo.PushAccepted(r.Status) {
			status = th.Error.Render(kibo.PushRefusal(r.Status))
			if r.Status == 0 {
				status = th.Error.Render(r.Error)
			}
		}
		dup := ""
		if r.Duplicate {
			dup = th.Muted.Render("  (duplicate)")
		}
		_, err := fmt.Fprintf(opts.IO.Out, "→ %s  %s  %s  %s%s\n", status, th.Muted.Render(fmt.Sprintf("%6.1f ms", r.LatencyMs)),
			th.Accent.Render(r.Topic), output.ShortID(r.EventID), dup)
		return err
	}, func(r Result) error {
		_, err := fmt.Fprintf(opts.IO.Out, "%d\t%.1f\t%s\t%s\t%s\t%v\t%s\n", r.Status, r.LatencyMs, r.Topic, r.EventID, r.URL, r.Duplicate, r.Error)
		return err
	})
}
