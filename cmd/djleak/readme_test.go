package main

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite README.md's example output blocks")

// readmeBlock keeps the README block between <!-- name:begin --> and
// <!-- name:end --> identical to the output of `djleak ARGS...`, shown as
// a text block headed by the command line. Regenerate with
// `go test ./cmd/djleak -run TestReadme -update`.
func readmeBlock(t *testing.T, name string, args ...string) {
	t.Helper()
	_, out, _ := runCLI(t, args...)
	begin, end := "<!-- "+name+":begin -->\n", "<!-- "+name+":end -->"
	data, err := os.ReadFile("../../README.md")
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
			shown = append(shown, strings.Replace(a, seed, "testdata/seed", 1))
		}
	}
	want := s[:i+len(begin)] + "```text\n$ djleak " + strings.Join(shown, " ") + "\n" + out + "```\n" + s[j:]
	if want == s {
		return
	}
	if *update {
		if err := os.WriteFile("../../README.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's %s output is out of date; run: go test ./cmd/djleak -run TestReadme -update", name)
}

// TestReadmeSeedOutput keeps the README's example output identical to what
// `djleak check testdata/seed` prints.
func TestReadmeSeedOutput(t *testing.T) {
	readmeBlock(t, "seed", "check", "--color", "never", seed)
}

// TestReadmeMapOutput keeps the README's trust map identical to what
// `djleak map testdata/seed` prints.
func TestReadmeMapOutput(t *testing.T) {
	readmeBlock(t, "map", "map", "--color", "never", seed)
}
