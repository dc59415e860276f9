package analyzer

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/djleak/djleak/parsers/nginx"
	"github.com/djleak/djleak/parsers/source"
)

// Context is what a rule's Run receives.
type Context struct {
	Project *Project
	Rule    *Rule

	mu       sync.Mutex
	findings []*Finding
}

// Report records a finding for the running rule. The rule's default
// severity applies unless the finding sets a higher one.
//
// Every location of a finding names a file. One without is a rule's
// mistake, which fails the test suite; outside tests a related location or
// flow step without a file is left out of the finding.
func (c *Context) Report(f Finding) {
	f.RuleID = c.Rule.ID
	if f.Location.Path == "" && testing.Testing() {
		panic(fmt.Sprintf("rule %s reports a finding without a file: %q", c.Rule.ID, f.Message))
	}
	f.Related = slices.DeleteFunc(f.Related, func(r Related) bool { return unplaced(c.Rule, "related location", r.Location, r.Message) })
	f.Flow = slices.DeleteFunc(f.Flow, func(s Step) bool { return unplaced(c.Rule, "flow step", s.Location, s.Message) })
	if f.Severity < c.Rule.Severity {
		f.Severity = c.Rule.Severity
	}
	c.mu.Lock()
	c.findings = append(c.findings, &f)
	c.mu.Unlock()
}

// unplaced reports a location without a file, panicking under test.
func unplaced(r *Rule, what string, loc source.Location, msg string) bool {
	if loc.Path != "" {
		return false
	}
	if testing.Testing() {
		panic(fmt.Sprintf("rule %s reports a %s without a file: %q", r.ID, what, msg))
	}
	return true
}

// Reportf is Report with a formatted message at loc.
func (c *Context) Reportf(loc source.Location, format string, args ...any) {
	c.Report(Finding{Location: loc, Message: fmt.Sprintf(format, args...)})
}

// InternalError is a rule or an analysis pass that crashed; the run fails
// with exit code 2.
type InternalError struct {
	Rule  string // the rule that crashed, when it was the rule itself
	Pass  string // the pass that crashed (see Fact)
	Value any
	Stack string
}

func (e *InternalError) Error() string {
	what := "rule " + e.Rule
	if e.Pass != "" {
		what = "pass " + e.Pass
	}
	return fmt.Sprintf("internal error in %s: %v\n%s", what, e.Value, e.Stack)
}

// Run executes rules against the project and returns the findings that
// touch the project's targets (TouchesTargets), deduplicated, fingerprinted and sorted. Rules
// run concurrently on up to workers goroutines; the result is the same for
// any worker count.
func Run(p *Project, rules []*Rule, workers int) ([]*Finding, error) {
	return RunWith(p, rules, RunOptions{Workers: workers})
}

// RunOptions tune RunWith.
type RunOptions struct {
	Workers int
	// ReportUnused reports suppression comments that suppress nothing
	// (rule DJL003, when enabled).
	ReportUnused bool
}

// RunWith is Run with options. Suppressed findings are returned with
// Suppressed set; callers decide whether to show them.
func RunWith(p *Project, rules []*Rule, opts RunOptions) ([]*Finding, error) {
	return RunContext(context.Background(), p, rules, opts)
}

// RunContext is RunWith that stops when ctx is cancelled: no rule or pass
// starts after that, passes that check (Project.Checkpoint) stop between
// files, and the run returns ctx's error and no findings.
func RunContext(ctx context.Context, p *Project, rules []*Rule, opts RunOptions) ([]*Finding, error) {
	p.ctx = ctx
	defer p.runPasses(rules)()
	workers := poolSize(opts.Workers, len(rules))
	ctxs := make([]*Context, len(rules))
	errs := make([]error, len(rules))
	sem := make(chan struct{}, workers)
	p.slots = sem
	defer func() { p.slots = nil }()
	var wg sync.WaitGroup
	for i, r := range rules {
		ctxs[i] = &Context{Project: p, Rule: r}
		wg.Add(1)
		sem <- struct{}{}
		if ctx.Err() != nil { // no new rule starts
			<-sem
			wg.Done()
			break
		}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			defer func() {
				if v := recover(); v != nil {
					if _, ok := v.(canceled); ok {
						errs[i] = ctx.Err()
					} else if ie, ok := v.(*InternalError); ok && ie.Pass != "" {
						errs[i] = ie
					} else {
						errs[i] = &InternalError{Rule: rules[i].ID, Value: v, Stack: string(debug.Stack())}
					}
				}
			}()
			requireFields(p, rules[i].Requires)
			rules[i].Run(ctxs[i])
		}(i)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, err := range errs {
		var pf *parseFailure
		if ie, ok := err.(*InternalError); ok && errors.As(asError(ie.Value), &pf) {
			return nil, pf.err // as Load reports it
		}
		if err != nil {
			return nil, err
		}
	}
	var out []*Finding
	seen := map[string]bool{}
	inTests := map[string]bool{}
	includeTests := p.Config != nil && p.Config.IncludeTests
	for _, c := range ctxs {
		for _, f := range c.findings {
			if !p.TouchesTargets(f) || strings.HasPrefix(f.Location.Path, "<") ||
				(p.Config != nil && p.Config.IgnoredIn(f.RuleID, f.Location.Path)) {
				continue
			}
			if !includeTests && dataflowRule(f.RuleID) && IsTestCode(f.Location.Path) {
				inTests[fmt.Sprintf("%s\x00%s\x00%d\x00%d\x00%s", f.RuleID, f.Location.Path, f.Location.Start.Line, f.Location.Start.Column, f.Message)] = true
				continue
			}
			line := ""
			if sf := p.File(f.Location.Path); sf != nil {
				line = sf.Line(f.Location.Start.Line)
			}
			f.Fingerprint = fingerprint(f, line)
			k := fmt.Sprintf("%s\x00%s\x00%d\x00%d\x00%s", f.RuleID, f.Location.Path, f.Location.Start.Line, f.Location.Start.Column, f.Message)
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, f)
		}
	}
	p.hiddenInTests.Store(int64(len(inTests)))
	sups := applySuppressions(p, out)
	if opts.ReportUnused {
		out = append(out, unusedSuppressions(p, rules, sups)...)
	}
	SortFindings(out)
	return out, nil
}

func asError(v any) error {
	err, _ := v.(error)
	return err
}

// unusedSuppressions reports suppression comments in target files that
// matched no finding of an enabled rule.
func unusedSuppressions(p *Project, rules []*Rule, used map[*Suppression]bool) []*Finding {
	var unused *Rule
	enabled := map[string]bool{}
	for _, r := range rules {
		enabled[r.ID] = true
		if r.ID == unusedSuppressionID {
			unused = r
		}
	}
	if unused == nil {
		return nil
	}
	var out []*Finding
	for _, s := range p.Suppressions() {
		if !p.InTargets(s.Loc.Path) {
			continue
		}
		// Only judge suppressions whose rules all ran.
		judged := true
		for _, id := range s.Rules {
			any := false
			for e := range enabled {
				any = any || strings.HasPrefix(e, id)
			}
			judged = judged && any
		}
		if used[s] || !judged {
			continue
		}
		f := &Finding{RuleID: unused.ID, Severity: unused.Severity, Location: s.Loc,
			Message: fmt.Sprintf("suppression of %s matches no finding; remove it", strings.Join(s.Rules, ", ")),
			Key:     "unused " + strings.Join(s.Rules, ",")}
		f.Fingerprint = fingerprint(f, "")
		out = append(out, f)
	}
	return out
}

// Result packages a run for the output formats.
func (p *Project) Result(findings []*Finding, rules []*Rule) *Result {
	files := map[string]*source.File{}
	add := func(l source.Location) {
		if f := p.File(l.Path); f != nil {
			files[l.Path] = f
		}
	}
	for _, f := range findings {
		add(f.Location)
		for _, r := range f.Related {
			add(r.Location)
		}
		for _, s := range f.Flow {
			add(s.Location)
		}
	}
	seen := map[string]bool{}
	var secrets []string
	for _, f := range findings {
		for _, s := range f.Secrets {
			if s != "" && !seen[s] {
				seen[s] = true
				secrets = append(secrets, s)
			}
		}
	}
	sort.Slice(secrets, func(i, j int) bool {
		if len(secrets[i]) != len(secrets[j]) {
			return len(secrets[i]) > len(secrets[j])
		}
		return secrets[i] < secrets[j]
	})
	var tokenNames []string
	if p.Config != nil {
		tokenNames = p.Config.ExtraTokenNames
	}
	return &Result{Root: p.Root, Findings: findings, Rules: rules, Files: files, FilesScanned: len(p.Files),
		ParseFailures: p.parseFailures(), Secrets: secrets, TokenNames: tokenNames, HiddenInTests: int(p.hiddenInTests.Load())}
}

// parseFailures is Result.ParseFailures.
func (p *Project) parseFailures() []Related {
	var out []Related
	seen := map[string]bool{}
	add := func(loc source.Location, msg string) {
		if loc.Path != "" && !seen[loc.Path] && !strings.HasPrefix(loc.Path, "<") {
			seen[loc.Path] = true
			out = append(out, Related{Location: loc, Message: msg})
		}
	}
	for _, m := range p.Python {
		if errs := SyntaxErrors(p, m); len(errs) > 0 {
			add(errs[0].Loc, errs[0].Message)
		}
	}
	if p.Nginx != nil {
		for _, e := range p.Nginx.Errors {
			if e.Kind == nginx.KindSyntax {
				add(e.Loc, e.Message)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Location.Path < out[j].Location.Path })
	return out
}
