package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func completionScript(t *testing.T, shell string) string {
	t.Helper()
	code, out, errs := runCLI(t, "completion", shell)
	if code != exitClean {
		t.Fatalf("completion %s: exit %d: %s", shell, code, errs)
	}
	path := filepath.Join(t.TempDir(), "djleak."+shell)
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBashCompletion sources the script in a real bash and asks it to
// complete command lines as the shell would on Tab.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	script := completionScript(t, "bash")
	complete := func(words ...string) []string {
		t.Helper()
		var quoted []string
		for _, w := range words {
			quoted = append(quoted, "'"+w+"'")
		}
		prog := `source "$1"; COMP_WORDS=(` + strings.Join(quoted, " ") + `); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _djleak; printf '%s\n' "${COMPREPLY[@]}"`
		out, err := exec.Command(bash, "--norc", "-c", prog, "bash", script).CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, out)
		}
		return strings.Fields(string(out))
	}
	for _, tc := range []struct {
		words []string
		want  string
	}{
		{[]string{"djleak", "ch"}, "check"},
		{[]string{"djleak", "comp"}, "completion"},
		{[]string{"djleak", "check", "--form"}, "--format"},
		{[]string{"djleak", "check", "--output-f"}, "--output-format"},
		{[]string{"djleak", "check", "--force-e"}, "--force-exclude"},
		{[]string{"djleak", "check", "--format", "sa"}, "sarif"},
		{[]string{"djleak", "check", "--select", "DJL40"}, "DJL401"},
		{[]string{"djleak", "check", "--ignore", "session-cookie-not"}, "session-cookie-not-secure"},
		{[]string{"djleak", "explain", "NGX20"}, "NGX201"},
		{[]string{"djleak", "completion", "z"}, "zsh"},
		{[]string{"djleak", "lsp", "--ver"}, "--verbose"},
	} {
		got := complete(tc.words...)
		found := false
		for _, g := range got {
			found = found || g == tc.want
		}
		if !found {
			t.Errorf("%v<Tab>: %v, want %s among them", tc.words, got, tc.want)
		}
	}
	if got := complete("djleak", "check", "--format", "j"); strings.Join(got, " ") != "json junit" {
		t.Errorf("--format j<Tab>: %v", got)
	}
}

// TestZshCompletion loads the script into a real zsh with compinit and
// checks that it registers _djleak for djleak.
func TestZshCompletion(t *testing.T) {
	zsh, err := exec.LookPath("zsh")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("zsh missing in CI; .ci/install-deps should have installed it")
		}
		t.Skip("zsh not installed; run .ci/install-deps")
	}
	script := completionScript(t, "zsh")
	if out, err := exec.Command(zsh, "-n", script).CombinedOutput(); err != nil {
		t.Fatalf("zsh -n: %v\n%s", err, out)
	}
	home := t.TempDir()
	cmd := exec.Command(zsh, "-f", "-c", `autoload -U compinit && compinit -u -d "$HOME/.zcompdump" && source "$1" && print -r -- $_comps[djleak]`, "zsh", script)
	cmd.Env = append(os.Environ(), "HOME="+home)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "_djleak" {
		t.Errorf("zsh did not register the completion: %v\n%s", err, out)
	}
}

// TestFishCompletion checks the fish script's syntax when fish is
// installed.
func TestFishCompletion(t *testing.T) {
	fish, err := exec.LookPath("fish")
	if err != nil {
		t.Skip("fish not installed")
	}
	script := completionScript(t, "fish")
	if out, err := exec.Command(fish, "--no-execute", script).CombinedOutput(); err != nil {
		t.Fatalf("fish --no-execute: %v\n%s", err, out)
	}
}

func TestCompletionErrors(t *testing.T) {
	if code, _, errs := runCLI(t, "completion", "bsh"); code != exitError || !strings.Contains(errs, "did you mean bash?") {
		t.Errorf("completion bsh: exit %d, %q", code, errs)
	}
	if code, _, _ := runCLI(t, "completion"); code != exitError {
		t.Errorf("completion without a shell: exit %d", code)
	}
}
