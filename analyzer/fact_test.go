package analyzer_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer"
)

// A pass that panics fails once, under its own name: every rule that needs
// it (directly or through another pass) reports the same *InternalError, and the
// pass is not run again.
func TestPanickingPassNamesThePass(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "app.py"), []byte("X = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := analyzer.Load(analyzer.Options{Paths: []string{dir}, Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	runs := 0
	broken := &analyzer.Pass[map[string]int]{Name: "broken-pass", Run: func(*analyzer.Project) map[string]int {
		runs++
		var m map[string]int
		m["x"] = 1 // assignment to a nil map
		return m
	}}
	derived := &analyzer.Pass[int]{Name: "derived-pass", Requires: []analyzer.Requirement{broken}, Run: func(p *analyzer.Project) int {
		return len(analyzer.Fact(p, broken))
	}}
	var rules []*analyzer.Rule
	for _, id := range []string{"DJL990", "DJL991", "DJL992"} {
		var needs analyzer.Requirement = broken
		if id == "DJL990" {
			needs = derived
		}
		rules = append(rules, &analyzer.Rule{ID: id, Requires: []analyzer.Requirement{needs}, Run: func(ctx *analyzer.Context) {
			if ctx.Rule.ID == "DJL990" {
				analyzer.Fact(ctx.Project, derived)
			} else {
				analyzer.Fact(ctx.Project, broken)
			}
		}})
	}
	for _, workers := range []int{1, 3} {
		_, err := analyzer.Run(p, rules, workers)
		var ie *analyzer.InternalError
		if !errors.As(err, &ie) || ie.Pass != "broken-pass" {
			t.Fatalf("workers=%d: got %v, want an InternalError naming broken-pass", workers, err)
		}
		if !strings.HasPrefix(err.Error(), "internal error in pass broken-pass: assignment to entry in nil map") {
			t.Errorf("message %q", strings.SplitN(err.Error(), "\n", 2)[0])
		}
	}
	if runs != 1 {
		t.Errorf("the pass ran %d times, want once", runs)
	}
}
