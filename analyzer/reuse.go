package analyzer

import (
	"bytes"
	"maps"
	"reflect"
	"slices"
	"sort"

	"github.com/djleak/djleak/parsers/source"
)

// KindConfigs in a pass's Reads stands for the files of every registered
// configuration language (Language).
const KindConfigs Kind = firstLanguageKind - 1

// reusable is a *Pass[T] of any T.
type reusable interface {
	reads() []Kind
	passName() string
}

func (p *Pass[T]) reads() []Kind    { return p.Reads }
func (p *Pass[T]) passName() string { return p.Name }

// inherit takes from prev the results of the passes that declare what they
// read when none of it changed between prev and p: same root, targets and
// configuration, and the same files with the same content for each kind
// the pass reads. A result prev did not finish computing (it failed, or
// its run was cancelled) is not taken.
func (p *Project) inherit(prev *Project) {
	p.inheritCarried(prev)
	if prev.Root != p.Root || !slices.Equal(prev.targets, p.targets) || (prev.targets == nil) != (p.targets == nil) ||
		!reflect.DeepEqual(prev.Config, p.Config) {
		return
	}
	same := map[Kind]bool{}
	unchanged := func(k Kind) bool {
		if v, ok := same[k]; ok {
			return v
		}
		v := sameInput(prev, p, k)
		same[k] = v
		return v
	}
	prev.factsMu.Lock()
	defer prev.factsMu.Unlock()
	p.factsMu.Lock()
	defer p.factsMu.Unlock()
	for key, e := range prev.facts {
		r, ok := key.(reusable)
		if !ok || len(r.reads()) == 0 || !e.done || e.err != nil || e.canceled {
			continue
		}
		all := true
		for _, k := range r.reads() {
			all = all && unchanged(k)
		}
		if !all {
			continue
		}
		n := &factEntry{val: e.val, done: true}
		n.once.Do(func() {})
		p.facts[key] = n
		p.reused = append(p.reused, r.passName())
	}
	sort.Strings(p.reused)
}

// ReusedPasses names the passes whose results this project took from the
// previous load (Options.Previous), sorted.
func (p *Project) ReusedPasses() []string { return p.reused }

// sameInput reports whether the files of kind k are the same, with the same
// content, in both projects.
func sameInput(a, b *Project, k Kind) bool {
	switch k {
	case KindPython:
		// By path and content, parsed or not (Options.ParseOnDemand).
		ap, bp := a.PythonPaths(), b.PythonPaths()
		return slices.EqualFunc(ap, bp, func(x, y string) bool { return sameFile(a.File(x), b.File(y)) })
	case KindTemplate:
		return slices.EqualFunc(a.Templates, b.Templates, sameFile)
	case KindNginx, KindCompose:
		if (a.Nginx == nil) != (b.Nginx == nil) {
			return false
		}
		if a.Nginx != nil {
			if len(a.Nginx.Files) != len(b.Nginx.Files) || !reflect.DeepEqual(a.Nginx.Errors, b.Nginx.Errors) {
				return false
			}
			for rel, f := range a.Nginx.Files {
				if !sameFile(f, b.Nginx.Files[rel]) {
					return false
				}
			}
		}
		return reflect.DeepEqual(a.Deployments, b.Deployments)
	case KindConfigs:
		for _, l := range registeredLanguages() {
			if !sameInput(a, b, l.kind) {
				return false
			}
		}
		return true
	}
	if languageOf(k) == nil {
		return false // a kind this function does not know: never the same
	}
	return slices.EqualFunc(a.configs[k], b.configs[k], func(x, y ConfigFile) bool { return sameFile(x.File, y.File) })
}

func sameFile(a, b *source.File) bool {
	return a == b || (a != nil && b != nil && a.Path == b.Path && bytes.Equal(a.Content, b.Content))
}

// inheritCarried takes what the passes of prev left for the next load
// (SetCarried), for the same root and configuration; what prev itself
// inherited and did not replace comes along, so that a run cancelled
// before its passes set anything passes on the older state.
func (p *Project) inheritCarried(prev *Project) {
	if prev.Root != p.Root || !reflect.DeepEqual(prev.Config, p.Config) {
		return
	}
	prev.carriedMu.Lock()
	defer prev.carriedMu.Unlock()
	if len(prev.carried) == 0 {
		return
	}
	p.carriedMu.Lock()
	defer p.carriedMu.Unlock()
	p.carried = maps.Clone(prev.carried)
}

// Carried returns what a pass left under key for the next load of the same
// project (SetCarried) in the load this project took over from
// (Options.Previous), or nil. A pass that carries state must check that
// the state still applies: files, their content and the other passes'
// results may all have changed in between.
func (p *Project) Carried(key any) any {
	p.carriedMu.Lock()
	defer p.carriedMu.Unlock()
	return p.carried[key]
}

// Carries reports whether the project was loaded to carry state to the
// next load (Options.Carry).
func (p *Project) Carries() bool { return p.carries }

// SetCarried leaves v under key for the next load that takes over from this
// project (Options.Previous).
func (p *Project) SetCarried(key, v any) {
	if !p.carries {
		return
	}
	p.carriedMu.Lock()
	defer p.carriedMu.Unlock()
	if p.carried == nil {
		p.carried = map[any]any{}
	}
	p.carried[key] = v
}
