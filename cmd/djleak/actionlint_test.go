package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// actionlintVersion is the github.com/rhysd/actionlint release the tests
// run, through the Go module proxy (.ci/install-deps downloads it).
const actionlintVersion = "v1.7.12"

// TestActionlint lints the README's workflow with actionlint, with the
// workflow's `uses: djleak/djleak@…` pointed at this checkout's action.yml,
// so that actionlint also checks the action's metadata and every input the
// workflow passes. A workflow passing an input the action does not declare
// must fail, to show the check has teeth.
func TestActionlint(t *testing.T) {
	// Mostly waiting on builds and child processes: runs beside the
	// package's other long tests.
	t.Parallel()
	if testing.Short() {
		t.Skip("builds actionlint")
	}
	gobin := t.TempDir()
	install := exec.Command("go", "install", "github.com/rhysd/actionlint/cmd/actionlint@"+actionlintVersion)
	install.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=")
	if out, err := install.CombinedOutput(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("go install actionlint: %v\n%s", err, out)
		}
		t.Skipf("cannot build actionlint (module proxy unreachable?): %v\n%s", err, out)
	}
	bin := filepath.Join(gobin, "actionlint")

	repo := t.TempDir()
	if out, err := exec.Command("git", "-C", repo, "init", "-q").CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	writeFile(t, filepath.Join(repo, "action.yml"), readFile(t, "../../action.yml"))
	os.MkdirAll(filepath.Join(repo, ".github", "workflows"), 0o755)
	workflow := regexp.MustCompile(`uses: djleak/djleak@\S+`).ReplaceAllString(readmeSnippet(t, "workflow"), "uses: ./")
	if !strings.Contains(workflow, "uses: ./") {
		t.Fatal("the README workflow does not use djleak/djleak")
	}
	lint := func(wf string) (string, error) {
		writeFile(t, filepath.Join(repo, ".github", "workflows", "djleak.yml"), wf)
		cmd := exec.Command(bin, "-no-color")
		cmd.Dir = repo
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := lint(workflow); err != nil {
		t.Errorf("actionlint rejects the README workflow with action.yml: %v\n%s", err, out)
	}
	if out, err := lint(readmeSnippet(t, "cache-workflow")); err != nil {
		t.Errorf("actionlint rejects the README's cache workflow: %v\n%s", err, out)
	}
	bad := strings.Replace(workflow, "        with:\n", "        with:\n          no-such-input: x\n", 1)
	if out, err := lint(bad); err == nil || !strings.Contains(out, `input "no-such-input" is not defined`) {
		t.Errorf("actionlint accepted an undeclared input: %v\n%s", err, out)
	}
}

// TestActionPinned: every action action.yml uses is pinned by a full commit
// SHA, with a comment naming the release, and upload-sarif is v4.
func TestActionPinned(t *testing.T) {
	uses := regexp.MustCompile(`(?m)^\s*(?:-\s*)?uses:\s*(\S+)(.*)$`)
	pinned := regexp.MustCompile(`^[\w.-]+/[\w./-]+@[0-9a-f]{40}$`)
	tag := regexp.MustCompile(`^\s*#\s*v\d+\.\d+\.\d+\s*$`)
	found := map[string]bool{}
	for _, m := range uses.FindAllStringSubmatch(readFile(t, "../../action.yml"), -1) {
		if !pinned.MatchString(m[1]) || !tag.MatchString(m[2]) {
			t.Errorf("uses: %s%s is not pinned by commit SHA with a # vX.Y.Z comment", m[1], m[2])
		}
		name, _, _ := strings.Cut(m[1], "@")
		found[name] = true
		if name == "github/codeql-action/upload-sarif" && !strings.Contains(m[2], "v4.") {
			t.Errorf("upload-sarif is not v4: %s", m[2])
		}
	}
	for _, want := range []string{"actions/setup-go", "github/codeql-action/upload-sarif"} {
		if !found[want] {
			t.Errorf("action.yml does not use %s", want)
		}
	}
}
