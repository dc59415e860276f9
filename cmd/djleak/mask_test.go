package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/report"
)

// TestNoSecretInAnyOutput runs every output format (and the baseline
// file) over a project full of literal secrets on the lines the findings
// show, and fails if any of them appears in full. Each secret must appear
// masked somewhere, so that the test also proves its line was shown.
func TestNoSecretInAnyOutput(t *testing.T) {
	dir, secrets := analyzertest.SecretsProject(t, "../../testdata/secrets.txtar")
	outputs := map[string]string{}
	for _, format := range report.Formats {
		for _, extra := range [][]string{nil, {"--include-suppressed"}, {"--color", "always"}} {
			args := append([]string{"check", "--format", format, "--color", "never"}, extra...)
			code, out, errs := runCLI(t, append(args, dir)...)
			if code != exitFindings {
				t.Fatalf("%v: exit %d, want 1\n%s", args, code, errs)
			}
			outputs[strings.Join(args[1:], " ")] = out + errs
		}
	}
	// Standard input linted as a file of the project.
	views, err := os.ReadFile(filepath.Join(dir, "mysite/views.py"))
	if err != nil {
		t.Fatal(err)
	}
	var out, errb strings.Builder
	code := run([]string{"check", "--root", dir, "--stdin-filename", filepath.Join(dir, "mysite/views.py"), "-"},
		strings.NewReader(string(views)), &out, &errb)
	if code != exitFindings {
		t.Fatalf("stdin: exit %d\n%s", code, errb.String())
	}
	outputs["stdin"] = out.String() + errb.String()
	baseline := filepath.Join(t.TempDir(), "baseline.json")
	if code, _, errs := runCLI(t, "check", "--write-baseline", baseline, dir); code != exitClean {
		t.Fatalf("--write-baseline: exit %d\n%s", code, errs)
	}
	b, err := os.ReadFile(baseline)
	if err != nil {
		t.Fatal(err)
	}
	outputs["baseline"] = string(b)

	shown := map[string]bool{}
	for name, out := range outputs {
		for _, s := range analyzertest.Leaked(out, secrets) {
			i := strings.Index(out, s)
			if i < 0 {
				i = 0
			}
			t.Errorf("%s shows the secret %q: …%s…", name, s, out[max(i-80, 0):min(i+len(s)+20, len(out))])
		}
		for _, s := range secrets {
			if strings.Contains(out, analyzer.Mask(s)) {
				shown[s] = true
			}
		}
	}
	for _, s := range secrets {
		if !shown[s] {
			t.Errorf("no output shows %q masked (%q): the fixture no longer puts it on a shown line", s, analyzer.Mask(s))
		}
	}
}
