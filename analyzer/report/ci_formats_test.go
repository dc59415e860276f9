package report

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer"
)

// withSuppressed is the sample result plus a suppressed finding, as
// --include-suppressed passes it.
func withSuppressed(t *testing.T) *analyzer.Result {
	res := sampleResult(t)
	f := *res.Findings[0]
	f.RuleID, f.Message, f.Fingerprint = "DJL903", "a finding a comment suppresses", "4444444444444444"
	f.Suppressed = &analyzer.Suppressed{Justification: "fixture data, never deployed"}
	res.Findings = append(res.Findings, &f)
	analyzer.SortFindings(res.Findings)
	return res
}

// TestJUnitStructure checks the junit report against the JUnit XML
// structure CI servers read: <testsuites> of <testsuite> of <testcase>,
// each case with name and classname, a <failure type message> per finding
// or <skipped> for a suppressed one, and tests/failures/skipped counts that
// add up at both levels.
func TestJUnitStructure(t *testing.T) {
	type failure struct {
		Type    string `xml:"type,attr"`
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
	type tcase struct {
		Name      string    `xml:"name,attr"`
		ClassName string    `xml:"classname,attr"`
		File      string    `xml:"file,attr"`
		Line      int       `xml:"line,attr"`
		Failure   []failure `xml:"failure"`
		Skipped   []struct {
			Message string `xml:"message,attr"`
		} `xml:"skipped"`
	}
	type suite struct {
		Name                             string  `xml:"name,attr"`
		Tests, Failures, Errors, Skipped int     `xml:",attr"`
		Cases                            []tcase `xml:"testcase"`
	}
	type suites struct {
		XMLName                          xml.Name
		Tests, Failures, Errors, Skipped int     `xml:",attr"`
		Suites                           []suite `xml:"testsuite"`
	}
	// encoding/xml matches attributes by field name only when the tag
	// names them; spell the counters out.
	parse := func(data []byte) suites {
		t.Helper()
		var raw struct {
			XMLName  xml.Name
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Errors   int `xml:"errors,attr"`
			Skipped  int `xml:"skipped,attr"`
			Suites   []struct {
				Name     string  `xml:"name,attr"`
				Tests    int     `xml:"tests,attr"`
				Failures int     `xml:"failures,attr"`
				Errors   int     `xml:"errors,attr"`
				Skipped  int     `xml:"skipped,attr"`
				Cases    []tcase `xml:"testcase"`
			} `xml:"testsuite"`
		}
		if err := xml.Unmarshal(data, &raw); err != nil {
			t.Fatalf("junit report is not XML: %v\n%s", err, data)
		}
		out := suites{XMLName: raw.XMLName, Tests: raw.Tests, Failures: raw.Failures, Errors: raw.Errors, Skipped: raw.Skipped}
		for _, s := range raw.Suites {
			out.Suites = append(out.Suites, suite{s.Name, s.Tests, s.Failures, s.Errors, s.Skipped, s.Cases})
		}
		return out
	}
	data := render(t, "junit", withSuppressed(t), Options{})
	if !strings.HasPrefix(string(data), xml.Header) {
		t.Errorf("no XML declaration:\n%s", data)
	}
	doc := parse(data)
	if doc.XMLName.Local != "testsuites" || len(doc.Suites) == 0 {
		t.Fatalf("root %q with %d suites", doc.XMLName.Local, len(doc.Suites))
	}
	var tests, failures, skipped int
	for _, s := range doc.Suites {
		if s.Name == "" {
			t.Error("testsuite without a name")
		}
		var f, k int
		for _, c := range s.Cases {
			if c.Name == "" || c.ClassName == "" {
				t.Errorf("testcase without name or classname: %+v", c)
			}
			if len(c.Failure)+len(c.Skipped) != 1 {
				t.Errorf("testcase %q: want exactly one failure or skipped, got %d and %d", c.Name, len(c.Failure), len(c.Skipped))
			}
			for _, fl := range c.Failure {
				if fl.Type == "" || fl.Message == "" || !strings.Contains(fl.Text, fl.Type) {
					t.Errorf("testcase %q: failure %+v", c.Name, fl)
				}
			}
			for _, sk := range c.Skipped {
				if !strings.Contains(sk.Message, "fixture data, never deployed") {
					t.Errorf("skipped without the suppression's reason: %q", sk.Message)
				}
			}
			f += len(c.Failure)
			k += len(c.Skipped)
		}
		if s.Tests != len(s.Cases) || s.Failures != f || s.Skipped != k || s.Errors != 0 {
			t.Errorf("suite %s counts tests=%d failures=%d skipped=%d, cases say %d, %d, %d", s.Name, s.Tests, s.Failures, s.Skipped, len(s.Cases), f, k)
		}
		tests, failures, skipped = tests+s.Tests, failures+s.Failures, skipped+s.Skipped
	}
	if doc.Tests != tests || doc.Failures != failures || doc.Skipped != skipped {
		t.Errorf("testsuites counts %d/%d/%d, suites add up to %d/%d/%d", doc.Tests, doc.Failures, doc.Skipped, tests, failures, skipped)
	}
	if failures != 4 || skipped != 1 {
		t.Errorf("want 4 failures and 1 skipped, got %d and %d", failures, skipped)
	}
	// A clean run is one passing test case.
	empty := parse(render(t, "junit", &analyzer.Result{}, Options{}))
	if empty.Tests != 1 || empty.Failures != 0 || len(empty.Suites) != 1 || len(empty.Suites[0].Cases) != 1 || len(empty.Suites[0].Cases[0].Failure) != 0 {
		t.Errorf("clean run: %+v", empty)
	}
}

// TestGitLabFields checks the gitlab report against the fields GitLab's
// Code Quality documentation requires of each issue: description,
// check_name, fingerprint (unique in the report), severity (info, minor,
// major, critical or blocker), location.path (relative, of a real file) and
// location.lines.begin.
func TestGitLabFields(t *testing.T) {
	data := render(t, "gitlab", withSuppressed(t), Options{})
	var issues []map[string]any
	if err := json.Unmarshal(data, &issues); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, data)
	}
	if len(issues) != 5 {
		t.Fatalf("want 5 issues, got %d:\n%s", len(issues), data)
	}
	severities := map[string]bool{"info": true, "minor": true, "major": true, "critical": true, "blocker": true}
	fps := map[string]bool{}
	suppressed := 0
	for _, is := range issues {
		desc, _ := is["description"].(string)
		check, _ := is["check_name"].(string)
		fp, _ := is["fingerprint"].(string)
		sev, _ := is["severity"].(string)
		loc, _ := is["location"].(map[string]any)
		path, _ := loc["path"].(string)
		lines, _ := loc["lines"].(map[string]any)
		begin, _ := lines["begin"].(float64)
		if desc == "" || check == "" || fp == "" || !severities[sev] || path == "" || begin < 1 {
			t.Errorf("issue lacks a required field: %v", is)
		}
		if strings.HasPrefix(path, "/") || strings.HasPrefix(path, "<") {
			t.Errorf("path %q is not a relative path of the repository", path)
		}
		if fps[fp] {
			t.Errorf("fingerprint %s is not unique", fp)
		}
		fps[fp] = true
		if strings.HasPrefix(desc, "[suppressed] ") {
			suppressed++
			if sev != "info" {
				t.Errorf("suppressed issue has severity %s", sev)
			}
		}
	}
	if suppressed != 1 {
		t.Errorf("want 1 suppressed issue, got %d", suppressed)
	}
	if again := render(t, "gitlab", withSuppressed(t), Options{}); string(again) != string(data) {
		t.Error("gitlab report is not deterministic")
	}
}

// TestSuppressedMarked: every format marks a suppressed finding, and the
// summaries count it apart.
func TestSuppressedMarked(t *testing.T) {
	res := withSuppressed(t)
	for format, want := range map[string]string{
		"text":    "DJL903 [suppressed] a finding a comment suppresses",
		"concise": "DJL903 [suppressed] a finding a comment suppresses",
		"github":  "title=DJL903 [suppressed] ",
		"sarif":   `"justification": "fixture data, never deployed"`,
		"junit":   `<skipped message="suppressed: fixture data, never deployed">`,
		"gitlab":  `"description": "[suppressed] a finding a comment suppresses"`,
	} {
		if out := string(render(t, format, res, Options{})); !strings.Contains(out, want) {
			t.Errorf("%s output lacks %q:\n%s", format, want, out)
		}
	}
	text := string(render(t, "text", res, Options{}))
	if !strings.Contains(text, "= suppressed: fixture data, never deployed") ||
		!strings.Contains(text, "Found 4 findings (1 error, 2 warnings, 1 note) in 7 files; 1 suppressed finding shown.") {
		t.Errorf("text summary:\n%s", text)
	}
	var rep JSONReport
	if err := json.Unmarshal(render(t, "json", res, Options{}), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Summary.Findings != 4 || rep.Summary.Suppressed != 1 || len(rep.Findings) != 5 {
		t.Errorf("json summary %+v with %d findings", rep.Summary, len(rep.Findings))
	}
	n := 0
	for _, f := range rep.Findings {
		if f.Suppressed {
			n++
			if f.Justification != "fixture data, never deployed" {
				t.Errorf("justification %q", f.Justification)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d findings marked suppressed in JSON", n)
	}
	if strings.Contains(string(render(t, "json", sampleResult(t), Options{})), "suppressed") {
		t.Error("json mentions suppression without suppressed findings")
	}
}
