package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const report = `{"runs": [{"tool": {"driver": {"rules": [
  {"id": "DJL101", "shortDescription": {"text": "Token in a URL"}, "helpUri": "https://example.com/djl101"},
  {"id": "NGX201", "shortDescription": {"text": "Header shadowed"}}]}},
 "results": [
  {"ruleId": "DJL101", "ruleIndex": 0, "level": "warning", "message": {"text": "token in extra\\[x\\], 100%, a|b. Related locations: [app/v.py:3](1)."},
   "locations": [{"physicalLocation": {"artifactLocation": {"uri": "my%20app/v.py"}, "region": {"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 9}}}]},
  {"ruleId": "NGX201", "ruleIndex": 1, "level": "error", "message": {"text": "shadowed"},
   "locations": [{"physicalLocation": {"artifactLocation": {"uri": "nginx/a.conf"}, "region": {"startLine": 2, "endLine": 4}}}]},
  {"ruleId": "NGX201", "ruleIndex": 1, "level": "error", "message": {"text": "suppressed"}, "suppressions": [{"kind": "inSource"}],
   "locations": [{"physicalLocation": {"artifactLocation": {"uri": "nginx/a.conf"}, "region": {"startLine": 9}}}]},
  {"ruleId": "DJL101", "ruleIndex": 0, "level": "note", "message": {"text": "a note"},
   "locations": [{"physicalLocation": {"artifactLocation": {"uri": "b.py"}, "region": {"startLine": 1}}}]}]}]}`

func TestAnnotate(t *testing.T) {
	dir := t.TempDir()
	sarif, summary, outputs := filepath.Join(dir, "r.sarif"), filepath.Join(dir, "s.md"), filepath.Join(dir, "o")
	os.WriteFile(sarif, []byte(report), 0o644)
	var out, errb bytes.Buffer
	if code := run([]string{"--sarif", sarif, "--max-annotations", "2", "--summary", summary, "--fail-on", "error", "--github-output", outputs}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	want := "::error file=nginx/a.conf,line=2,endLine=4,title=NGX201%3A Header shadowed::shadowed\n" +
		"::warning file=my app/v.py,line=3,col=5,endLine=3,endColumn=9,title=DJL101%3A Token in a URL::token in extra[x], 100%25, a|b. Related locations: app/v.py:3.\n"
	if out.String() != want {
		t.Errorf("annotations:\n%s\nwant:\n%s", out.String(), want)
	}
	sum, _ := os.ReadFile(summary)
	for _, w := range []string{"3 findings: 1 errors, 1 warnings, 1 notes.", "the other 1 are listed below only", "| not annotated | note | [DJL101](https://example.com/djl101) | `b.py:1` | a note |", `a\|b`} {
		if !strings.Contains(string(sum), w) {
			t.Errorf("summary lacks %q:\n%s", w, sum)
		}
	}
	if strings.Contains(string(sum), "suppressed") {
		t.Errorf("summary lists a suppressed finding:\n%s", sum)
	}
	if got, _ := os.ReadFile(outputs); string(got) != "findings=3\nfail=true\n" {
		t.Errorf("outputs = %q", got)
	}
	os.Remove(outputs)
	run([]string{"--sarif", sarif, "--fail-on", "never", "--github-output", outputs}, &out, &errb)
	if got, _ := os.ReadFile(outputs); string(got) != "findings=3\nfail=false\n" {
		t.Errorf("fail-on never: outputs = %q", got)
	}
	for _, args := range [][]string{{}, {"--sarif", sarif, "--fail-on", "bad"}, {"--sarif", filepath.Join(dir, "missing")}, {"--sarif", summary}} {
		if code := run(args, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
