package handlercheck_test

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/kwh-cli/kwh/internal/handlercheck"
)

func TestJUnit(t *testing.T) {
	results := []handlercheck.Result{
		{Scenario: "transport", Subject: "https://u:pw@hooks.example.com/kibo", Status: handlercheck.OK, Detail: "answered 200", Duration: 12 * time.Millisecond},
		{Scenario: "topic", Subject: "order.opened", Status: handlercheck.Fail, Detail: `answered 202 <Accepted> & "more"`},
		{Scenario: "signature", Subject: "Date 10 min old", Status: handlercheck.Warn, Detail: "accepts a stale push"},
		{Scenario: "burst", Subject: "10 × order.opened", Status: handlercheck.Warn, Detail: "not run: x", NotRun: true},
	}
	var buf bytes.Buffer
	start := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	if err := handlercheck.NewJUnit("https://u:pw@hooks.example.com/kibo", results, start, 1500*time.Millisecond).Write(&buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "pw@") {
		t.Errorf("the URL's password is in the report:\n%s", buf.String())
	}
	var got handlercheck.JUnit
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	s := got.Suites[0]
	if got.Tests != 4 || got.Failures != 1 || got.Skipped != 1 || s.Tests != 4 || s.Time != "1.500" || s.Timestamp != "2026-11-26T12:00:00" {
		t.Errorf("counts: %+v", got)
	}
	c := s.Cases
	switch {
	case c[0].Name != "transport: https://u:xxxxx@hooks.example.com/kibo" || c[0].Classname != "kwh.check.transport" || c[0].Time != "0.012" || c[0].Failure != nil:
		t.Errorf("ok case: %+v", c[0])
	case c[1].Failure == nil || c[1].Failure.Message != `answered 202 <Accepted> & "more"`:
		t.Errorf("failed case: %+v", c[1])
	case c[2].Failure != nil || c[2].SystemOut != "warning: accepts a stale push":
		t.Errorf("warning: %+v", c[2])
	case c[3].Skipped == nil || c[3].Skipped.Message != "not run: x":
		t.Errorf("not run: %+v", c[3])
	}
}
