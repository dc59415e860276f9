package analyzer_test

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/driver"
	"github.com/djleak/djleak/analyzer/facts"
	"github.com/djleak/djleak/parsers/source"
)

type lineCount struct{ Lines int }

func init() { analyzer.VerifyFactRoundTrip = true }

var runs atomic.Int64

var countFact = analyzer.NewFileFact("test-line-count", 1, func(p *analyzer.Project) string {
	return analyzer.SaltOf(p.Config.ExtraTokenNames)
}, func(_ *analyzer.Project, f *source.File) lineCount {
	runs.Add(1)
	return lineCount{f.LineCount()}
})

var brokenFact = analyzer.NewFileFact("test-broken", 1, nil, func(*analyzer.Project, *source.File) int {
	var m map[string]int
	m["x"] = 1
	return 0
})

// A file fact is computed once per project and file, and once per content
// across projects sharing a store; a changed file, a changed salt or a
// different fact version computes it again.
func TestFileFactIsKeyedByContent(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) { writeFileIn(t, dir, name, content) }
	write("a.py", "X = 1\nY = 2\n")
	write("b.py", "Z = 3\n")
	store := facts.NewMemory()
	count := func(p *analyzer.Project, rel string) int {
		return analyzer.FileFactOf(p, countFact, p.Module(rel).File).Lines
	}
	runs.Store(0)
	p := analyzertest.LoadDir(t, dir, driver.Options{Facts: store})
	if count(p, "a.py") != 2 || count(p, "a.py") != 2 || count(p, "b.py") != 1 {
		t.Fatal("wrong value")
	}
	if n := runs.Load(); n != 2 {
		t.Fatalf("computed %d times in one project, want 2 (once per file)", n)
	}
	p = analyzertest.LoadDir(t, dir, driver.Options{Facts: store})
	if count(p, "a.py") != 2 || count(p, "b.py") != 1 || runs.Load() != 2 {
		t.Fatalf("a second project over the same store computed again (%d runs)", runs.Load())
	}
	write("a.py", "X = 1\n")
	p = analyzertest.LoadDir(t, dir, driver.Options{Facts: store})
	if count(p, "a.py") != 1 || count(p, "b.py") != 1 || runs.Load() != 3 {
		t.Fatalf("after an edit: %d runs, want 3", runs.Load())
	}
	p = analyzertest.LoadDir(t, dir, driver.Options{Facts: store})
	p.Config.ExtraTokenNames = []string{"pin"}
	if count(p, "b.py") != 1 || runs.Load() != 4 {
		t.Fatalf("another salt did not compute again (%d runs)", runs.Load())
	}
	// Without a store every project computes its own.
	p = analyzertest.LoadDir(t, dir, driver.Options{})
	count(p, "b.py")
	if runs.Load() != 5 {
		t.Fatalf("no store: %d runs, want 5", runs.Load())
	}
}

// A file fact that panics fails as an InternalError naming the fact.
func TestPanickingFileFactNamesTheFact(t *testing.T) {
	dir := t.TempDir()
	writeFileIn(t, dir, "app.py", "X = 1\n")
	p := analyzertest.LoadDir(t, dir, driver.Options{Facts: facts.NewMemory()})
	rule := &analyzer.Rule{ID: "DJL990", Run: func(ctx *analyzer.Context) {
		analyzer.FileFactOf(ctx.Project, brokenFact, ctx.Project.Module("app.py").File)
	}}
	_, err := analyzer.Run(p, []*analyzer.Rule{rule}, 1)
	var ie *analyzer.InternalError
	if !errors.As(err, &ie) || ie.Pass != "test-broken" {
		t.Fatalf("got %v, want an InternalError naming test-broken", err)
	}
}

// The analysis version changes with the facts and the rules.
func TestAnalysisVersion(t *testing.T) {
	a := analyzer.AnalysisVersion([]*analyzer.Rule{{ID: "DJL401", Name: "x"}}, "")
	if b := analyzer.AnalysisVersion([]*analyzer.Rule{{ID: "DJL401", Name: "y"}}, ""); a == b {
		t.Error("a renamed rule keeps the version")
	}
	if b := analyzer.AnalysisVersion([]*analyzer.Rule{{ID: "DJL401", Name: "x"}}, "build 2"); a == b {
		t.Error("another build keeps the version")
	}
	analyzer.NewFileFact("test-version-probe", 1, nil, func(*analyzer.Project, *source.File) int { return 0 })
	if b := analyzer.AnalysisVersion([]*analyzer.Rule{{ID: "DJL401", Name: "x"}}, ""); a == b {
		t.Error("a new fact keeps the version")
	}
}
