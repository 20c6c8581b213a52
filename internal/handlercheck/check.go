// Package handlercheck tests a webhook handler against what Kibo does to it:
// every topic answered 200 within 45 s, duplicates, events out of order,
// bursts, unsigned and forged pushes, redirects and slow answers. Each
// scenario is a function that sends signed pushes and returns its verdict.
// It never imports cobra, viper or the terminal.
package handlercheck

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/kwh-cli/kwh/internal/kibo"
	"github.com/kwh-cli/kwh/internal/webhook"
)

// Status is a scenario's verdict.
type Status string

// Verdicts: ok passes, warn passes with a caveat, fail is what Kibo would fail.
const (
	OK   Status = "ok"
	Warn Status = "warn"
	Fail Status = "fail"
)

// Scenario names, as the JSON and JUnit outputs spell them.
const (
	ScenarioTransport  = "transport"
	ScenarioTopic      = "topic"
	ScenarioDuplicates = "duplicates"
	ScenarioOutOfOrder = "out-of-order"
	ScenarioBurst      = "burst"
	ScenarioSignature  = "signature"
)

// Result is one row of the report.
type Result struct {
	Scenario string `json:"scenario"`
	Subject  string `json:"subject"`
	Status   Status `json:"status"`
	Detail   string `json:"detail"`
	// LatencyMs is the slowest answer the scenario got.
	LatencyMs float64 `json:"latencyMs"`
	// NotRun marks a scenario that could not be judged because an earlier
	// one failed (Status is Warn).
	NotRun bool `json:"-"`
	// Duration is how long the scenario took, for JUnit.
	Duration time.Duration `json:"-"`
}

// Config is what to check and how.
type Config struct {
	URL     string
	Secret  string          // the shared secret pushes are signed with
	Context webhook.Context // tenant and site headers
	Topics  []string        // topic names (no globs)
	// Burst is how many pushes the burst scenario sends at once (default 10).
	Burst int
	// Timeout is how long a push may take (default Kibo's 45 s).
	Timeout time.Duration
	// Slow is the latency above which a 200 is a warning (default 10 s).
	Slow      time.Duration
	Transport http.RoundTripper
	Now       func() time.Time
	// OnResult, when set, sees each result as it is decided.
	OnResult func(Result)
}

// DefaultBurst and DefaultSlow are the defaults of Config.
const (
	DefaultBurst = 10
	DefaultSlow  = 10 * time.Second
)

// Checker runs the scenarios against one handler; each is a method that can
// be run alone.
type Checker struct {
	cfg    Config
	client *http.Client
}

// New applies the defaults to cfg.
func New(cfg Config) *Checker {
	if cfg.Burst <= 0 {
		cfg.Burst = DefaultBurst
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = kibo.PushTimeout
	}
	if cfg.Slow <= 0 {
		cfg.Slow = DefaultSlow
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	// Kibo never follows a redirect: neither does the check.
	return &Checker{cfg: cfg, client: webhook.PushClient(cfg.Timeout, cfg.Transport)}
}

// Run runs every scenario in order and returns one result per row. When ctx
// ends it returns ctx's error and the rows decided before.
func Run(ctx context.Context, cfg Config) ([]Result, error) {
	if len(cfg.Topics) == 0 {
		return nil, errors.New("no topics to check")
	}
	c := New(cfg)
	var out []Result
	emit := func(rs ...Result) {
		for _, r := range rs {
			if ctx.Err() != nil {
				return // decided by the interruption, not by the handler
			}
			out = append(out, r)
			if c.cfg.OnResult != nil {
				c.cfg.OnResult(r)
			}
		}
	}
	families := Families(cfg.Topics)
	first := families[0].Topics[0]
	transport := c.Transport(ctx, first)
	emit(transport)
	if transport.Status == Fail {
		emit(c.notRun(families, "the handler is not reachable as Kibo needs (see transport)")...)
		return out, ctx.Err()
	}
	topics := c.Topics(ctx, families)
	emit(topics...)
	good := passed(topics)
	if len(good) == 0 {
		emit(notRun(ScenarioDuplicates, first, "no topic was answered 200"),
			notRun(ScenarioBurst, first, "no topic was answered 200"))
	} else {
		emit(c.Duplicates(ctx, good[0]))
		for _, f := range Families(good) {
			if len(f.Topics) > 1 {
				emit(c.OutOfOrder(ctx, f))
			}
		}
		emit(c.Burst(ctx, good[0]))
	}
	emit(c.ForgedSignature(ctx, first), c.MissingSignature(ctx, first), c.StaleSignature(ctx, first))
	return out, ctx.Err()
}

// passed lists the topics whose row did not fail, in row order.
func passed(rows []Result) []string {
	var out []string
	for _, r := range rows {
		if r.Status != Fail {
			out = append(out, r.Subject)
		}
	}
	return out
}

// notRun is the row of a scenario an earlier failure made pointless.
func notRun(scenario, subject, why string) Result {
	return Result{Scenario: scenario, Subject: subject, Status: Warn, Detail: "not run: " + why, NotRun: true}
}

func (c *Checker) notRun(families []Family, why string) []Result {
	var out []Result
	for _, f := range families {
		for _, t := range f.Topics {
			out = append(out, notRun(ScenarioTopic, t, why))
		}
	}
	first := families[0].Topics[0]
	out = append(out, notRun(ScenarioDuplicates, first, why))
	for _, f := range families {
		if len(f.Topics) > 1 {
			out = append(out, notRun(ScenarioOutOfOrder, f.Name+".*", why))
		}
	}
	out = append(out, notRun(ScenarioBurst, first, why))
	for _, s := range signatureSubjects {
		out = append(out, notRun(ScenarioSignature, s, why))
	}
	return out
}

// judgeAccepted is Kibo's verdict on a push it sent in earnest: 200 within
// the timeout, no redirect; a 200 slower than Slow is a warning.
func (c *Checker) judgeAccepted(a answer) (Status, string) {
	switch {
	case a.Err != nil:
		return Fail, c.describeError(a.Err)
	case a.Status >= 300 && a.Status < 400:
		return Fail, redirectDetail(a)
	case a.Status == 401 || a.Status == 403:
		return Fail, fmt.Sprintf("answered %s to a validly signed push: does the handler check with the same shared secret?", statusText(a.Status))
	case !kibo.PushAccepted(a.Status):
		return Fail, fmt.Sprintf("answered %s: Kibo counts only 200 as delivered and resends", statusText(a.Status))
	case a.Latency > c.cfg.Slow:
		return Warn, fmt.Sprintf("200 after %s: Kibo gives up at %s", ms(a.Latency), c.cfg.Timeout)
	}
	return OK, "200 in " + ms(a.Latency)
}

func redirectDetail(a answer) string {
	to := ""
	if a.Location != "" {
		to = " to " + a.Location
	}
	return fmt.Sprintf("redirects (%d)%s: Kibo does not follow redirects", a.Status, to)
}

func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
