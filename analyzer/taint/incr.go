package taint

import (
	"maps"
	"math/bits"
	"slices"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/python"
)

// Incremental runs -----------------------------------------------------------
//
// In an editor session (analyzer.Inputs.Carry) a run leaves what it
// computed for the next one. Everything a run produces that another
// computation can see goes into its log, in order: the summaries and
// module environments it computes, class environments, attribute stores
// (round 1), the hits it records (before de-duplication) and the sources
// its values hold. Each request — a function's summary or a module's
// top-level code, in one round, whether the driver or a caller makes it —
// is a record: the span of the log it produced, the modules whose content
// it looked at (deps), and what it read that was produced before it
// started (summaries, environments, attributes, each by pointer).
//
// The next run makes the same requests. Before analysing one, it looks up
// the previous run's record: if no module it looked at changed, every
// object it read is the very one it read then, and nothing it produced
// exists yet, the record is replayed — its span of the log is installed
// and recorded again (hits through the same de-duplication), without
// analysing anything — else the request is analysed afresh. A replayed
// span is what a fresh analysis would produce, in the same order, so the
// run's hits are those of a run from scratch. A request that read a
// summary or environment still in progress (a recursion or import cycle)
// depends on the request around it and is replayed only as part of that
// one.
//
// Pointer identity is what makes a read cheap to check: a recomputed
// summary invalidates its readers even when it came out the same, but
// only requests that depend on a changed module are recomputed, since
// each nested request is replayed on its own. What the analysis memoises
// within a run (qualified names, constants) carries the deps of its
// computation into every request that uses the memo.

// modSet is a set of module indexes (positions in Project.Python).
type modSet []uint64

func newModSet(n int) modSet { return make(modSet, (n+63)/64) }

func (s modSet) add(i int) { s[i>>6] |= 1 << (uint(i) & 63) }

func (s modSet) or(t modSet) {
	for i, w := range t {
		s[i] |= w
	}
}

// with returns s with i added, allocating a set of n modules if s is nil.
func (s modSet) with(i, n int) modSet {
	if s == nil {
		s = newModSet(n)
	}
	s.add(i)
	return s
}

// each yields the modules of s.
func (s modSet) each(yield func(int) bool) {
	for k, w := range s {
		for w != 0 {
			b := bits.TrailingZeros64(w)
			if !yield(k*64 + b) {
				return
			}
			w &= w - 1
		}
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

// The logs of a run.
const (
	logSums = iota
	logEnvs
	logClasses
	logWrites
	logHits
	logSrcs
	numLogs
)

type runLog struct {
	sums    []*summary // nil for a summary dropped again (cycles)
	envs    []envOut
	classes []classEnvAt
	writes  []fieldWrite
	hits    []Hit
	srcs    []*Source
}

func (l *runLog) lens() [numLogs]int32 {
	return [numLogs]int32{int32(len(l.sums)), int32(len(l.envs)), int32(len(l.classes)), int32(len(l.writes)),
		int32(len(l.hits)), int32(len(l.srcs))}
}

// carried is what a run leaves for the next.
type carried struct {
	salt  string
	fixed map[string]bool
	// mods is the run's Project.Python: a module whose pointer changed has
	// changed content.
	mods []*python.Module
	log  runLog
	// list holds the records in the order they were opened (a request's
	// nested requests follow it); records the last of each request.
	list    []*record
	records [2]map[reqKey]*record
	srcs    map[string]*Source
	// envOf holds each module's environment in each round, by index.
	envOf  [2][]*env
	iterID int
	// writes are the values stored in each attribute in round 1, in
	// order; fields the attributes' values after it.
	writes map[fieldKey][]*Val
	fields map[fieldKey]*Val
	// stats is what the run replayed and analysed.
	stats Stats
	// vocabIDs is the root scan's vocabulary verdict per word id, and
	// mentions its index of defined names.
	vocabIDs []uint8
	mentions *mentionIndex
}

// reqKey is a request: a module's top-level code (mod) or a function's
// summary (fn).
type reqKey struct {
	fn  *python.Function
	mod *python.Module
}

// record is a request's record in one run: where it is in the run's log
// and list, and what it is (the same in every run that replays it).
type record struct {
	// start and end delimit the record's span of each log; idx and last
	// are its place in the run's list and that of its last nested record.
	start, end [numLogs]int32
	idx, last  int32
	*recData
}

// recData is what a record is, whichever run it is in: written while its
// request is analysed, read only once it is complete.
type recData struct {
	key   reqKey
	round int
	deps  modSet
	// What the request read that was produced before it started.
	sums []*summary
	// envs are the modules whose environments it read: those of the
	// record's run, by module (carried.envOf).
	envs    modSet
	clsRead []classEnvAt
	fields  []fieldRead
	cycles  int
	// cut: a cycle's rounds were cut short by the run's bound. partial:
	// the request read something still in progress.
	cut, partial bool
	// While open: the record around it, and the set of looked-at
	// modules to add its deps to.
	parent *record
	outer  modSet
	cyc0   int
	del0   int
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
	// The record that last noted each read: a read it noted already is
	// not noted again.
	sumUser   map[*summary]*record
	clsUser   map[*python.Class]*record
	fieldUser map[fieldKey]*record
	// clsPos is where in the log each class environment was last set.
	clsPos map[*python.Class]int32
	// deletions counts the summaries a cycle dropped again.
	deletions int
	// Replayed and Analysed count the requests.
	replayed, analysed int
}

// Stats are what a run replayed and analysed afresh, for tests.
type Stats struct{ Replayed, Analysed int }

// startIncr sets up the run's incremental state when the project carries
// state between loads, taking the previous run's if it still applies.
func (a *analysis) startIncr() {
	p := a.proj
	if !p.Carries() {
		return
	}
	fixed := analyzer.Fact(p, fixedMessages)
	in := &incr{srcUser: map[*Source]*record{}, sumUser: map[*summary]*record{}, clsUser: map[*python.Class]*record{},
		fieldUser: map[fieldKey]*record{}, clsPos: map[*python.Class]int32{}, next: &carried{
			salt: vocabSalt(p), fixed: fixed, mods: p.Python,
			records: [2]map[reqKey]*record{{}, {}},
			srcs:    map[string]*Source{}, writes: map[fieldKey][]*Val{},
			envOf: [2][]*env{make([]*env, len(p.Python)), make([]*env, len(p.Python))},
		}}
	a.inc = in
	prev, _ := p.Carried(carryKey{a.sinks}).(*carried)
	if prev == nil || prev.salt != in.next.salt || !maps.Equal(prev.fixed, fixed) ||
		!slices.EqualFunc(prev.mods, p.Python, func(x, y *python.Module) bool { return x.File.Path == y.File.Path }) {
		return
	}
	in.prev = prev
	for i, m := range prev.records {
		in.next.records[i] = make(map[reqKey]*record, len(m))
	}
	in.next.list = make([]*record, 0, len(prev.list))
	l, pl := &in.next.log, &prev.log
	l.sums, l.envs, l.classes = make([]*summary, 0, len(pl.sums)), make([]envOut, 0, len(pl.envs)), make([]classEnvAt, 0, len(pl.classes))
	l.writes, l.hits, l.srcs = make([]fieldWrite, 0, len(pl.writes)), make([]Hit, 0, len(pl.hits)), make([]*Source, 0, len(pl.srcs))
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

// request computes what k asks for, or replays the previous run's record
// of it when that still holds.
func (a *analysis) request(k reqKey, compute func()) {
	in := a.inc
	if in == nil {
		compute()
		return
	}
	if in.prev != nil {
		if r := in.prev.records[a.round-1][k]; r != nil && a.holds(r) {
			a.replay(r)
			in.replayed++
			return
		}
	}
	in.analysed++
	r := a.open(k)
	compute()
	a.close(r)
}

func (a *analysis) open(k reqKey) *record {
	n := a.inc.next
	r := &record{start: n.log.lens(), idx: int32(len(n.list)), recData: &recData{key: k, round: a.round,
		deps: newModSet(len(a.proj.Python)), parent: a.cur, outer: a.dep, cyc0: a.cycleRounds, del0: a.inc.deletions}}
	n.list = append(n.list, r)
	a.cur, a.dep = r, r.deps
	return r
}

func (a *analysis) close(r *record) {
	in := a.inc
	n := in.next
	r.end, r.last = n.log.lens(), int32(len(n.list)-1)
	r.cycles = a.cycleRounds - r.cyc0
	if in.deletions != r.del0 {
		for i := r.start[logSums]; i < r.end[logSums]; i++ {
			if s := n.log.sums[i]; s != nil && a.funcs[s.fn] != s {
				n.log.sums[i] = nil
			}
		}
	}
	if f := r.key.fn; f != nil {
		if s := a.funcs[f]; s == nil || s.dep != nil {
			r.partial = true
		}
	}
	n.records[r.round-1][r.key] = r
	a.cur, a.dep = r.parent, r.outer
	a.passUp(r)
	r.parent, r.outer = nil, nil
}

// passUp adds what r looked at and read to the request around it (and to
// the memoised computation in progress), as far as it was produced before
// that request started.
func (a *analysis) passUp(r *record) {
	if a.dep != nil {
		a.dep.or(r.deps)
	}
	p := a.cur
	if p == nil {
		return
	}
	p.cut = p.cut || r.cut
	for _, s := range r.sums {
		if s.pos < p.start[logSums] {
			p.sums = a.inc.addSum(p, s)
		}
	}
	for i := range r.envs.each {
		if a.byIdx[i].pos < p.start[logEnvs] {
			p.envs = p.envs.with(i, len(a.byIdx))
		}
	}
	for _, c := range r.clsRead {
		if a.classPos(c.cls) < p.start[logClasses] {
			p.clsRead = a.inc.addClass(p, c)
		}
	}
	for _, f := range r.fields {
		p.fields = a.inc.addField(p, f)
	}
}

func (a *analysis) classPos(cls *python.Class) int32 {
	if i, ok := a.inc.clsPos[cls]; ok {
		return i
	}
	return -1
}

// holds reports whether replaying r gives what analysing its request now
// would: nothing it looked at changed, everything it read is the same, and
// nothing it produced exists yet.
func (a *analysis) holds(r *record) bool {
	if r.partial || r.cut || a.cycleRounds+r.cycles >= maxCycleRoundsPerRun || r.deps.meets(a.inc.changed) {
		return false
	}
	for _, s := range r.sums {
		if a.funcs[s.fn] != s {
			return false
		}
	}
	envOf := a.inc.prev.envOf[r.round-1]
	for i := range r.envs.each {
		if mi := a.byIdx[i]; mi.state != 2 || mi.env != envOf[i] {
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
	old := &a.inc.prev.log
	for _, s := range old.sums[r.start[logSums]:r.end[logSums]] {
		if s != nil && a.funcs[s.fn] != nil {
			return false
		}
	}
	for _, e := range old.envs[r.start[logEnvs]:r.end[logEnvs]] {
		if mi := a.mods[e.mod]; mi == nil || mi.state != 0 {
			return false
		}
	}
	return true
}

// replay installs r's span of the previous run's log, and records it (with
// r and its nested records) in this run's.
func (a *analysis) replay(r *record) {
	in := a.inc
	old, n := in.prev, in.next
	base, idx := n.log.lens(), int32(len(n.list))
	for _, s := range old.log.sums[r.start[logSums]:r.end[logSums]] {
		if s != nil {
			a.funcs[s.fn] = s
			s.pos = int32(len(n.log.sums))
		}
		n.log.sums = append(n.log.sums, s)
	}
	for _, e := range old.log.envs[r.start[logEnvs]:r.end[logEnvs]] {
		mi := a.mods[e.mod]
		mi.env, mi.state, mi.pos = e.env, 2, int32(len(n.log.envs))
		n.envOf[a.round-1][mi.idx] = e.env
		n.log.envs = append(n.log.envs, e)
	}
	for _, c := range old.log.classes[r.start[logClasses]:r.end[logClasses]] {
		a.mods[c.mod].classEnv[c.cls] = c.env
		in.clsPos[c.cls] = int32(len(n.log.classes))
		n.log.classes = append(n.log.classes, c)
	}
	for _, w := range old.log.writes[r.start[logWrites]:r.end[logWrites]] {
		n.log.writes = append(n.log.writes, w)
		a.storeField(w.key, w.v)
	}
	for _, h := range old.log.hits[r.start[logHits]:r.end[logHits]] {
		n.log.hits = append(n.log.hits, h)
		a.addHit(h)
	}
	for _, s := range old.log.srcs[r.start[logSrcs]:r.end[logSrcs]] {
		n.log.srcs = append(n.log.srcs, s)
		n.srcs[s.key] = s
	}
	a.cycleRounds += r.cycles
	nested := old.list[r.idx : r.last+1]
	copies := make([]record, len(nested))
	for i, o := range nested {
		c := &copies[i]
		*c = *o
		for t := range c.start {
			c.start[t] += base[t] - r.start[t]
			c.end[t] += base[t] - r.start[t]
		}
		c.idx += idx - r.idx
		c.last += idx - r.idx
		n.list = append(n.list, c)
		n.records[c.round-1][c.key] = c
	}
	a.passUp(r)
}

// noteOnce appends v (keyed k) to a list of r's unless r noted k last.
func noteOnce[K comparable, V any](users map[K]*record, r *record, k K, list []V, v V) []V {
	if users[k] == r {
		return list
	}
	users[k] = r
	return append(list, v)
}

func (in *incr) addSum(r *record, s *summary) []*summary {
	return noteOnce(in.sumUser, r, s, r.sums, s)
}

func (in *incr) addClass(r *record, c classEnvAt) []classEnvAt {
	return noteOnce(in.clsUser, r, c.cls, r.clsRead, c)
}

func (in *incr) addField(r *record, f fieldRead) []fieldRead {
	return noteOnce(in.fieldUser, r, f.key, r.fields, f)
}

// markPartial marks the open requests that started after position pos of
// log t as reading something in progress there.
func (a *analysis) markPartial(t int, pos int32) {
	for r := a.cur; r != nil && r.start[t] > pos; r = r.parent {
		r.partial = true
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

// memo is a memoised value with the modules its computation looked at.
type memo[T any] struct {
	v    T
	deps modSet
}

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

// usedMemo adds a memo entry's deps to the request's.
func (a *analysis) usedMemo(d modSet) {
	if a.dep != nil && d != nil {
		a.dep.or(d)
	}
}

// readSummary notes that the request in progress read a summary.
func (a *analysis) readSummary(s *summary) {
	r := a.cur
	if r == nil {
		return
	}
	switch {
	case s.state == 1:
		a.markPartial(logSums, s.pos)
		return
	case s.dep != nil && s.dep.state == 1:
		a.markPartial(logSums, s.dep.pos)
	}
	if s.pos < r.start[logSums] {
		r.sums = a.inc.addSum(r, s)
	}
}

// newSummary logs a summary the run computes.
func (a *analysis) newSummary(s *summary) {
	if in := a.inc; in != nil {
		s.pos = int32(len(in.next.log.sums))
		in.next.log.sums = append(in.next.log.sums, s)
	}
}

// dropped notes that a cycle dropped a summary it had computed.
func (a *analysis) dropped() {
	if a.inc != nil {
		a.inc.deletions++
	}
}

// readEnv notes that the request in progress read a module environment.
func (a *analysis) readEnv(mi *modInfo) {
	a.touch(mi)
	r := a.cur
	if r == nil {
		return
	}
	if mi.state == 1 {
		a.markPartial(logEnvs, mi.pos)
	} else if mi.pos < r.start[logEnvs] {
		r.envs = r.envs.with(mi.idx, len(a.byIdx))
	}
}

// newModEnv logs a module environment the run computes.
func (a *analysis) newModEnv(mi *modInfo) {
	a.touch(mi)
	if in := a.inc; in != nil {
		mi.pos = int32(len(in.next.log.envs))
		in.next.envOf[a.round-1][mi.idx] = mi.env
		in.next.log.envs = append(in.next.log.envs, envOut{mi.m, mi.env})
	}
}

// classEnvOf reads a class's attribute environment.
func (a *analysis) classEnvOf(mi *modInfo, cls *python.Class) *env {
	ce := mi.classEnv[cls]
	if r := a.cur; r != nil && a.classPos(cls) < r.start[logClasses] {
		r.clsRead = a.inc.addClass(r, classEnvAt{mi.m, cls, ce})
	}
	return ce
}

// setClassEnv stores a class's attribute environment.
func (a *analysis) setClassEnv(mi *modInfo, cls *python.Class, ce *env) {
	mi.classEnv[cls] = ce
	if in := a.inc; in != nil {
		in.clsPos[cls] = int32(len(in.next.log.classes))
		in.next.log.classes = append(in.next.log.classes, classEnvAt{mi.m, cls, ce})
	}
}

// readField reads an attribute collected in round 1.
func (a *analysis) readField(k fieldKey) (*Val, bool) {
	v, ok := a.fields[k]
	if r := a.cur; r != nil {
		r.fields = a.inc.addField(r, fieldRead{k, v, ok})
	}
	return v, ok
}

// writeField stores a value in an attribute (round 1).
func (a *analysis) writeField(k fieldKey, v *Val) {
	if in := a.inc; in != nil {
		in.next.log.writes = append(in.next.log.writes, fieldWrite{k, v})
	}
	a.storeField(k, v)
}

// storeField stores v in an attribute. Round 1 reads no attribute, so with
// incremental state the values are only listed here and joined after it
// (keepFields).
func (a *analysis) storeField(k fieldKey, v *Val) {
	if a.inc != nil {
		a.inc.next.writes[k] = append(a.inc.next.writes[k], v)
		return
	}
	a.fields[k] = join(a.fields[k], v)
}

// keepFields ends round 1, joining the values stored in each attribute: an
// attribute stored with the same values as in the previous run keeps that
// run's value, so that the requests that read it can be replayed.
func (a *analysis) keepFields() {
	in := a.inc
	if in == nil {
		return
	}
	for k, ws := range in.next.writes {
		if in.prev != nil {
			if old, ok := in.prev.fields[k]; ok && slices.Equal(in.prev.writes[k], ws) {
				a.fields[k] = old
				continue
			}
		}
		var v *Val
		for _, w := range ws {
			v = join(v, w)
		}
		a.fields[k] = v
	}
	in.next.fields = maps.Clone(a.fields)
}

// usedSource logs a source the request's values hold, so that the next
// run keeps its identity.
func (a *analysis) usedSource(s *Source) {
	if in := a.inc; in != nil {
		in.next.srcs[s.key] = s
		if r := a.cur; r != nil {
			in.next.log.srcs = noteOnce(in.srcUser, r, s, in.next.log.srcs, s)
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

// noteHit logs a hit the run records.
func (a *analysis) noteHit(h Hit) {
	if in := a.inc; in != nil {
		in.next.log.hits = append(in.next.log.hits, h)
	}
}

// cutCycles notes that the per-run bound on cycle rounds cut a cycle
// short: what the request computed depends on the rounds spent before it.
func (a *analysis) cutCycles() {
	if r := a.cur; r != nil {
		r.cut = true
	}
}
