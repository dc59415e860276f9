package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/djleak/djleak/analyzer"
)

// The junit format is a JUnit XML report, which CI systems (GitLab, Jenkins,
// Azure Pipelines, CircleCI) show as test results: one <testsuite> per file
// with findings, one <testcase> per finding with a <failure> (a suppressed
// finding is <skipped> instead):
//
//	<testsuites name="djleak" tests="1" failures="1" errors="0" skipped="0">
//	  <testsuite name="mysite/settings.py" tests="1" failures="1" errors="0" skipped="0">
//	    <testcase name="DJL401 session-cookie-not-secure at 4:25" classname="mysite/settings.py" file="mysite/settings.py" line="4">
//	      <failure type="DJL401" message="SESSION_COOKIE_SECURE is False: …">mysite/settings.py:4:25: DJL401 …</failure>
//	    </testcase>
//	  </testsuite>
//	</testsuites>
//
// A run without findings has one passing test case, so that the report
// shows that djleak ran.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitFailure `xml:"failure"`
	Skipped   *junitSkipped `xml:"skipped"`
}

type junitFailure struct {
	Type    string `xml:"type,attr"`
	Message string `xml:"message,attr"`
	Text    string `xml:",cdata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

func writeJUnit(w io.Writer, res *analyzer.Result) error {
	out := junitSuites{Name: analyzer.Name}
	index := map[string]int{}
	for _, f := range res.Findings {
		path := f.Location.Path
		i, ok := index[path]
		if !ok {
			i = len(out.Suites)
			index[path] = i
			out.Suites = append(out.Suites, junitSuite{Name: path})
		}
		name := f.RuleID
		if n := ruleName(res, f.RuleID); n != "" {
			name += " " + n
		}
		c := junitCase{
			Name:      fmt.Sprintf("%s at %d:%d", name, f.Location.Start.Line, f.Location.Start.Column),
			ClassName: path,
			Line:      f.Location.Start.Line,
		}
		if !isSynthetic(path) {
			c.File = res.RepoPath(path)
		}
		s := &out.Suites[i]
		s.Tests++
		if f.Suppressed != nil {
			c.Skipped = &junitSkipped{Message: "suppressed: " + xmlText(f.Suppressed.Justification)}
			s.Skipped++
		} else {
			c.Failure = &junitFailure{Type: f.RuleID, Message: xmlText(oneLine(f.Message)), Text: xmlText(junitBody(res, f))}
			s.Failures++
		}
		s.Cases = append(s.Cases, c)
	}
	if len(out.Suites) == 0 {
		out.Suites = []junitSuite{{Name: analyzer.Name, Tests: 1, Cases: []junitCase{{Name: "no findings", ClassName: analyzer.Name}}}}
	}
	for _, s := range out.Suites {
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Skipped += s.Skipped
	}
	ew := &errWriter{w: w}
	ew.printf("%s", xml.Header)
	enc := xml.NewEncoder(ew)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	ew.printf("\n")
	return ew.err
}

// junitBody is the failure's text: the concise line, then the related
// locations and the code flow.
func junitBody(res *analyzer.Result, f *analyzer.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s %s\n", position(res, f.Location), f.RuleID, printable(f.Message))
	for _, r := range f.Related {
		fmt.Fprintf(&b, "related: %s: %s\n", position(res, r.Location), printable(r.Message))
	}
	for n, s := range f.Flow {
		fmt.Fprintf(&b, "flow: %d. %s %s\n", n+1, position(res, s.Location), printable(s.Message))
	}
	return b.String()
}

// xmlText drops the characters XML 1.0 cannot carry at all (most C0
// controls); encoding/xml would write them as U+FFFD anyway, this keeps
// the output explicit.
func xmlText(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r != 0xFFFE && r != 0xFFFF {
			return r
		}
		return '\uFFFD'
	}, s)
}
