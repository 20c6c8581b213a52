package handlercheck

import (
	"encoding/xml"
	"fmt"
	"io"
	"time"
)

// JUnit is the report in the JUnit XML form CI systems (Jenkins, GitLab,
// GitHub test reporters, Azure) show: one test suite, one test case per row.
// A fail is a <failure>, a scenario that did not run is <skipped>, a warning
// passes with its detail in <system-out>.
type JUnit struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []JUnitSuite `xml:"testsuite"`
}

// JUnitSuite is one run of kwh check against one URL.
type JUnitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []JUnitProperty `xml:"properties>property"`
	Cases      []JUnitCase     `xml:"testcase"`
}

// JUnitProperty is a name/value of the suite.
type JUnitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// JUnitCase is one scenario row.
type JUnitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *JUnitMessage `xml:"failure,omitempty"`
	Skipped   *JUnitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// JUnitMessage is a failure's or a skip's reason.
type JUnitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// NewJUnit builds the report of one run against url, started at start.
func NewJUnit(url string, results []Result, start time.Time, took time.Duration) JUnit {
	s := JUnitSuite{
		Name: "kwh check " + redactedURL(url), Time: seconds(took),
		Timestamp:  start.UTC().Format("2006-01-02T15:04:05"),
		Properties: []JUnitProperty{{Name: "url", Value: redactedURL(url)}},
	}
	for _, r := range results {
		subject := r.Subject
		if r.Scenario == ScenarioTransport {
			subject = redactedURL(subject) // already, when Run made it; a password never reaches CI logs
		}
		tc := JUnitCase{Name: r.Scenario + ": " + subject, Classname: "kwh.check." + r.Scenario, Time: seconds(r.Duration)}
		switch {
		case r.NotRun:
			tc.Skipped = &JUnitMessage{Message: r.Detail}
			s.Skipped++
		case r.Status == Fail:
			tc.Failure = &JUnitMessage{Message: r.Detail, Type: "kibo", Text: r.Detail}
			s.Failures++
		case r.Status == Warn:
			tc.SystemOut = "warning: " + r.Detail
		default:
			tc.SystemOut = r.Detail
		}
		s.Cases = append(s.Cases, tc)
	}
	s.Tests = len(s.Cases)
	return JUnit{Name: "kwh check", Tests: s.Tests, Failures: s.Failures, Skipped: s.Skipped, Time: s.Time, Suites: []JUnitSuite{s}}
}

// Write encodes the report as an XML document.
func (j JUnit) Write(w io.Writer) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(j); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }
