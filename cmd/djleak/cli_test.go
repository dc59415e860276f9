package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/rules"
)

const seed = "../../testdata/seed"

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestSeedExample(t *testing.T) {
	code, out, errs := runCLI(t, "check", "--color", "never", seed)
	if code != exitFindings {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	for _, want := range []string{
		"mysite/settings.py:3:1: DJL401",
		"mysite/settings.py:3:1: DJL402",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestExitCodes(t *testing.T) {
	clean := analyzertest.Write(t, `
-- .djleak.toml --
-- mysite/settings.py --
INSTALLED_APPS = []
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
`)
	if code, out, errs := runCLI(t, "check", clean); code != exitClean {
		t.Errorf("clean project: exit %d\n%s%s", code, out, errs)
	}
	if code, _, _ := runCLI(t, "check", seed); code != exitFindings {
		t.Errorf("findings: exit %d, want 1", code)
	}
	if code, _, _ := runCLI(t, "check", "--exit-zero", seed); code != exitClean {
		t.Errorf("--exit-zero: exit %d, want 0", code)
	}
	if code, _, errs := runCLI(t, "check", "does/not/exist"); code != exitError || !strings.Contains(errs, "does/not/exist") {
		t.Errorf("missing path: exit %d, stderr %q", code, errs)
	}
	if code, _, _ := runCLI(t, "check", "--format", "xml", seed); code != exitError {
		t.Errorf("bad format: exit %d, want 2", code)
	}
	if code, _, _ := runCLI(t, "check", "--select", "ZZZ9", seed); code != exitError {
		t.Errorf("bad selector: exit %d, want 2", code)
	}
	if code, _, _ := runCLI(t, "frobnicate"); code != exitError {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	badcfg := analyzertest.Write(t, "-- .djleak.toml --\nselcet = []\n-- a.py --\nx = 1\n")
	if code, _, errs := runCLI(t, "check", badcfg); code != exitError || !strings.Contains(errs, ".djleak.toml") || !strings.Contains(errs, "selcet") {
		t.Errorf("bad config: exit %d, stderr %q", code, errs)
	}
}

func TestSelectIgnore(t *testing.T) {
	_, out, _ := runCLI(t, "check", "--format", "concise", "--select", "DJL402", seed)
	if strings.Contains(out, "DJL401") || !strings.Contains(out, "DJL402") {
		t.Errorf("--select DJL402:\n%s", out)
	}
	_, out, _ = runCLI(t, "check", "--format", "concise", "--ignore", "DJL40", seed)
	if strings.Contains(out, "DJL40") {
		t.Errorf("--ignore DJL40:\n%s", out)
	}
}

// TestExplicitFiles: a pre-commit hook passes only changed files. Findings
// are limited to them, while project context (nginx, settings, identity
// reads elsewhere) still comes from the whole project.
func TestExplicitFiles(t *testing.T) {
	dir := analyzertest.Write(t, `
-- .djleak.toml --
-- mysite/settings.py --
INSTALLED_APPS = []
SESSION_COOKIE_SECURE = False
-- app/middleware.py --
def mw(request):
    return request.META.get("HTTP_X_CLIENT_DN")
-- nginx/site.conf --
server {
    listen 443 ssl;
    location / {
        proxy_pass http://127.0.0.1:8000;
    }
}
`)
	code, out, errs := runCLI(t, "check", "--format", "concise", filepath.Join(dir, "nginx/site.conf"))
	if code != exitFindings {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, "nginx/site.conf:1:1: NGX101") {
		t.Errorf("want NGX101 (needs the Django read from another file):\n%s", out)
	}
	if strings.Contains(out, "settings.py") {
		t.Errorf("findings outside the given file were reported:\n%s", out)
	}
}

// TestDeterministic: output is byte-identical whatever the worker count.
func TestDeterministic(t *testing.T) {
	for _, format := range []string{"text", "json", "sarif"} {
		_, one, _ := runCLI(t, "check", "--format", format, "--workers", "1", "--color", "never", seed)
		for _, w := range []string{"2", "8"} {
			_, many, _ := runCLI(t, "check", "--format", format, "--workers", w, "--color", "never", seed)
			if one != many {
				t.Errorf("%s output differs between 1 and %s workers", format, w)
			}
		}
	}
}

func TestRulesAndExplain(t *testing.T) {
	code, out, _ := runCLI(t, "rules")
	if code != exitClean || !strings.Contains(out, "DJL401") || !strings.Contains(out, "session-cookie-not-secure") {
		t.Errorf("rules: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "rules", "--format", "json")
	var list []map[string]any
	if code != exitClean || json.Unmarshal([]byte(out), &list) != nil || len(list) == 0 {
		t.Errorf("rules --format json: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "explain", "DJL401")
	if code != exitClean || !strings.Contains(out, "## What it does") || !strings.Contains(out, "SESSION_COOKIE_SECURE = True") {
		t.Errorf("explain: exit %d\n%s", code, out)
	}
	if code, _, _ := runCLI(t, "explain", "DJL999"); code != exitError {
		t.Errorf("explain unknown: exit %d", code)
	}
}

func TestOutputFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.sarif")
	code, stdout, _ := runCLI(t, "check", "--format", "sarif", "--output", out, seed)
	if code != exitFindings || stdout != "" {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	data, err := os.ReadFile(out)
	if err != nil || !json.Valid(data) {
		t.Fatalf("report file: %v", err)
	}
}

// TestSARIFMultitool validates real runs' SARIF with Microsoft's SARIF
// Multitool in strict mode: the seed, every rule's documented Example and
// every rule fixture, so that each rule's findings — related locations,
// code flows across files, built-in nginx files, masked secrets — are
// checked. It needs the tool from .ci/install-deps; without it the test
// skips locally and fails in CI.
func TestSARIFMultitool(t *testing.T) {
	tool, _ := filepath.Abs("../../.ci/sarif-validate")
	mt, _ := filepath.Abs("../../.ci/node_modules/.bin/sarif-multitool")
	if _, err := os.Stat(mt); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("SARIF Multitool missing in CI; .ci/install-deps should have installed it")
		}
		t.Skip("SARIF Multitool not installed; run .ci/install-deps")
	}
	projects := map[string]string{"seed": seed}
	for _, r := range rules.All() {
		projects["example-"+r.ID] = analyzertest.Write(t, r.Example)
	}
	fixtures, _ := filepath.Glob("../../rules/testdata/fixtures/*.txtar")
	for _, f := range fixtures {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		projects["fixture-"+strings.TrimSuffix(filepath.Base(f), ".txtar")] = analyzertest.Write(t, string(data))
	}
	outDir := t.TempDir()
	var outs []string
	rulesSeen := map[string]bool{}
	for name, dir := range projects {
		out := filepath.Join(outDir, name+".sarif")
		if code, _, errs := runCLI(t, "check", "--format", "sarif", "--report-unused-ignores", "--output", out, "--root", dir, dir); code != exitFindings && code != exitClean {
			t.Fatalf("%s: exit %d: %s", name, code, errs)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var log struct {
			Runs []struct {
				Results []struct {
					RuleID string `json:"ruleId"`
				} `json:"results"`
			} `json:"runs"`
		}
		if err := json.Unmarshal(data, &log); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, run := range log.Runs {
			for _, r := range run.Results {
				rulesSeen[r.RuleID] = true
			}
		}
		outs = append(outs, out)
	}
	for _, r := range rules.All() {
		if !rulesSeen[r.ID] {
			t.Errorf("no SARIF result of %s was validated", r.ID)
		}
	}
	sort.Strings(outs)
	cmd := exec.Command(tool, append([]string{"--strict"}, outs...)...)
	msg, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("multitool validation failed: %v\n%s", err, msg)
	}
	t.Logf("%d SARIF logs validated", len(outs))
}
