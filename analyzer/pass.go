package analyzer

import (
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
)

// Scope says what a pass's result depends on.
type Scope int

const (
	// ProjectScope passes join the whole project (Pass).
	ProjectScope Scope = iota
	// FileScope passes compute one result per file from that file alone
	// (FileFact).
	FileScope
)

func (s Scope) String() string {
	if s == FileScope {
		return "file"
	}
	return "project"
}

// Requirement is a pass that a rule or another pass needs: a *Pass[T] or a
// *FileFact[T]. The driver computes, for a run, only the passes the
// selected rules require, transitively (compare x/tools
// analysis.Analyzer.Requires); a rule or pass that asks for a fact it does
// not require is an internal error under test, so that the lists stay
// complete.
type Requirement interface {
	PassName() string
	PassScope() Scope
	Required() []Requirement
}

type factEntry struct {
	once     sync.Once
	val      any
	err      *InternalError
	canceled bool
	done     bool // val is the pass's result
	// computing is set while a goroutine computes the value.
	computing atomic.Bool
}

// canceled is the panic value that unwinds a pass or rule when the run's
// context is cancelled (Checkpoint); RunContext turns it into ctx's error.
type canceled struct{}

// Err is the error of the context the project is being loaded or run
// with: non-nil once that load or run is cancelled.
func (p *Project) Err() error {
	if p.ctx == nil {
		return nil
	}
	return p.ctx.Err()
}

// Checkpoint stops the running pass or rule when the run has been
// cancelled (see RunContext). Long passes call it between files.
func (p *Project) Checkpoint() {
	if p.Err() != nil {
		panic(canceled{})
	}
}

// Pass is a project-level computation whose result several rules share,
// computed at most once per project. Requires lists the passes its Run
// uses (with Fact, or through the project's fields: PythonModules for
// Project.Python).
type Pass[T any] struct {
	Name     string
	Requires []Requirement
	Run      func(*Project) T
	// Reads, when set, lists every kind of file the pass's result depends
	// on, through the passes it uses too (KindConfigs: every registered
	// configuration language); the configuration always counts. A load
	// given the previous project (Inputs.Previous) takes the result from
	// there when none of those files changed. Unset: computed on every
	// load.
	Reads []Kind
	// Variant, when set, says which part of the run's requirements the
	// result serves (read with Project.Wants, from the Needs the rules
	// declare): Fact keeps one result per variant, and a later load takes
	// a result from Inputs.Previous only for the same variant.
	Variant func(*Project) string
	// Persist, when set with Reads, keeps the result in the command
	// line's on-disk cache: a run whose input is that of an earlier run
	// (the files of the kinds in Reads, the root, the targets, the
	// configuration and the variant) decodes it instead of running the
	// pass (see persisted).
	Persist *Codec[T]
}

// variantKey is the memo key of one variant of a pass.
type variantKey[T any] struct {
	pass    *Pass[T]
	variant string
}

func (k variantKey[T]) reads() []Kind    { return k.pass.Reads }
func (k variantKey[T]) passName() string { return k.pass.Name }

// Need is a requirement that computes nothing itself: it tells the passes
// it requires what the run's rules want from them, which they read with
// Project.Wants (taint's sink kinds: a run of the log rules records no URL
// sinks). Requiring a Need requires its passes.
type Need struct {
	Name     string
	Requires []Requirement
}

// PassName is the need's name.
func (n *Need) PassName() string { return n.Name }

// PassScope is ProjectScope.
func (n *Need) PassScope() Scope { return ProjectScope }

// Required is n.Requires.
func (n *Need) Required() []Requirement { return n.Requires }

// Wants reports whether the rules being run require r, directly or through
// the passes they require. Outside a run (a pass asked for directly, as a
// test does) everything is wanted.
func (p *Project) Wants(r Requirement) bool {
	p.factsMu.Lock()
	defer p.factsMu.Unlock()
	return p.allowed == nil || p.allowed[r]
}

// PassName is the pass's name, for errors.
func (pass *Pass[T]) PassName() string { return pass.Name }

// PassScope is ProjectScope.
func (pass *Pass[T]) PassScope() Scope { return ProjectScope }

// Required is pass.Requires.
func (pass *Pass[T]) Required() []Requirement { return pass.Requires }

// Fact returns the result of pass for p, computing it (after the passes it
// requires) on first use. Safe for concurrent use. If the pass panics,
// Fact panics with an *InternalError naming the pass, now and on every
// later call: the pass is not run again, and each rule that needs it fails
// naming the pass rather than with a nil result.
func Fact[T any](p *Project, pass *Pass[T]) T {
	p.Checkpoint()
	var key any = pass
	variant := ""
	if pass.Variant != nil {
		variant = pass.Variant(p)
		key = variantKey[T]{pass, variant}
	}
	e := p.entry(pass, key)
	if e.computing.Load() {
		// Another rule is computing the pass: while this one waits for
		// it, its worker slot runs another rule.
		defer p.yieldSlot()()
	}
	return e.do(pass.Name, func() any {
		return persisted(p, pass, variant, func() T {
			p.computeRequired(pass)
			return pass.Run(p)
		})
	}).(T)
}

// yieldSlot gives up the calling rule's worker slot, during a run, until
// the returned function takes one again.
func (p *Project) yieldSlot() func() {
	slots := p.slots
	if slots == nil {
		return func() {}
	}
	<-slots
	return func() { slots <- struct{}{} }
}

// entry is the memo of key, checking that the running rules require pass.
func (p *Project) entry(pass Requirement, key any) *factEntry {
	p.factsMu.Lock()
	defer p.factsMu.Unlock()
	if p.allowed != nil && !p.allowed[pass] && testing.Testing() {
		panic(&InternalError{Pass: pass.PassName(), Value: fmt.Sprintf("pass %s is used but no rule of the run requires it (add it to Requires)", pass.PassName())})
	}
	e, ok := p.facts[key]
	if !ok {
		e = &factEntry{}
		p.facts[key] = e
	}
	return e
}

// do runs compute once for the entry and returns its value; a panic in it
// becomes an *InternalError naming name (or the pass it came from),
// re-raised on every call.
func (e *factEntry) do(name string, compute func() any) any {
	e.once.Do(func() {
		e.computing.Store(true)
		defer e.computing.Store(false)
		defer func() {
			if v := recover(); v != nil {
				if _, ok := v.(canceled); ok {
					e.canceled = true // no result: every later use is cancelled too
				} else if ie, ok := v.(*InternalError); ok && ie.Pass != "" {
					e.err = ie // a pass this one needs failed: blame that one
				} else {
					e.err = &InternalError{Pass: name, Value: v, Stack: string(debug.Stack())}
				}
			}
		}()
		e.val = compute()
		e.done = true
	})
	if e.canceled {
		panic(canceled{})
	}
	if e.err != nil {
		panic(e.err)
	}
	return e.val
}

// computeRequired fills, before r runs, the project fields r requires
// (Project.Python for PythonModules): a rule or pass that reads them,
// itself or through a helper, requires PythonModules directly. Passes are
// computed when first asked for, so that a rule that needs one only in
// some projects costs nothing in the others.
func (p *Project) computeRequired(r Requirement) {
	requireFields(p, r.Required())
}

func requireFields(p *Project, rs []Requirement) {
	for _, q := range rs {
		if q == Requirement(PythonModules) {
			Fact(p, PythonModules)
		}
	}
}

// Closure is every pass the rules require, directly or through other
// passes, sorted by name.
func Closure(rules []*Rule) []Requirement {
	seen := requirements(rules)
	out := make([]Requirement, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PassName() < out[j].PassName() })
	return out
}

func requirements(rules []*Rule) map[Requirement]bool {
	seen := map[Requirement]bool{}
	var visit func(Requirement)
	visit = func(r Requirement) {
		if seen[r] {
			return
		}
		seen[r] = true
		for _, q := range r.Required() {
			visit(q)
		}
	}
	for _, rule := range rules {
		for _, r := range rule.Requires {
			visit(r)
		}
	}
	return seen
}

// PythonModules is the project's parsed Python modules (Project.Python):
// the pass a rule or pass requires when it reads Project.Python. Under
// Inputs.ParseOnDemand the files are parsed only when it is computed, or
// one by one through ParsePython.
var PythonModules = &Pass[[]*python.Module]{Name: "python", Run: func(p *Project) []*python.Module {
	mods, err := p.AllPython()
	if err != nil {
		panic(err)
	}
	return mods
}}

// parseFailure is Python files the parser gave up on (not syntax errors),
// as ParsePython and AllPython return them: a pass that panics with it
// fails the run with the parser's error, as Load does.
type parseFailure struct{ err error }

func (e *parseFailure) Error() string { return e.err.Error() }

// PythonFilesParsed is the number of Python files parsed (or taken from the
// parse cache) for p so far.
func (p *Project) PythonFilesParsed() int { return int(p.pyParsed.Load()) }

// deferredPython is a Python file read by Parse but parsed on first use.
type deferredPython struct {
	file *source.File
	once sync.Once
	mod  *python.Module
	err  error
}

func (d *deferredPython) parse(p *Project) (*python.Module, error) {
	d.once.Do(func() {
		if c := p.parses; c != nil {
			_, d.mod, d.err = c.Python(d.file.Path, d.file.Content)
		} else {
			d.mod, d.err = p.parseStored(d.file)
		}
		if d.err == nil {
			p.pyParsed.Add(1)
		}
	})
	return d.mod, d.err
}

// PythonPaths lists the project's Python files that were read, parsed or
// not, sorted.
func (p *Project) PythonPaths() []string {
	if p.deferred == nil {
		out := make([]string, len(p.Python))
		for i, m := range p.Python {
			out[i] = m.File.Path
		}
		return out
	}
	out := make([]string, len(p.deferred))
	for i, d := range p.deferred {
		out[i] = d.file.Path
	}
	return out
}

// ParsePython returns the module of one Python file, parsing it on first
// use when Parse deferred it; nil for a path that is no Python file of the
// project. Safe for concurrent use.
func (p *Project) ParsePython(rel string) (*python.Module, error) {
	if d := p.deferredAt[rel]; d != nil {
		m, err := d.parse(p)
		if err != nil {
			return nil, &parseFailure{err}
		}
		return m, nil
	}
	return p.pyPath[rel], nil
}

// PythonMentioning parses and returns, in path order, the Python modules
// whose text passes a byte-level pre-filter: a pass that can only find
// something in files that spell it parses no others. It panics with the
// parser's error (see PythonModules) when a file does not parse.
func (p *Project) PythonMentioning(mentions func([]byte) bool) []*python.Module {
	var out []*python.Module
	for _, rel := range p.PythonPaths() {
		if f := p.File(rel); f == nil || !mentions(f.Content) {
			continue
		}
		m, err := p.ParsePython(rel)
		if err != nil {
			panic(err)
		}
		if m != nil {
			out = append(out, m)
		}
	}
	return out
}

// PythonFilesMentioning is the Python files, in path order, whose text
// passes a byte-level pre-filter, parsed or not: a pass whose per-file
// facts may come from the fact store parses only the files it computes.
func (p *Project) PythonFilesMentioning(mentions func([]byte) bool) []*source.File {
	var out []*source.File
	for _, rel := range p.PythonPaths() {
		if f := p.File(rel); f != nil && mentions(f.Content) {
			out = append(out, f)
		}
	}
	return out
}

// AllPython parses every Python file Parse deferred (once, on a worker
// pool), fills Project.Python and returns it. A pass that calls it, rather
// than requiring PythonModules, parses the whole project only when it
// turns out to need it.
func (p *Project) AllPython() ([]*python.Module, error) {
	p.pyOnce.Do(func() {
		files := p.deferred
		if len(files) == 0 {
			return
		}
		jobs := make(chan int)
		var wg sync.WaitGroup
		for w := poolSize(p.workers, len(files)); w > 0; w-- {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range jobs {
					files[i].parse(p)
				}
			}()
		}
		for i := range files {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		var errs []error
		mods := make([]*python.Module, 0, len(files))
		for _, d := range files {
			if d.err != nil {
				errs = append(errs, d.err)
				continue
			}
			mods = append(mods, d.mod)
		}
		if len(errs) > 0 {
			p.pyErr = &parseFailure{errors.Join(errs...)}
		} else {
			for _, m := range mods {
				p.pyPath[m.File.Path] = m
			}
			p.Python = mods
		}
	})
	return p.Python, p.pyErr
}

// runPasses prepares a run of rules: it restricts Fact to the passes the
// rules require (the driver itself applies suppressions). The returned
// function ends the restriction.
func (p *Project) runPasses(rules []*Rule) func() {
	need := requirements(rules)
	need[SuppressionsPass] = true
	p.factsMu.Lock()
	defer p.factsMu.Unlock()
	// Overlapping runs allow the union of their requirements.
	union := map[Requirement]bool{}
	for r := range p.allowed {
		union[r] = true
	}
	for r := range need {
		union[r] = true
	}
	p.allowed = union
	p.runs++
	return func() {
		p.factsMu.Lock()
		defer p.factsMu.Unlock()
		if p.runs--; p.runs == 0 {
			p.allowed = nil
		}
	}
}
