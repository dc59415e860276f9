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
// previous load (Inputs.Previous), sorted.
func (p *Project) ReusedPasses() []string { return p.reused }

// sameInput reports whether the files of kind k are the same, with the same
// content, in both projects.
func sameInput(a, b *Project, k Kind) bool {
	ai, aok := inputOf(a, k)
	bi, bok := inputOf(b, k)
	return aok && bok && slices.EqualFunc(ai.files, bi.files, sameFile) && reflect.DeepEqual(ai.extra, bi.extra)
}

// input is what a pass that reads the files of one kind sees of a
// project: the files, in path order, and what their parse found beyond
// their content (nginx: the parse's errors, the Compose deployments).
type input struct {
	files []*source.File
	extra any
}

// inputOf is the input of kind k in p; false for a kind it does not know,
// which is then never the same as in another load.
func inputOf(p *Project, k Kind) (input, bool) {
	switch k {
	case KindPython:
		// By path and content, parsed or not (Inputs.ParseOnDemand).
		var in input
		for _, rel := range p.PythonPaths() {
			in.files = append(in.files, p.File(rel))
		}
		return in, true
	case KindTemplate:
		return input{files: p.Templates}, true
	case KindNginx, KindCompose:
		if p.Nginx == nil {
			return input{extra: []any{p.Deployments}}, true
		}
		in := input{extra: []any{p.Deployments, p.Nginx.Errors}}
		for _, rel := range slices.Sorted(maps.Keys(p.Nginx.Files)) {
			in.files = append(in.files, p.Nginx.Files[rel])
		}
		return in, true
	case KindConfigs:
		var in input
		for _, l := range registeredLanguages() {
			li, _ := inputOf(p, l.kind)
			in.files = append(in.files, li.files...)
		}
		return in, true
	}
	if languageOf(k) == nil {
		return input{}, false
	}
	var in input
	for _, c := range p.configs[k] {
		in.files = append(in.files, c.File)
	}
	return in, true
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
// (Inputs.Previous), or nil. A pass that carries state must check that
// the state still applies: files, their content and the other passes'
// results may all have changed in between.
func (p *Project) Carried(key any) any {
	p.carriedMu.Lock()
	defer p.carriedMu.Unlock()
	return p.carried[key]
}

// Carries reports whether the project was loaded to carry state to the
// next load (Inputs.Carry).
func (p *Project) Carries() bool { return p.carries }

// SetCarried leaves v under key for the next load that takes over from this
// project (Inputs.Previous).
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
