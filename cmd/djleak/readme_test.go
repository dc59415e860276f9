package main

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite README.md's seed output block")

// TestReadmeSeedOutput keeps the README's example output identical to what
// `djleak check testdata/seed` prints. Regenerate with
// `go test ./cmd/djleak -run TestReadmeSeedOutput -update`.
func TestReadmeSeedOutput(t *testing.T) {
	// Paths are printed relative to the working directory: run it where a
	// reader of the README runs it, at the top of the checkout.
	t.Chdir("../..")
	_, out, _ := runCLI(t, "check", "--color", "never", "testdata/seed")
	const begin, end = "<!-- seed:begin -->\n", "<!-- seed:end -->"
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the seed markers")
	}
	want := s[:i+len(begin)] + "```text\n$ djleak check testdata/seed\n" + out + "```\n" + s[j:]
	if want == s {
		return
	}
	if *update {
		if err := os.WriteFile("README.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Error("README.md's seed output is out of date; run: go test ./cmd/djleak -run TestReadmeSeedOutput -update")
}
