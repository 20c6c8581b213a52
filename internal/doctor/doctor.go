// Package doctor is Kibo's debugging checklist (seed 000) as code: small
// checks, each testable alone, and a runner that runs them in order, skips
// those whose prerequisite failed and reports each result as it is known.
// It never imports cobra, viper or the terminal; the command renders.
package doctor

import (
	"context"
	"fmt"
)

// Status is a check result's verdict.
type Status string

const (
	OK   Status = "ok"
	Warn Status = "warn"
	Fail Status = "fail"
	Skip Status = "skip"
)

// Result is one finding about one subject (a profile, a host, a subscription).
// Its JSON form is what `kwh doctor -o json` prints.
type Result struct {
	Check   string `json:"check"`
	Subject string `json:"subject"`
	Status  Status `json:"status"`
	Detail  string `json:"detail"`
	Hint    string `json:"hint"`
}

// Check is one item of the checklist. Run reports one result per subject.
type Check struct {
	Name string
	// Needs names earlier checks that must not have failed (or been skipped).
	Needs []string
	// Applies, when set, decides whether the check runs at all (opt-in checks
	// such as --probe). A check that does not apply prints nothing.
	Applies func(*Doctor) bool
	Run     func(context.Context, *Doctor) []Result
}

// Report is every result of a run and what to fix first.
type Report struct {
	Results []Result
}

// Count is how many results have this status.
func (r Report) Count(s Status) int {
	n := 0
	for _, res := range r.Results {
		if res.Status == s {
			n++
		}
	}
	return n
}

// FirstProblem is the first failure, else the first warning, or nil.
func (r Report) FirstProblem() *Result {
	for _, want := range []Status{Fail, Warn} {
		for i := range r.Results {
			if r.Results[i].Status == want {
				return &r.Results[i]
			}
		}
	}
	return nil
}

// Failed reports whether any check failed (or, strict, warned).
func (r Report) Failed(strict bool) bool {
	return r.Count(Fail) > 0 || (strict && r.Count(Warn) > 0)
}

// Run runs checks in order with d, calling emit with each result as soon as
// its check finishes. A check whose prerequisite failed or was skipped
// reports one skipped result saying which.
func Run(ctx context.Context, d *Doctor, checks []Check, emit func(Result)) Report {
	var rep Report
	outcome := map[string]Status{} // worst status of each check that ran
	cause := map[string]string{}   // for a skipped check, the failed check behind it
	for _, c := range checks {
		if ctx.Err() != nil {
			break
		}
		if c.Applies != nil && !c.Applies(d) {
			continue
		}
		results, skipped := runOne(ctx, d, c, outcome, cause)
		worst := OK
		if skipped {
			worst = Skip
		}
		for _, r := range results {
			if r.Status == Fail {
				worst = Fail
			}
			rep.Results = append(rep.Results, r)
			if emit != nil {
				emit(r)
			}
		}
		outcome[c.Name] = worst
	}
	return rep
}

// runOne runs c unless a prerequisite failed or was itself skipped; skipped
// says so, for the checks that need c in turn. A check that reports "skip"
// for a subject on its own (not applicable here) does not stop later checks.
func runOne(ctx context.Context, d *Doctor, c Check, outcome map[string]Status, cause map[string]string) (results []Result, skipped bool) {
	for _, need := range c.Needs {
		switch outcome[need] {
		case Fail:
			cause[c.Name] = need
		case Skip:
			cause[c.Name] = cause[need]
		default:
			continue
		}
		return []Result{{Check: c.Name, Status: Skip, Detail: fmt.Sprintf("skipped: the %s check failed", cause[c.Name])}}, true
	}
	results = c.Run(ctx, d)
	for i := range results {
		results[i].Check = c.Name
	}
	return results, false
}
