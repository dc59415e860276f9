package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite README.md's example output blocks")

// readmeBlock keeps the README block between <!-- name:begin --> and
// <!-- name:end --> identical to the output of `djleak ARGS...` run in dir
// (relative to the top of the checkout; paths are printed relative to the
// working directory), shown as a text block headed by the command line.
// Regenerate with `go test ./cmd/djleak -run TestReadme -update`.
func readmeBlock(t *testing.T, name, dir string, args ...string) {
	t.Helper()
	top, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	readme := filepath.Join(top, "README.md")
	t.Chdir(filepath.Join(top, dir))
	_, out, _ := runCLI(t, args...)
	begin, end := "<!-- "+name+":begin -->\n", "<!-- "+name+":end -->"
	data, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %s markers", name)
	}
	var shown []string
	for _, a := range args {
		if a != "--color" && a != "never" {
			shown = append(shown, a)
		}
	}
	prompt := "$ "
	if dir != "." {
		prompt += "cd " + dir + " && "
	}
	want := s[:i+len(begin)] + "```text\n" + prompt + "djleak " + strings.Join(shown, " ") + "\n" + out + "```\n" + s[j:]
	if want == s {
		return
	}
	if *update {
		if err := os.WriteFile(readme, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's %s output is out of date; run: go test ./cmd/djleak -run TestReadme -update", name)
}

// TestReadmeSeedOutput keeps the README's example output identical to what
// `djleak check testdata/seed` prints at the top of the checkout.
func TestReadmeSeedOutput(t *testing.T) {
	readmeBlock(t, "seed", ".", "check", "--color", "never", "testdata/seed")
}

// TestReadmeMapOutput keeps the README's trust map identical to what
// `djleak map` prints in testdata/seed.
func TestReadmeMapOutput(t *testing.T) {
	readmeBlock(t, "map", "testdata/seed", "map", "--color", "never")
}
