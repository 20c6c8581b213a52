package doctor

import (
	"context"
	"testing"
)

func TestRunSkipsChecksWhosePrerequisiteFailed(t *testing.T) {
	ran := map[string]bool{}
	mk := func(name string, st Status, needs ...string) Check {
		return Check{Name: name, Needs: needs, Run: func(context.Context, *Doctor) []Result {
			ran[name] = true
			return []Result{{Subject: name, Status: st}}
		}}
	}
	checks := []Check{
		mk("a", OK),
		mk("b", Fail, "a"),
		mk("c", OK, "b"),
		mk("d", OK, "c"),
		mk("e", Warn, "a"),
		{Name: "opt-in", Applies: func(*Doctor) bool { return false }, Run: func(context.Context, *Doctor) []Result {
			t.Error("a check that does not apply ran")
			return nil
		}},
	}
	var streamed []string
	rep := Run(context.Background(), &Doctor{}, checks, func(r Result) { streamed = append(streamed, r.Check+":"+string(r.Status)) })
	want := []string{"a:ok", "b:fail", "c:skip", "d:skip", "e:warn"}
	if len(streamed) != len(want) {
		t.Fatalf("streamed %v, want %v", streamed, want)
	}
	for i := range want {
		if streamed[i] != want[i] {
			t.Errorf("result %d is %s, want %s", i, streamed[i], want[i])
		}
	}
	if ran["c"] || ran["d"] {
		t.Error("checks after a failed prerequisite ran")
	}
	if got := rep.Results[3].Detail; got != "skipped: the b check failed" {
		t.Errorf("a skip two levels down names %q, want the failed check b", got)
	}
	if !rep.Failed(false) || rep.FirstProblem().Check != "b" {
		t.Errorf("report: failed %v, first problem %+v", rep.Failed(false), rep.FirstProblem())
	}
}

func TestReportStrict(t *testing.T) {
	rep := Report{Results: []Result{{Status: OK}, {Status: Warn, Check: "w"}, {Status: Skip}}}
	if rep.Failed(false) {
		t.Error("a warning failed without --strict")
	}
	if !rep.Failed(true) {
		t.Error("a warning did not fail with --strict")
	}
	if rep.FirstProblem().Check != "w" {
		t.Error("the first warning is the first problem when nothing failed")
	}
}
