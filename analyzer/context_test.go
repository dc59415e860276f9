package analyzer_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/driver"
)

// writePythonFiles writes n small modules under dir.
func writePythonFiles(t *testing.T, dir string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		p := filepath.Join(dir, "app", fmt.Sprintf("m%03d.py", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(fmt.Sprintf("X%d = %d\n", i, i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A cancelled load returns the context's error and no project.
func TestLoadContextCancelled(t *testing.T) {
	dir := t.TempDir()
	writePythonFiles(t, dir, 20)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p, err := driver.LoadContext(ctx, driver.Options{Paths: []string{dir}, Root: dir})
	if !errors.Is(err, context.Canceled) || p != nil {
		t.Fatalf("LoadContext with a cancelled context = %v, %v; want no project and context.Canceled", p, err)
	}
	p, err = driver.LoadContext(context.Background(), driver.Options{Paths: []string{dir}, Root: dir})
	if err != nil || len(p.Python) != 20 {
		t.Fatalf("LoadContext = %v; want 20 modules, error %v", p, err)
	}
}

// A run cancelled while a rule runs stops there: the pass the rule asks for
// next is not computed, no later rule starts, a pass that checks between
// files stops at its next check, and the run returns context.Canceled
// without findings.
func TestRunContextCancelled(t *testing.T) {
	dir := t.TempDir()
	writePythonFiles(t, dir, 10)
	p, err := driver.Load(driver.Options{Paths: []string{dir}, Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var passRuns, filesSeen, laterRules atomic.Int32
	never := &analyzer.Pass[int]{Name: "never", Run: func(*analyzer.Project) int { passRuns.Add(1); return 0 }}
	perFile := &analyzer.Pass[int]{Name: "per-file", Run: func(p *analyzer.Project) int {
		for i := range p.Python {
			p.Checkpoint()
			filesSeen.Add(1)
			if i == 2 {
				cancel()
			}
		}
		return len(p.Python)
	}}
	rules := []*analyzer.Rule{
		{ID: "DJL990", Requires: []analyzer.Requirement{perFile, never}, Run: func(c *analyzer.Context) {
			c.Reportf(p.Python[0].File.Span(0, 1), "reported before the cancellation")
			analyzer.Fact(c.Project, perFile)
			analyzer.Fact(c.Project, never)
		}},
		{ID: "DJL991", Run: func(*analyzer.Context) { laterRules.Add(1) }},
	}
	findings, err := analyzer.RunContext(ctx, p, rules, analyzer.RunOptions{Workers: 1})
	if !errors.Is(err, context.Canceled) || findings != nil {
		t.Fatalf("RunContext = %v, %v; want no findings and context.Canceled", findings, err)
	}
	if n := filesSeen.Load(); n != 3 {
		t.Errorf("the checking pass saw %d files, want 3 (it stops at the check after the cancellation)", n)
	}
	if passRuns.Load() != 0 || laterRules.Load() != 0 {
		t.Errorf("after the cancellation %d passes and %d rules started; want none", passRuns.Load(), laterRules.Load())
	}

}
