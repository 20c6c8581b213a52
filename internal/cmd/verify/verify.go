// Package verify implements `kwh verify`: check a captured request offline.
package verify

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/output"
	"github.com/kwh-cli/kwh/internal/ui"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// Options are the inputs of `kwh verify`.
type Options struct {
	IO      *iostreams.IOStreams
	Profile func() (config.Profile, error)
	Printer func() *output.Printer
	Theme   func() *ui.Theme
	Now     func() time.Time

	BodyFile    string
	Request     string
	Date        string
	Signature   string
	MaxAge      time.Duration
	At          string
	SecretStdin bool
}

// Result is the JSON form of `kwh verify`.
type Result struct {
	Valid   bool   `json:"valid"`
	Reason  string `json:"reason,omitempty"`
	Date    string `json:"date"`
	EventID string `json:"eventId,omitempty"`
	Topic   string `json:"topic,omitempty"`
}

// NewCmdVerify is `kwh verify`.
func NewCmdVerify(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Profile: f.Profile, Printer: f.Printer, Theme: f.Theme, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "verify [body-file]",
		Short: "Check a captured request's x-vol-hmac-sha256 signature offline",
		Long: `Check that a request really came from Kibo: its x-vol-hmac-sha256 must match the
raw body and Date header under the profile's shared secret, and the Date must
be at most --max-age old (180 s, as Kibo's SDKs require; 0 skips the check, or
use --at to judge it as of another time).

Give the body as a file (or on stdin) with --date and --signature, or a whole
raw HTTP request with --request FILE. Exits 0 when valid, 3 when not.`,
		Example: `  kwh verify body.json --date "Fri, 20 Nov 2026 12:00:00 GMT" --signature 'yyB6…='
  kwh verify --request captured.http --max-age 0
  pbpaste | kwh verify --date "$DATE" --signature "$SIG"`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return cmdutil.FlagErrorf("give at most one body file")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.BodyFile = args[0]
			}
			if opts.Request != "" && (opts.BodyFile != "" || opts.Date != "" || opts.Signature != "") {
				return cmdutil.FlagErrorf("--request holds the body and headers: drop the body file, --date and --signature")
			}
			if opts.SecretStdin && opts.Request == "" && (opts.BodyFile == "" || opts.BodyFile == "-") {
				return cmdutil.FlagErrorf("--shared-secret-stdin needs the body in a file or --request")
			}
			if opts.readsStdin() && opts.IO.IsStdinTTY() {
				return cmdutil.FlagErrorf("kwh verify reads the body from standard input, which is a terminal: give a body file, --request FILE, or pipe the body in (pbpaste | kwh verify --date … --signature …)")
			}
			if runF != nil {
				return runF(opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Request, "request", "", "a raw HTTP request (request line, headers, body)")
	fl.StringVar(&opts.Date, "date", "", "the request's Date header, exactly as sent")
	fl.StringVar(&opts.Signature, "signature", "", "the request's x-vol-hmac-sha256 header")
	cmdutil.DurationVar(fl, &opts.MaxAge, "max-age", webhook.DefaultMaxAge, "how old the Date may be; 0 skips the check")
	fl.StringVar(&opts.At, "at", "", "judge the age as of this time (RFC 3339) instead of now")
	fl.BoolVar(&opts.SecretStdin, "shared-secret-stdin", false, "read the shared secret from stdin instead of the profile")
	return cmd
}

// maxStdin bounds what verify reads from standard input (a body or a secret).
const maxStdin = 32 << 20

// readsStdin reports whether the body or the secret comes from standard input.
func (opts *Options) readsStdin() bool {
	return opts.SecretStdin || (opts.Request == "" && (opts.BodyFile == "" || opts.BodyFile == "-"))
}

func run(ctx context.Context, opts *Options) error {
	secret, err := sharedSecret(ctx, opts)
	if err != nil {
		return err
	}
	body, date, sig, err := readInput(ctx, opts)
	if err != nil {
		return err
	}
	v := webhook.Verifier{Secret: secret, MaxAge: opts.MaxAge, Now: opts.Now}
	if opts.MaxAge == 0 {
		v.MaxAge = -1
	}
	if opts.At != "" {
		at, err := time.Parse(time.RFC3339, opts.At)
		if err != nil {
			return cmdutil.FlagErrorf("--at %q: want an RFC 3339 time", opts.At)
		}
		v.Now = func() time.Time { return at }
	}
	res := Result{Date: date}
	if p, err := webhook.ParsePush(body); err == nil {
		res.EventID, res.Topic = p.EventID, p.Topic
	}
	verr := v.Verify(date, sig, body)
	res.Valid = verr == nil
	if verr != nil {
		res.Reason = verr.Error()
	}
	if err := printResult(opts, res); err != nil {
		return err
	}
	if verr != nil {
		return cmdutil.CheckFailed(fmt.Errorf("invalid signature: %w", verr))
	}
	return nil
}

func sharedSecret(ctx context.Context, opts *Options) (string, error) {
	if opts.SecretStdin {
		raw, err := opts.IO.ReadAllContext(ctx, maxStdin)
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(string(raw)), nil
	}
	p, err := opts.Profile()
	if err != nil {
		return "", err
	}
	if p.SharedSecret == "" {
		return "", &cmdutil.NoCredentialsError{Profile: p.Name, Missing: []string{"shared secret"}}
	}
	return p.SharedSecret, nil
}

// readInput returns the raw body bytes and the two headers.
func readInput(ctx context.Context, opts *Options) ([]byte, string, string, error) {
	if opts.Request != "" {
		raw, err := os.ReadFile(opts.Request)
		if err != nil {
			return nil, "", "", cmdutil.FlagErrorf("--request: %v", err)
		}
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return nil, "", "", cmdutil.FlagErrorf("--request: not a raw HTTP request: %v", err)
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, "", "", cmdutil.FlagErrorf("--request: reading the body: %v", err)
		}
		return body, req.Header.Get("Date"), req.Header.Get(webhook.HeaderSignature), nil
	}
	var body []byte
	var err error
	if opts.BodyFile == "" || opts.BodyFile == "-" {
		body, err = opts.IO.ReadAllContext(ctx, maxStdin)
		if ctx.Err() != nil {
			return nil, "", "", ctx.Err()
		}
	} else {
		body, err = os.ReadFile(opts.BodyFile)
	}
	if err != nil {
		return nil, "", "", cmdutil.FlagErrorf("reading the body: %v", err)
	}
	return body, opts.Date, opts.Signature, nil
}

func printResult(opts *Options, r Result) error {
	p := opts.Printer()
	if !p.IsHuman() {
		state := "valid"
		if !r.Valid {
			state = "invalid"
		}
		return p.PrintObject(r, []output.Field{{Name: "result", Value: state}, {Name: "reason", Value: r.Reason}, {Name: "event id", Value: r.EventID}, {Name: "topic", Value: r.Topic}})
	}
	th := p.Theme
	what := strings.TrimSpace(r.Topic + " " + output.ShortID(r.EventID))
	if r.Valid {
		_, err := fmt.Fprintln(opts.IO.Out, th.Success.Render("✓ valid signature")+"  "+what)
		return err
	}
	_, err := fmt.Fprintln(opts.IO.Out, th.Error.Render("✗ invalid: ")+r.Reason)
	return err
}
