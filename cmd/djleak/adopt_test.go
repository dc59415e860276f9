package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer/analyzertest"
)

const cookieProject = `
-- .djleak.toml --
-- mysite/settings.py --
INSTALLED_APPS = []
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = True
-- nginx/site.conf --
server {
    listen 443 ssl;
    location / {
        proxy_pass http://127.0.0.1:8000;
    }
}
`

// TestStdinFilename: an editor lints an unsaved buffer as if it were at
// PATH, on top of the project on disk, so cross-file rules still work.
func TestStdinFilename(t *testing.T) {
	dir := analyzertest.Write(t, cookieProject)
	t.Chdir(dir) // paths are printed relative to the working directory
	buffer := "def v(request):\n    if request.META.get('HTTP_X_CLIENT_VERIFY'):\n        return request.META.get('HTTP_X_CLIENT_DN')\n"
	var out, errb bytes.Buffer
	code := run([]string{"check", "--format", "concise", "--stdin-filename", filepath.Join(dir, "app/views.py"), "-"},
		strings.NewReader(buffer), &out, &errb)
	if code != exitFindings {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
	}
	// Only the findings that concern the buffer are shown, though the
	// project's other files have findings too: its own, and the nginx
	// findings whose related locations are the buffer's reads.
	for _, want := range []string{
		"app/views.py:3:16: DJL302",
		"nginx/site.conf:3:5: NGX202 location / in server on 443 neither sets nor clears X-Client-DN",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("want %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "settings.py") {
		t.Errorf("a finding unrelated to the buffer:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "app/views.py")); err == nil {
		t.Error("the buffer was written to disk")
	}
	// The same buffer saved as a nginx file path gets nginx findings.
	out.Reset()
	code = run([]string{"check", "--format", "json", "--stdin-filename", filepath.Join(dir, "nginx/site.conf"), "-"},
		strings.NewReader("server {\n    listen 443 ssl;\n    location / {\n        proxy_pass http://127.0.0.1:8000;\n        proxy_set_header X-Client-DN $ssl_client_s_dn;\n    }\n}\n"), &out, &errb)
	var rep struct {
		Findings []struct{ Rule, Path string } `json:"findings"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || code != exitFindings {
		t.Fatalf("exit %d, %v\n%s", code, err, out.String())
	}
	if len(rep.Findings) != 1 || rep.Findings[0].Rule != "NGX101" || rep.Findings[0].Path != "nginx/site.conf" {
		t.Errorf("want NGX101 in the buffer: %+v", rep.Findings)
	}
	if code, _, _ := runCLI(t, "check", "--stdin-filename", "x.py"); code != exitError {
		t.Errorf("--stdin-filename without '-': exit %d", code)
	}
}

// TestBaseline: findings recorded in a baseline are not reported again,
// also after unrelated lines move; new findings are.
func TestBaseline(t *testing.T) {
	dir := analyzertest.Write(t, cookieProject)
	base := filepath.Join(t.TempDir(), "baseline.json")
	if code, _, errs := runCLI(t, "check", "--write-baseline", base, dir); code != exitClean {
		t.Fatalf("write-baseline: exit %d %s", code, errs)
	}
	if code, out, _ := runCLI(t, "check", "--baseline", base, dir); code != exitClean {
		t.Errorf("baseline should absorb every finding: exit %d\n%s", code, out)
	}
	settings := filepath.Join(dir, "mysite/settings.py")
	data, _ := os.ReadFile(settings)
	moved := "import os\n\n\n" + strings.Replace(string(data), "CSRF_COOKIE_SECURE = True", "CSRF_COOKIE_SECURE = False", 1)
	if err := os.WriteFile(settings, []byte(moved), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI(t, "check", "--format", "concise", "--baseline", base, dir)
	if code != exitFindings || strings.Contains(out, "DJL401") || !strings.Contains(out, "DJL402") {
		t.Errorf("after moving lines only the new DJL402 should show: exit %d\n%s", code, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte("{"), 0o644)
	if code, _, errs := runCLI(t, "check", "--baseline", bad, dir); code != exitError || !strings.Contains(errs, "bad.json") {
		t.Errorf("bad baseline: exit %d %s", code, errs)
	}
}

// TestSuppressedOutput: suppressed findings are hidden and do not fail the
// run; --include-suppressed shows them, and SARIF marks them inSource with
// the justification.
func TestSuppressedOutput(t *testing.T) {
	dir := analyzertest.Write(t, `
-- .djleak.toml --
-- mysite/settings.py --
INSTALLED_APPS = []
SESSION_COOKIE_SECURE = False  # djleak: ignore[DJL401] -- HTTPS-only intranet, tracked in SEC-12
CSRF_COOKIE_SECURE = True
`)
	if code, out, _ := runCLI(t, "check", dir); code != exitClean {
		t.Errorf("suppressed finding should not fail the run: exit %d\n%s", code, out)
	}
	code, out, _ := runCLI(t, "check", "--include-suppressed", "--format", "sarif", dir)
	if code != exitClean {
		t.Errorf("exit %d", code)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID       string `json:"ruleId"`
				Suppressions []struct {
					Kind, Justification string
				} `json:"suppressions"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	rs := log.Runs[0].Results
	if len(rs) != 1 || rs[0].RuleID != "DJL401" || len(rs[0].Suppressions) != 1 ||
		rs[0].Suppressions[0].Kind != "inSource" || !strings.Contains(rs[0].Suppressions[0].Justification, "SEC-12") {
		t.Errorf("SARIF suppressions: %s", out)
	}
	_, out, _ = runCLI(t, "check", "--format", "sarif", dir)
	if strings.Contains(out, "DJL401\"") && strings.Contains(out, "\"suppressions\"") {
		t.Errorf("suppressed result emitted without --include-suppressed")
	}
	// CI mode reports unused suppressions.
	t.Setenv("CI", "true")
	os.WriteFile(filepath.Join(dir, "mysite/settings.py"), []byte("INSTALLED_APPS = []\nSESSION_COOKIE_SECURE = True  # djleak: ignore[DJL401] -- old\nCSRF_COOKIE_SECURE = True\n"), 0o644)
	if code, out, _ := runCLI(t, "check", "--format", "concise", dir); code != exitFindings || !strings.Contains(out, "DJL003") {
		t.Errorf("unused suppression in CI mode: exit %d\n%s", code, out)
	}
}

func TestConfigCommand(t *testing.T) {
	dir := analyzertest.Write(t, `
-- pyproject.toml --
[project]
name = "x"

[tool.djleak]
ignore = ["DJL402"]
identity-headers = ["X-Auth-Subject"]

[tool.djleak.per-file-ignores]
"tests/**" = ["DJL3"]
`)
	code, out, errs := runCLI(t, "config", dir)
	if code != exitClean {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"configuration from: pyproject.toml", `ignore = ["DJL402"]`, `identity-headers = ["X-Auth-Subject"]`, `"tests/**" = ["DJL3"]`} {
		if !strings.Contains(out, want) {
			t.Errorf("config output lacks %q:\n%s", want, out)
		}
	}
	bad := analyzertest.Write(t, "-- .djleak.toml --\n[per-file-ignores]\n\"x/**\" = [\"BOGUS\"]\n")
	if code, _, errs := runCLI(t, "config", bad); code != exitError || !strings.Contains(errs, ".djleak.toml") || !strings.Contains(errs, "per-file-ignores") {
		t.Errorf("bad per-file-ignores: exit %d, %q", code, errs)
	}
}
