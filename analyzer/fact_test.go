package analyzer_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/driver"
)

// A pass that panics fails once, under its own name: every rule that needs
// it (directly or through another pass) reports the same *InternalError, and the
// pass is not run again.
func TestPanickingPassNamesThePass(t *testing.T) {
	p := loadApp(t)
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

// A rule waiting for a pass that another rule is computing gives its worker
// slot to the rules not started yet: with two workers, while DJL990
// computes the pass and DJL991 waits for it, DJL992, which needs neither,
// runs, and the pass, which waits for DJL992, completes. Were the waiting
// rule to keep its slot, the pass would wait for DJL992 in vain (bounded
// here, so that the test fails rather than hangs).
func TestWaitingRuleYieldsItsSlot(t *testing.T) {
	p := analyzertest.Load(t, "-- app.py --\nX = 1\n")
	started, other := make(chan struct{}), make(chan struct{})
	slow := &analyzer.Pass[bool]{Name: "slow-pass", Run: func(*analyzer.Project) bool {
		close(started)
		select {
		case <-other:
			return true
		case <-time.After(10 * time.Second):
			return false
		}
	}}
	var got [2]bool
	rules := []*analyzer.Rule{
		{ID: "DJL990", Requires: []analyzer.Requirement{slow}, Run: func(ctx *analyzer.Context) { got[0] = analyzer.Fact(ctx.Project, slow) }},
		{ID: "DJL991", Requires: []analyzer.Requirement{slow}, Run: func(ctx *analyzer.Context) {
			<-started // the pass is being computed by DJL990
			got[1] = analyzer.Fact(ctx.Project, slow)
		}},
		{ID: "DJL992", Run: func(*analyzer.Context) { close(other) }},
	}
	if _, err := analyzer.Run(p, rules, 2); err != nil {
		t.Fatal(err)
	}
	if !got[0] || !got[1] {
		t.Errorf("the pass completed without DJL992 running (results %v): the waiting rule kept its worker slot", got)
	}
}

// A related location or flow step without a file is a rule's mistake: under
// test the run fails naming the rule and the entry.
func TestUnplacedRelatedLocationFailsTheRule(t *testing.T) {
	p := loadApp(t)
	for _, c := range []struct {
		what string
		f    analyzer.Finding
	}{
		{"related location", analyzer.Finding{Related: []analyzer.Related{{Message: "the other side"}}}},
		{"flow step", analyzer.Finding{Flow: []analyzer.Step{{Message: "a step"}}}},
	} {
		rule := &analyzer.Rule{ID: "DJL993", Run: func(ctx *analyzer.Context) {
			f := c.f
			f.Location = p.File("app.py").Span(0, 1)
			f.Message = "a finding"
			ctx.Report(f)
		}}
		_, err := analyzer.Run(p, []*analyzer.Rule{rule}, 1)
		var ie *analyzer.InternalError
		if !errors.As(err, &ie) || ie.Rule != "DJL993" || !strings.Contains(err.Error(), "reports a "+c.what+" without a file") {
			t.Errorf("%s: got %v, want an internal error of DJL993", c.what, err)
		}
	}
}

// loadApp loads a project of one Python file, app.py.
func loadApp(t *testing.T) *analyzer.Project {
	t.Helper()
	dir := t.TempDir()
	writeFileIn(t, dir, "app.py", "X = 1\n")
	p, err := driver.Load(driver.Options{Paths: []string{dir}, Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
