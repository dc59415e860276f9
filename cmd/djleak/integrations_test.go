package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer/analyzertest"
)

// readmeSnippet returns the fenced block that follows `<!-- snippet:NAME -->`
// in README.md.
func readmeSnippet(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)<!-- snippet:" + regexp.QuoteMeta(name) + " -->\n```[a-z]*\n(.*?)```")
	m := re.FindSubmatch(data)
	if m == nil {
		t.Fatalf("README.md has no snippet %q", name)
	}
	return string(m[1])
}

// systemPython is Debian's python3, which has PyYAML (a pre-commit
// dependency); the tests use it to read YAML.
func systemPython(t *testing.T) string {
	t.Helper()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import yaml").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s cannot import yaml: %v", py, err)
		}
		t.Skip("Debian python3 with PyYAML not installed; run .ci/install-deps")
	}
	return py
}

// yamlJSON converts a YAML file to JSON with PyYAML.
func yamlJSON(t *testing.T, path string) []byte {
	t.Helper()
	out, err := exec.Command(systemPython(t), "-c",
		"import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))", path).Output()
	if err != nil {
		t.Fatalf("parsing %s: %v", path, err)
	}
	return out
}

// TestWorkflowSnippet checks the README's GitHub workflow against the
// composite action: the job has the permission SARIF upload needs, uses
// this action, and passes only inputs the action declares.
func TestWorkflowSnippet(t *testing.T) {
	wf := filepath.Join(t.TempDir(), "djleak.yml")
	writeFile(t, wf, readmeSnippet(t, "workflow"))
	var workflow struct {
		Permissions map[string]string `json:"permissions"`
		Jobs        map[string]struct {
			Steps []struct {
				Uses string            `json:"uses"`
				With map[string]string `json:"with"`
			} `json:"steps"`
		} `json:"jobs"`
	}
	if err := json.Unmarshal(yamlJSON(t, wf), &workflow); err != nil {
		t.Fatal(err)
	}
	if workflow.Permissions["security-events"] != "write" {
		t.Errorf("workflow lacks security-events: write: %v", workflow.Permissions)
	}
	var action struct {
		Inputs map[string]any `json:"inputs"`
		Runs   struct {
			Using string `json:"using"`
			Steps []struct {
				Uses string `json:"uses"`
			} `json:"steps"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(yamlJSON(t, "../../action.yml"), &action); err != nil {
		t.Fatal(err)
	}
	if action.Runs.Using != "composite" {
		t.Errorf("action.yml: using %q, want composite", action.Runs.Using)
	}
	uploads := false
	for _, s := range action.Runs.Steps {
		uploads = uploads || strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@")
	}
	if !uploads {
		t.Error("action.yml does not upload SARIF with github/codeql-action/upload-sarif")
	}
	found := false
	for _, job := range workflow.Jobs {
		for _, s := range job.Steps {
			if !strings.HasPrefix(s.Uses, "djleak/djleak@") {
				continue
			}
			found = true
			for k := range s.With {
				if _, ok := action.Inputs[k]; !ok {
					t.Errorf("workflow passes input %q, which action.yml does not declare", k)
				}
			}
		}
	}
	if !found {
		t.Error("workflow does not use djleak/djleak")
	}
}

// TestActionRunStep runs the action's "Run djleak" step script with a
// locally built djleak, the way the Actions runner would: it must write the
// SARIF file, print annotations and record the exit code as an output.
func TestActionRunStep(t *testing.T) {
	var action struct {
		Runs struct {
			Steps []struct {
				ID  string `json:"id"`
				Run string `json:"run"`
			} `json:"steps"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(yamlJSON(t, "../../action.yml"), &action); err != nil {
		t.Fatal(err)
	}
	script := ""
	for _, s := range action.Runs.Steps {
		if s.ID == "check" {
			script = s.Run
		}
	}
	if script == "" {
		t.Fatal("action.yml has no step with id check")
	}
	runner := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(runner, "djleak"), ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	project, _ := filepath.Abs(seed)
	checkout, _ := filepath.Abs("../..")
	outputs := filepath.Join(runner, "outputs")
	sarif := filepath.Join(runner, "djleak.sarif")
	cmd := exec.Command("bash", "-e", "-c", script)
	cmd.Dir = project
	cmd.Env = append(os.Environ(), "RUNNER_TEMP="+runner, "GITHUB_OUTPUT="+outputs,
		"DJLEAK_PATHS=.", "DJLEAK_ARGS=", "DJLEAK_SARIF="+sarif, "GITHUB_WORKSPACE="+checkout)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Run(); err != nil {
		t.Fatalf("step failed: %v\n%s", err, stdout.String())
	}
	if got := readFile(t, outputs); got != "exit-code=1\n" {
		t.Errorf("outputs = %q, want exit-code=1", got)
	}
	if !json.Valid([]byte(readFile(t, sarif))) {
		t.Error("no SARIF written")
	}
	if !strings.Contains(stdout.String(), "::error file=testdata/seed/nginx/api.conf,line=13") {
		t.Errorf("no workflow annotation, relative to GITHUB_WORKSPACE, for the seed's NGX201:\n%s", stdout.String())
	}
}

// TestStdinSnippet runs the README's editor command in the seed project.
func TestStdinSnippet(t *testing.T) {
	snippet := strings.TrimSpace(readmeSnippet(t, "stdin"))
	bin := buildDjleak(t)
	project := analyzertest.Write(t, `
-- .djleak.toml --
-- mysite/middleware.py --
def client_dn(request):
    if request.META.get("HTTP_X_CLIENT_VERIFY"):
        return request.META.get("HTTP_X_CLIENT_DN")
`)
	cmd := exec.Command("bash", "-c", strings.Replace(snippet, "djleak ", bin+" ", 1))
	cmd.Dir = project
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitFindings {
		t.Fatalf("%s: %v\n%s", snippet, err, out)
	}
	if !strings.HasPrefix(string(out), "mysite/middleware.py:3:16: DJL302 ") {
		t.Errorf("unexpected output:\n%s", out)
	}
}

// buildDjleak builds the command into a temporary directory.
func buildDjleak(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "djleak")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// TestSuppressionSnippet: the README's suppression comment silences the
// finding it sits on and counts as a reasoned, used suppression.
func TestSuppressionSnippet(t *testing.T) {
	line := strings.TrimSpace(readmeSnippet(t, "suppression"))
	project := analyzertest.Write(t, "-- .djleak.toml --\n-- app/views.py --\ndef view(request):\n    "+line+"\n    return dn\n")
	t.Setenv("CI", "true") // unused suppressions are reported in CI mode
	if code, out, _ := runCLI(t, "check", "--format", "concise", project); code != exitClean {
		t.Errorf("exit %d\n%s", code, out)
	}
	writeFile(t, filepath.Join(project, "app/views.py"), "def view(request):\n    dn = request.META[\"HTTP_X_CLIENT_DN\"]\n    return dn\n")
	if code, out, _ := runCLI(t, "check", "--format", "concise", project); code != exitFindings || !strings.Contains(out, "DJL301") {
		t.Errorf("without the comment DJL301 should be reported: exit %d\n%s", code, out)
	}
}

// TestBaselineSnippet runs the README's two baseline commands in a project
// with findings: both succeed, the second reporting nothing new.
func TestBaselineSnippet(t *testing.T) {
	bin := buildDjleak(t)
	project := analyzertest.Write(t, cookieProject)
	script := strings.ReplaceAll(readmeSnippet(t, "baseline"), "djleak ", bin+" ")
	cmd := exec.Command("bash", "-e", "-c", script)
	cmd.Dir = project
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(project, ".djleak-baseline.json")); err != nil {
		t.Error("no baseline written")
	}
}
