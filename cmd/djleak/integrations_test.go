package main

import (
	"bytes"
	"encoding/json"
	"fmt"
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
	if workflow.Permissions["security-events"] != "write" || workflow.Permissions["actions"] != "read" {
		t.Errorf("workflow lacks security-events: write and actions: read: %v", workflow.Permissions)
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

// actionSteps reads action.yml's steps.
func actionSteps(t *testing.T) map[string]string {
	t.Helper()
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
	steps := map[string]string{}
	for _, s := range action.Runs.Steps {
		if s.ID != "" {
			steps[s.ID] = s.Run
		}
	}
	for _, id := range []string{"build", "check", "annotate", "permission"} {
		if steps[id] == "" {
			t.Fatalf("action.yml has no run step with id %s", id)
		}
	}
	return steps
}

// TestActionRunStep runs the action's steps with locally built binaries,
// the way the Actions runner would: djleak runs once and writes the SARIF
// report; the annotate step turns it into capped annotations, a job
// summary listing every finding and the fail decision; the permission step
// skips the upload for forks and Dependabot with a notice.
func TestActionRunStep(t *testing.T) {
	steps := actionSteps(t)
	runner := t.TempDir()
	project, _ := filepath.Abs(seed)
	checkout, _ := filepath.Abs("../..")
	// The build step runs in the action's directory (github.action_path).
	build := exec.Command("bash", "-e", "-c", steps["build"])
	build.Dir = checkout
	build.Env = append(os.Environ(), "RUNNER_TEMP="+runner)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build step: %v\n%s", err, out)
	}
	outputs := filepath.Join(runner, "outputs")
	summary := filepath.Join(runner, "summary.md")
	sarif := filepath.Join(runner, "djleak.sarif")
	step := func(id string, env ...string) (string, error) {
		cmd := exec.Command("bash", "-e", "-c", steps[id])
		cmd.Dir = project
		cmd.Env = append(os.Environ(), append([]string{"RUNNER_TEMP=" + runner, "GITHUB_OUTPUT=" + outputs,
			"GITHUB_STEP_SUMMARY=" + summary, "GITHUB_WORKSPACE=" + checkout}, env...)...)
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		cmd.Stderr = &stdout
		err := cmd.Run()
		return stdout.String(), err
	}
	out, err := step("check", "DJLEAK_PATHS=.", "DJLEAK_ARGS=", "DJLEAK_SARIF="+sarif, "DJLEAK_CATEGORY=backend")
	if err != nil {
		t.Fatalf("check step failed: %v\n%s", err, out)
	}
	if got := readFile(t, outputs); got != "exit-code=1\n" {
		t.Errorf("outputs = %q, want exit-code=1", got)
	}
	if strings.Contains(out, "::") {
		t.Errorf("the check step printed annotations; the annotate step does:\n%s", out)
	}
	var log struct {
		Runs []struct {
			AutomationDetails struct{ ID string } `json:"automationDetails"`
			Results           []any
		}
	}
	if err := json.Unmarshal([]byte(readFile(t, sarif)), &log); err != nil || len(log.Runs) != 1 {
		t.Fatalf("no SARIF written: %v", err)
	}
	if log.Runs[0].AutomationDetails.ID != "backend/" {
		t.Errorf("category not passed to djleak: %+v", log.Runs[0].AutomationDetails)
	}
	total := len(log.Runs[0].Results)

	os.Remove(outputs)
	out, err = step("annotate", "DJLEAK_SARIF="+sarif, "DJLEAK_FAIL_ON=error", "DJLEAK_MAX_ANNOTATIONS=2")
	if err != nil {
		t.Fatalf("annotate step failed: %v\n%s", err, out)
	}
	ann := strings.Split(strings.TrimSpace(out), "\n")
	if len(ann) != 2 || !strings.HasPrefix(ann[0], "::error file=testdata/seed/") || !strings.HasPrefix(ann[1], "::error ") {
		t.Errorf("want 2 annotations, errors first, with paths relative to GITHUB_WORKSPACE:\n%s", out)
	}
	if strings.Contains(out, "](") || strings.Contains(out, "Related locations: [") {
		t.Errorf("annotations keep SARIF link syntax:\n%s", out)
	}
	sum := readFile(t, summary)
	if rows := strings.Count(sum, "\n| "); rows != total+1 || strings.Count(sum, "| not annotated |") != total-2 {
		t.Errorf("summary should list all %d findings and mark %d as not annotated:\n%s", total, total-2, sum)
	}
	if !strings.Contains(sum, "[NGX201](https://") {
		t.Errorf("summary does not link the rule docs:\n%s", sum)
	}
	if got := readFile(t, outputs); got != fmt.Sprintf("findings=%d\nfail=true\n", total) {
		t.Errorf("outputs = %q", got)
	}
	os.Remove(outputs)
	if _, err := step("annotate", "DJLEAK_SARIF="+sarif, "DJLEAK_FAIL_ON=never", "DJLEAK_MAX_ANNOTATIONS=10"); err != nil || !strings.HasSuffix(readFile(t, outputs), "fail=false\n") {
		t.Errorf("fail-on never: %v %q", err, readFile(t, outputs))
	}

	for _, tc := range []struct {
		name   string
		env    []string
		upload bool
	}{
		{"push", []string{"EVENT_NAME=push", "HEAD_REPO=", "REPOSITORY=o/r", "ACTOR=alice"}, true},
		{"same-repo pull request", []string{"EVENT_NAME=pull_request", "HEAD_REPO=o/r", "REPOSITORY=o/r", "ACTOR=alice"}, true},
		{"fork pull request", []string{"EVENT_NAME=pull_request", "HEAD_REPO=mallory/r", "REPOSITORY=o/r", "ACTOR=mallory"}, false},
		{"dependabot", []string{"EVENT_NAME=pull_request", "HEAD_REPO=o/r", "REPOSITORY=o/r", "ACTOR=dependabot[bot]"}, false},
	} {
		os.Remove(outputs)
		out, err := step("permission", tc.env...)
		if err != nil {
			t.Errorf("%s: permission step failed: %v\n%s", tc.name, err, out)
			continue
		}
		if got := readFile(t, outputs); got != fmt.Sprintf("upload=%t\n", tc.upload) {
			t.Errorf("%s: outputs %q, want upload=%t", tc.name, got, tc.upload)
		}
		if notice := strings.HasPrefix(out, "::notice "); notice == tc.upload {
			t.Errorf("%s: notice printed = %v:\n%s", tc.name, notice, out)
		}
	}
}

// TestStdinSnippet runs the README's editor command from the top of the
// checkout, as the README does, and compares its output with the output
// the README shows.
func TestStdinSnippet(t *testing.T) {
	snippet := strings.TrimSpace(readmeSnippet(t, "stdin"))
	bin := buildDjleak(t)
	checkout, _ := filepath.Abs("../..")
	cmd := exec.Command("bash", "-e", "-c", strings.Replace(snippet, "djleak ", bin+" ", 1))
	cmd.Dir = checkout
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitFindings {
		t.Fatalf("%s: %v\n%s", snippet, err, out)
	}
	readme := readFile(t, "../../README.md")
	m := regexp.MustCompile("(?s)<!-- stdin:begin -->\n```text\n(.*?)```\n<!-- stdin:end -->").FindStringSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no stdin output block")
	}
	if string(out) != m[1] {
		t.Errorf("the README's stdin output is out of date; the command prints:\n%s", out)
	}
	if !strings.Contains(string(out), "NGX201") {
		t.Errorf("the stdin example prints no finding:\n%s", out)
	}
}

// buildDjleak builds the command into a temporary directory.
func buildDjleak(t testing.TB) string {
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
