package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// TestNeovimSnippet compiles the README's Neovim setup with the real
// Neovim's Lua and checks that it starts `djleak lsp`.
func TestNeovimSnippet(t *testing.T) {
	snippet := readmeSnippet(t, "neovim")
	if !strings.Contains(snippet, `cmd = { "djleak", "lsp" }`) || !strings.Contains(snippet, "vim.lsp.start(") {
		t.Errorf("the Neovim snippet does not start djleak lsp:\n%s", snippet)
	}
	nvim, err := exec.LookPath("nvim")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("nvim missing in CI; .ci/install-deps installs neovim")
		}
		t.Skip("nvim not installed")
	}
	file := filepath.Join(t.TempDir(), "djleak.lua")
	writeFile(t, file, snippet)
	cmd := exec.Command(nvim, "--headless", "--clean", "-c",
		`lua local f, err = loadfile(os.getenv("SNIPPET")); if not f then io.stderr:write(err .. "\n"); vim.cmd("cquit 1") end`, "-c", "qa!")
	cmd.Env = append(os.Environ(), "SNIPPET="+file, "HOME="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("Neovim cannot load the snippet: %v\n%s", err, out)
	}
	// The check has teeth: a syntax error is reported.
	writeFile(t, file, snippet+"\nend end\n")
	if err := cmd.Run(); err == nil {
		t.Error("Neovim loaded a snippet with a syntax error")
	}
}

func TestVSCodeSnippet(t *testing.T) {
	var settings map[string]any
	if err := json.Unmarshal([]byte(readmeSnippet(t, "vscode")), &settings); err != nil {
		t.Fatalf("the VS Code settings are not JSON: %v", err)
	}
	args, _ := settings["glspc.serverCommandArguments"].([]any)
	if settings["glspc.serverCommand"] != "djleak" || len(args) != 1 || args[0] != "lsp" {
		t.Errorf("the VS Code settings do not start djleak lsp: %v", settings)
	}
}

func TestHelixSnippet(t *testing.T) {
	var cfg struct {
		LanguageServer map[string]struct {
			Command string
			Args    []string
		} `toml:"language-server"`
		Language []struct {
			Name            string
			LanguageServers []string `toml:"language-servers"`
		}
	}
	md, err := toml.Decode(readmeSnippet(t, "helix"), &cfg)
	if err != nil {
		t.Fatalf("the Helix snippet is not TOML: %v", err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		t.Errorf("unexpected keys: %v", un)
	}
	ls := cfg.LanguageServer["djleak"]
	if ls.Command != "djleak" || strings.Join(ls.Args, " ") != "lsp" {
		t.Errorf("language-server.djleak = %+v", ls)
	}
	added := false
	for _, l := range cfg.Language {
		for _, s := range l.LanguageServers {
			added = added || (l.Name == "python" && s == "djleak")
		}
	}
	if !added {
		t.Errorf("djleak is not a Python language server: %+v", cfg.Language)
	}
}

// TestEglotSnippet checks the eglot setup structurally (Emacs is not part
// of the test dependencies): one balanced form, strings closed, and the
// server program ("djleak" "lsp") for the Python modes.
func TestEglotSnippet(t *testing.T) {
	src := strings.TrimSpace(readmeSnippet(t, "eglot"))
	depth, forms, inString := 0, 0, false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == ';':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth < 0 {
				t.Fatalf("unbalanced ) at %d", i)
			}
			if depth == 0 {
				forms++
			}
		}
	}
	if depth != 0 || inString || forms != 1 {
		t.Errorf("not one balanced form: depth %d, open string %v, %d forms", depth, inString, forms)
	}
	for _, want := range []string{`(with-eval-after-load 'eglot`, `eglot-server-programs`, `python-mode`, `. ("djleak" "lsp")`} {
		if !strings.Contains(src, want) {
			t.Errorf("eglot snippet lacks %q", want)
		}
	}
}
