package taint

import (
	"maps"
	"slices"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/python"
)

// Incremental runs -----------------------------------------------------------
//
// In an editor session (analyzer.Options.Carry) a run leaves what it
// computed for the next one, as records. A record is one request the
// driver makes with nothing in progress: a module's top-level code, or a
// function's summary, in one round. It holds what the request read that
// earlier requests had produced (summaries, module and class
// environments, round-1 attributes, each by pointer), the modules whose
// content it looked at (deps), and what it produced, in order: the
// summaries and environments it computed, the attributes it stored, the
// hits it recorded, the sources it used.
//
// The next run makes the same requests in the same order. A request whose
// record touched no changed module, and whose every read finds the very
// object it read before, is replayed: its products are installed and its
// hits recorded again, through the same de-duplication, without
// analysing anything. Any other request is analysed afresh (and recorded).
// Because replay reproduces every side effect a fresh analysis has, in
// the same order, the run's hits are those of a run from scratch. Pointer
// identity is what makes a read cheap to check; the price is that a
// recomputed summary invalidates its readers even when it came out the
// same.
//
// What the analysis memoises within a run (qualified names, constants)
// carries the deps of its computation, added to every request that uses
// the memo.

// modSet is a set of module indexes (positions in Project.Python).
type modSet []uint64

func newModSet(n int) modSet { return make(modSet, (n+63)/64) }

func (s modSet) add(i int) { s[i>>6] |= 1 << (uint(i) & 63) }

func (s modSet) or(t modSet) {
	for i, w := range t {
		s[i] |= w
	}
}

func (s modSet) meets(t modSet) bool {
	for i, w := range t {
		if s[i]&w != 0 {
			return true
		}
	}
	return false
}

// carryKey keys a run's state among what a project carries: one state per
// set of sink kinds recorded.
type carryKey struct{ sinks sinkSet }

// carried is what a run leaves for the next.
type carried struct {
	salt  string
	fixed map[string]bool
	// mods is the run's Project.Python: a module whose pointer changed has
	// changed content.
	mods    []*python.Module
	records [2]map[reqKey]*record
	srcs    map[string]*Source
	iterID  int
	// writes are the values stored in each attribute in round 1, in
	// order; fields the attributes' values after it.
	writes map[fieldKey][]*Val
	fields map[fieldKey]*Val
	// stats is what the run replayed and analysed.
	stats Stats
}

// reqKey is a request of the driver: a module's top-level code (mod) or a
// function's summary (fn).
type reqKey struct {
	fn  *python.Function
	mod *python.Module
}

type record struct {
	deps modSet
	// What the request read that others had produced.
	sums    []*summary
	envs    []*env
	envMods []*python.Module
	clsRead []classEnvAt
	fields  []fieldRead
	// What it produced.
	created []*summary // during the request; newSums after it
	newSums []*summary
	newEnvs []*modInfo // during the request; envOut after it
	envOut  []envOut
	clsSet  []classEnvAt
	writes  []fieldWrite
	hits    []Hit
	srcs    []*Source
	cycles  int
	cut     bool
}

type classEnvAt struct {
	mod *python.Module
	cls *python.Class
	env *env
}

type fieldRead struct {
	key fieldKey
	v   *Val
	ok  bool
}

type fieldWrite struct {
	key fieldKey
	v   *Val
}

type envOut struct {
	mod *python.Module
	env *env
}

// incr is a run's side of incremental analysis.
type incr struct {
	prev        *carried // nil: nothing to replay
	changed     modSet
	changedPath map[string]bool
	next        *carried
	srcUser     map[*Source]*record
	// Replayed and Analysed count the requests.
	replayed, analysed int
}

// Stats are what the last run replayed and analysed afresh, for tests.
type Stats struct{ Replayed, Analysed int }

// startIncr sets up the run's incremental state when the project carries
// state between loads, taking the previous run's if it still applies.
func (a *analysis) startIncr() {
	p := a.proj
	if !p.Carries() {
		return
	}
	fixed := analyzer.Fact(p, fixedMessages)
	in := &incr{srcUser: map[*Source]*record{}, next: &carried{
		salt: vocabSalt(p), fixed: fixed, mods: p.Python,
		records: [2]map[reqKey]*record{{}, {}},
		srcs:    map[string]*Source{}, writes: map[fieldKey][]*Val{},
	}}
	a.inc = in
	prev, _ := p.Carried(carryKey{a.sinks}).(*carried)
	if prev == nil || prev.salt != in.next.salt || !maps.Equal(prev.fixed, fixed) ||
		!slices.EqualFunc(prev.mods, p.Python, func(x, y *python.Module) bool { return x.File.Path == y.File.Path }) {
		return
	}
	in.prev = prev
	in.changed = newModSet(len(p.Python))
	in.changedPath = map[string]bool{}
	for i, m := range p.Python {
		if prev.mods[i] != m {
			in.changed.add(i)
			in.changedPath[m.File.Path] = true
		}
	}
	a.iterID = prev.iterID
}

// finishIncr leaves the run's state for the next load.
func (a *analysis) finishIncr() {
	if a.inc == nil {
		return
	}
	n := a.inc.next
	n.iterID = a.iterID
	n.stats = Stats{Replayed: a.inc.replayed, Analysed: a.inc.analysed}
	a.proj.SetCarried(carryKey{a.sinks}, n)
}

// top makes one request of the driver: replayed from the previous run's
// record when that still holds, else computed and recorded.
func (a *analysis) top(k reqKey, compute func()) {
	in := a.inc
	if in == nil {
		compute()
		return
	}
	if in.prev != nil {
		if r := in.prev.records[a.round-1][k]; r != nil && a.holds(r) {
			a.replay(r)
			in.next.records[a.round-1][k] = r
			in.replayed++
			return
		}
	}
	in.analysed++
	r := &record{deps: newModSet(len(a.proj.Python))}
	a.cur, a.dep = r, r.deps
	start := a.cycleRounds
	compute()
	r.cycles = a.cycleRounds - start
	for _, s := range r.created {
		if a.funcs[s.fn] == s {
			r.newSums = append(r.newSums, s)
		}
	}
	for _, mi := range r.newEnvs {
		r.envOut = append(r.envOut, envOut{mi.m, mi.env})
	}
	r.created, r.newEnvs = nil, nil
	a.cur, a.dep = nil, nil
	in.next.records[a.round-1][k] = r
}

// holds reports whether replaying r gives what analysing its request now
// would: nothing it looked at changed, and everything it read is the same.
func (a *analysis) holds(r *record) bool {
	if r.cut || a.cycleRounds+r.cycles >= maxCycleRoundsPerRun || r.deps.meets(a.inc.changed) {
		return false
	}
	for _, s := range r.sums {
		if a.funcs[s.fn] != s {
			return false
		}
	}
	for i, e := range r.envs {
		if mi := a.mods[r.envMods[i]]; mi == nil || mi.state != 2 || mi.env != e {
			return false
		}
	}
	for _, c := range r.clsRead {
		if mi := a.mods[c.mod]; mi == nil || mi.classEnv[c.cls] != c.env {
			return false
		}
	}
	for _, f := range r.fields {
		if v, ok := a.fields[f.key]; v != f.v || ok != f.ok {
			return false
		}
	}
	for _, s := range r.newSums {
		if a.funcs[s.fn] != nil {
			return false
		}
	}
	for _, e := range r.envOut {
		if mi := a.mods[e.mod]; mi == nil || mi.state != 0 {
			return false
		}
	}
	return true
}

// replay installs what r produced and records its hits again.
func (a *analysis) replay(r *record) {
	for _, s := range r.newSums {
		a.funcs[s.fn] = s
	}
	for _, e := range r.envOut {
		mi := a.mods[e.mod]
		mi.env, mi.state, mi.rec = e.env, 2, r
	}
	for _, c := range r.clsSet {
		a.mods[c.mod].classEnv[c.cls] = c.env
	}
	for _, w := range r.writes {
		a.storeField(w.key, w.v)
	}
	for _, s := range r.srcs {
		a.inc.next.srcs[s.key] = s
	}
	a.cycleRounds += r.cycles
	for _, h := range r.hits {
		a.addHit(h)
	}
}

// touch marks a module's content as looked at by the request in progress.
func (a *analysis) touch(mi *modInfo) *modInfo {
	if a.dep != nil && mi != nil {
		a.dep.add(mi.idx)
	}
	return mi
}

// info is the run's view of a project module, marked as looked at.
func (a *analysis) info(m *python.Module) *modInfo { return a.touch(a.mods[m]) }

// memoDeps runs compute, a memoised computation, with its own set of
// looked-at modules, which it returns (also adding it to the request's).
func (a *analysis) memoDeps(compute func()) modSet {
	if a.inc == nil {
		compute()
		return nil
	}
	outer := a.dep
	d := newModSet(len(a.proj.Python))
	a.dep = d
	compute()
	a.dep = outer
	if outer != nil {
		outer.or(d)
	}
	return d
}

// memo is a memoised value with the modules its computation looked at.
type memo[T any] struct {
	v    T
	deps modSet
}

// usedMemo adds a memo entry's deps to the request's.
func (a *analysis) usedMemo(d modSet) {
	if a.dep != nil && d != nil {
		a.dep.or(d)
	}
}

// readSummary notes that the request read a summary it did not compute.
func (a *analysis) readSummary(s *summary) {
	if r := a.cur; r != nil && s.rec != r && s.state == 2 {
		r.sums = append(r.sums, s)
	}
}

// newSummary notes a summary the request computes.
func (a *analysis) newSummary(s *summary) {
	if r := a.cur; r != nil {
		s.rec = r
		r.created = append(r.created, s)
	}
}

// readEnv notes that the request read a module environment.
func (a *analysis) readEnv(mi *modInfo) {
	a.touch(mi)
	if r := a.cur; r != nil && mi.rec != r && mi.state == 2 {
		r.envs = append(r.envs, mi.env)
		r.envMods = append(r.envMods, mi.m)
	}
}

// newEnv notes a module environment the request computes.
func (a *analysis) newModEnv(mi *modInfo) {
	a.touch(mi)
	if r := a.cur; r != nil {
		mi.rec = r
		r.newEnvs = append(r.newEnvs, mi)
	}
}

// classEnvOf reads a class's attribute environment.
func (a *analysis) classEnvOf(mi *modInfo, cls *python.Class) *env {
	ce := mi.classEnv[cls]
	if r := a.cur; r != nil && mi.rec != r {
		r.clsRead = append(r.clsRead, classEnvAt{mi.m, cls, ce})
	}
	return ce
}

// setClassEnv stores a class's attribute environment.
func (a *analysis) setClassEnv(mi *modInfo, cls *python.Class, ce *env) {
	mi.classEnv[cls] = ce
	if r := a.cur; r != nil {
		r.clsSet = append(r.clsSet, classEnvAt{mi.m, cls, ce})
	}
}

// readField reads an attribute collected in round 1.
func (a *analysis) readField(k fieldKey) (*Val, bool) {
	v, ok := a.fields[k]
	if r := a.cur; r != nil {
		r.fields = append(r.fields, fieldRead{k, v, ok})
	}
	return v, ok
}

// writeField stores a value in an attribute (round 1).
func (a *analysis) writeField(k fieldKey, v *Val) {
	if r := a.cur; r != nil {
		r.writes = append(r.writes, fieldWrite{k, v})
	}
	a.storeField(k, v)
}

func (a *analysis) storeField(k fieldKey, v *Val) {
	a.fields[k] = join(a.fields[k], v)
	if a.inc != nil {
		a.inc.next.writes[k] = append(a.inc.next.writes[k], v)
	}
}

// keepFields ends round 1: an attribute stored with the same values as in
// the previous run keeps that run's value, so that the requests that read
// it can be replayed.
func (a *analysis) keepFields() {
	in := a.inc
	if in == nil {
		return
	}
	if in.prev != nil {
		for k, ws := range in.next.writes {
			if old, ok := in.prev.fields[k]; ok && slices.Equal(in.prev.writes[k], ws) {
				a.fields[k] = old
			}
		}
	}
	in.next.fields = maps.Clone(a.fields)
}

// usedSource notes a source the request's values hold, so that the next
// run keeps its identity.
func (a *analysis) usedSource(s *Source) {
	if in := a.inc; in != nil {
		in.next.srcs[s.key] = s
		if r := a.cur; r != nil && in.srcUser[s] != r {
			in.srcUser[s] = r
			r.srcs = append(r.srcs, s)
		}
	}
}

// oldSource returns the previous run's source for a key, at a location in
// a module that did not change: the analysis sets some of a source's
// properties after creating it, from the code around it.
func (a *analysis) oldSource(k, path string) *Source {
	if in := a.inc; in != nil && in.prev != nil && !in.changedPath[path] {
		return in.prev.srcs[k]
	}
	return nil
}

// noteHit notes a hit the request records.
func (a *analysis) noteHit(h Hit) {
	if r := a.cur; r != nil {
		r.hits = append(r.hits, h)
	}
}

// cutCycles notes that the per-run bound on cycle rounds cut a cycle
// short: what the request computed depends on the rounds spent before it.
func (a *analysis) cutCycles() {
	if r := a.cur; r != nil {
		r.cut = true
	}
}

// topEnv is the driver's request for a module's top-level code.
func (a *analysis) topEnv(m *python.Module) {
	if mi := a.mods[m]; mi.state == 0 {
		a.top(reqKey{mod: m}, func() { a.moduleEnv(mi) })
	}
}

// topSummary is the driver's request for a function's summary.
func (a *analysis) topSummary(f *python.Function) {
	if a.funcs[f] == nil {
		a.top(reqKey{fn: f}, func() { a.summary(f) })
	}
}
