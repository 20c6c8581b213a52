// Package check implements `kwh check URL`: will this handler survive Kibo?
package check

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kwh-cli/kwh/internal/cmdutil"
	"github.com/kwh-cli/kwh/internal/config"
	"github.com/kwh-cli/kwh/internal/handlercheck"
	"github.com/kwh-cli/kwh/internal/iostreams"
	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/output"
	"github.com/kwh-cli/kwh/internal/ui"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// Options are the inputs of `kwh check`.
type Options struct {
	IO        *iostreams.IOStreams
	Profile   func() (config.Profile, error)
	ClientFor func(config.Profile) (*kibo.Client, error)
	Printer   func() *output.Printer
	Theme     func() *ui.Theme
	Transport http.RoundTripper
	Now       func() time.Time
	Quiet     bool

	URL          string
	Topics       []string
	Subscription string
	Concurrency  int
	Timeout      time.Duration
	JUnit        string
	SecretStdin  bool
}

// NewCmdCheck is `kwh check URL`.
func NewCmdCheck(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Profile: f.Profile, ClientFor: f.ClientFor, Printer: f.Printer, Theme: f.Theme, Transport: f.Transport, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "check <url>",
		Short: "Test a webhook handler against what Kibo does to it",
		Long: `Send signed test pushes (isTest: true, bodies shaped like Kibo's, fresh
eventIds, Kibo's headers and x-vol-hmac-sha256) to a handler and report one
row per scenario, before Kibo finds the problem in production:

  transport           reachable, TLS sound, no redirect (Kibo follows none),
                      an answer within --timeout (warned above 10 s)
  topic               each topic answered 200 (201, 202 and 204 are failures
                      to Kibo), a family's topics in process order
  duplicates          one event three times, the last with its eventId as 32
                      hex digits: each answered 200
  out-of-order        one entity's topics in reverse process order
                      (order.closed before order.opened): each answered 200
  burst               --concurrency distinct events at once: each answered
                      200; latency p50 and p99
  signature           a forged and a missing signature must be refused (401
                      or 403); a valid one with a Date 10 minutes old should be

Topics come from --topic (globs such as order.*), or the topics of
--subscription, or else those of the subscriptions whose endpoint is URL (all
subscriptions when none is), or else order.*. Process order within a family
(order.*, shipment.*) follows the verb: created/opened first, changes in
between, closed/cancelled/deleted last.

Pushes are signed with the profile's shared secret (KIBO_SHARED_SECRET, or
--shared-secret-stdin). --timeout here is Kibo's limit on an answer, not the
timeout of calls to Kibo's API. Exits
0 when nothing failed and 3 when a scenario failed; warnings do not fail.
--junit FILE also writes a JUnit XML report for CI systems.`,
		Example: `  kwh check http://localhost:3000/hooks --topic 'order.*'
  kwh check https://hooks.example.com/kibo --subscription 3f9c
  kwh check "$HANDLER_URL" --topic 'order.*' --topic 'shipment.*' --junit kwh-check.xml
  kwh check http://localhost:3000/hooks -o json --jq '.[] | select(.status != "ok")'
  printenv HOOK_SECRET | kwh check "$HANDLER_URL" --shared-secret-stdin`,
		Args: cmdutil.ExactArgs(1, "which handler? give its URL, e.g. http://localhost:3000/hooks"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.URL, opts.Quiet = args[0], f.Flags.Quiet
			if err := cmdutil.CheckURL(opts.URL); err != nil {
				return err
			}
			if len(opts.Topics) > 0 && opts.Subscription != "" {
				return cmdutil.FlagErrorf("--topic and --subscription both choose the topics: give one")
			}
			if opts.Concurrency < 1 || opts.Concurrency > 1000 {
				return cmdutil.FlagErrorf("--concurrency must be between 1 and 1000")
			}
			if opts.Timeout <= 0 {
				return cmdutil.FlagErrorf("--timeout must be positive")
			}
			if runF != nil {
				return runF(opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.Topics, "topic", nil, "topic or glob to check (repeatable; default: the subscriptions' topics)")
	fl.StringVar(&opts.Subscription, "subscription", "", "check the topics of this push subscription")
	_ = cmd.RegisterFlagCompletionFunc("subscription", f.CompleteSubscriptions)
	fl.IntVar(&opts.Concurrency, "concurrency", handlercheck.DefaultBurst, "pushes sent at once in the burst scenario")
	cmdutil.DurationVar(fl, &opts.Timeout, "timeout", kibo.PushTimeout, "how long Kibo waits for an answer")
	fl.StringVar(&opts.JUnit, "junit", "", "also write a JUnit XML report to this file")
	fl.BoolVar(&opts.SecretStdin, "shared-secret-stdin", false, "read the shared secret from stdin instead of the profile")
	_ = cmd.RegisterFlagCompletionFunc("topic", cmdutil.CompleteTopics)
	_ = cmd.MarkFlagFilename("junit", "xml")
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	p, err := opts.Profile()
	if err != nil {
		return err
	}
	if opts.SecretStdin {
		if p.SharedSecret, err = readSecret(ctx, opts); err != nil {
			return err
		}
	}
	if p.SharedSecret == "" {
		return &cmdutil.NoCredentialsError{Profile: p.Name, Missing: []string{"shared secret (pushes are signed with it; or --shared-secret-stdin)"}}
	}
	topics, source, err := resolveTopics(ctx, opts, p)
	if err != nil {
		return err
	}
	th := opts.Theme()
	if !opts.Quiet {
		fmt.Fprintln(opts.IO.ErrOut, th.Muted.Render(fmt.Sprintf("Checking %s: %d %s from %s, answers wanted within %s",
			opts.URL, len(topics), cmdutil.Plural(len(topics), "topic", "topics"), source, cmdutil.FormatDuration(opts.Timeout))))
		if opts.Timeout > kibo.PushTimeout {
			fmt.Fprintln(opts.IO.ErrOut, th.Warning.Render(fmt.Sprintf("! --timeout %s is longer than Kibo waits (%s): an answer this check passes may still fail with Kibo", cmdutil.FormatDuration(opts.Timeout), cmdutil.FormatDuration(kibo.PushTimeout))))
		}
	}
	progress := opts.IO.StartProgress("checking")
	done, total := 0, expectedRows(topics)
	cfg := handlercheck.Config{
		URL: opts.URL, Secret: p.SharedSecret, Context: webhook.Context{Tenant: p.Tenant, Site: p.Site},
		Topics: topics, Burst: opts.Concurrency, Timeout: opts.Timeout, Transport: opts.Transport, Now: opts.Now,
		OnResult: func(handlercheck.Result) { done++; progress.Update(min(done, total), total) },
	}
	start := opts.Now()
	results, err := handlercheck.Run(ctx, cfg)
	progress.Stop()
	if err != nil {
		if len(results) > 0 { // interrupted: what was decided is still worth seeing
			if perr := printRows(opts, results); perr != nil {
				return perr
			}
		}
		return err
	}
	if opts.JUnit != "" {
		if err := writeJUnit(opts.JUnit, handlercheck.NewJUnit(opts.URL, results, start, opts.Now().Sub(start))); err != nil {
			return err
		}
	}
	return report(opts, results)
}

// maxSecret bounds what --shared-secret-stdin reads: a secret is 32 hex digits.
const maxSecret = 4096

// readSecret reads the shared secret from stdin: without echo after a prompt
// on a terminal, else the whole of a pipe.
func readSecret(ctx context.Context, opts *Options) (string, error) {
	if opts.IO.IsStdinTTY() {
		fmt.Fprint(opts.IO.ErrOut, "Shared secret: ")
		s, err := opts.IO.ReadPassword()
		fmt.Fprintln(opts.IO.ErrOut)
		return strings.TrimSpace(s), err
	}
	raw, err := opts.IO.ReadAllContext(ctx, maxSecret)
	if err != nil {
		return "", fmt.Errorf("--shared-secret-stdin: %w", err)
	}
	return strings.TrimSpace(string(raw)), nil
}

// expectedRows is how many rows a full run makes at most, for the progress.
func expectedRows(topics []string) int {
	n := 1 + len(topics) + 2 + 3
	for _, f := range handlercheck.Families(topics) {
		if len(f.Topics) > 1 {
			n++
		}
	}
	return n
}
