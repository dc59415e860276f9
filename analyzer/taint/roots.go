package taint

import (
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/python"
)

// Roots: which functions the reporting round analyses --------------------
//
// A hit is a secret (a label of a real source, not a parameter
// placeholder) reaching a sink, recorded while analysing the function that
// holds the sink. A function can hold a secret only if its text spells a
// source (sourceWords, a name the vocabulary calls secret, a name its
// module binds to a source function), or names something that carries one:
// a project function whose summary returns a secret (or a class with such
// a method), an attribute stored with a secret in the first round, a
// module-level variable holding one, or a class attribute set from source
// text. The second round analyses those functions (the roots), in module
// order, and again the functions that name what the new summaries return,
// until none is left; the functions they call are summarised on demand. A
// function that names none of these holds only clean values and
// parameter placeholders, so leaving it out loses no hit.

// sourceWords are the words a function's text holds when it reads a
// source of library.go: a request name, the ASGI scope, an exception
// handler, Django's settings, or the call of a source function, by the
// function's own name or, for the names too common to tell (jwt.encode,
// signing.dumps, secrets.token_*), by their module's. They are derived
// from the tables, so that a source added there needs no second list.
var sourceWords = func() []string {
	ws := []string{requestAttr, scopeName, handlerKeyword, lastComp(settingsObject), tokenClassSuffix}
	ws = slices.AppendSeq(ws, maps.Keys(requestNames))
	ws = slices.AppendSeq(ws, maps.Keys(tracebackAttrs))
	for _, calls := range []map[string]bool{tracebackCalls, excInfoCalls, oneTimeTokenMethods, signerMethods, tokenClassMethods} {
		for q := range calls {
			ws = append(ws, lastComp(q))
		}
	}
	for _, m := range moduleSpelled {
		ws = append(ws, lastComp(m))
	}
	sort.Strings(ws)
	return slices.Compact(ws)
}()

// moduleSpelled are the modules of the source functions that a function
// names through their module: jwt.encode, signing.dumps, secrets.token_*.
var moduleSpelled = []string{moduleOf(jwtEncode), moduleOf(signingDumps), moduleOf(tokenGenerators)}

func moduleOf(q string) string {
	return q[:max(strings.LastIndexByte(q, '.'), 0)]
}

// sourceCall reports whether a qualified callee is a source function of
// library.go, or one of moduleSpelled, so that a module's local name for
// it spells a source (`from jwt import encode`, `import jwt as pyjwt`).
func sourceCall(q string) bool {
	return tracebackCalls[q] || excInfoCalls[q] || q == jwtEncode ||
		q == signingDumps || strings.HasPrefix(q, tokenGenerators) || slices.Contains(moduleSpelled, q)
}

// rootScan is the per-function text index of the second round. Words are
// interned (wordTable): a function's text is the sorted set of its word
// ids, so that a word's verdict (spells a source or not) is decided once
// per project, not once per function holding it.
type rootScan struct {
	a     *analysis
	words []*rootWords // per module (shared: read only)
	names []string     // wordTable's words when the scan was built
	// mentions tells the functions whose text holds a defined name.
	mentions *mentionIndex
	// vocab caches, per word id, whether the vocabulary calls the word
	// secret (0 not asked yet, 1 yes, 2 no).
	vocab   []uint8
	spelled map[string]bool // words that make a function a root
	// spelledID is spelled by word id, once it is complete (initial).
	spelledID []bool
	classes   map[string]bool // class names spelled, with their subclasses
	subs      map[string][]string
}

// wordTable interns words for the process: ids are stable, so that a
// module's word sets (moduleWords) are kept between an editor's lints.
// It only grows, by the distinct words of the code the process has seen.
var wordTable struct {
	sync.Mutex
	ids   map[string]int32
	names []string
}

// internWords returns the ids of words, interning new ones.
func internWords(text []byte, spans []wordSpan) []wordSpan {
	wordTable.Lock()
	defer wordTable.Unlock()
	if wordTable.ids == nil {
		wordTable.ids = map[string]int32{}
	}
	forEachWord(text, func(i, j int) {
		id, ok := wordTable.ids[string(text[i:j])]
		if !ok {
			id = int32(len(wordTable.names))
			w := string(text[i:j])
			wordTable.ids[w] = id
			wordTable.names = append(wordTable.names, w)
		}
		spans = append(spans, wordSpan{uint32(i), uint32(j), id})
	})
	return spans
}

// wordID is the id of an interned word.
func wordID(w string) (int32, bool) {
	wordTable.Lock()
	defer wordTable.Unlock()
	id, ok := wordTable.ids[w]
	return id, ok
}

// wordName is the word of an id.
func wordName(id int32) string {
	wordTable.Lock()
	defer wordTable.Unlock()
	return wordTable.names[id]
}

// moduleWords holds, per module content, its words as the scan reads them
// (rootWords).
var moduleWords analyzer.ContentMemo[*rootWords]

// rootWords is what the scan reads of a module, as sorted sets of word ids:
// each function's words (in Module.Functions order; nested functions hold
// their parent's words too), the values of class-body assignments, and the
// names the module defines (functions and classes).
type rootWords struct {
	fns   [][]int32
	attrs []attrWords
	defs  []int32
}

type attrWords struct {
	target string
	ids    []int32
}

type rootWordsKey struct{}

// wordsOf is a module's rootWords, kept on the module too (cheaper to find
// there than by content).
func wordsOf(m *python.Module) *rootWords {
	return python.MemoOf(m, rootWordsKey{}, func() *rootWords {
		return moduleWords.Get("", m.File.Content, func() *rootWords { return newRootWords(m) })
	})
}

func newRootWords(m *python.Module) *rootWords {
	spans := internWords(m.File.Content, nil)
	out := &rootWords{fns: make([][]int32, len(m.Functions))}
	var set []int32
	sortedIDs := func(spans []wordSpan) []int32 {
		set = set[:0]
		for _, sp := range spans {
			set = append(set, sp.id)
		}
		slices.Sort(set)
		return slices.Clone(slices.Compact(set))
	}
	for k, f := range m.Functions {
		lo, hi := uint32(f.Node.StartByte()), uint32(f.Node.EndByte())
		i := sort.Search(len(spans), func(i int) bool { return spans[i].start >= lo })
		j := i
		for j < len(spans) && spans[j].end <= hi {
			j++
		}
		out.fns[k] = sortedIDs(spans[i:j])
	}
	var defs []byte
	for _, f := range m.Functions {
		defs = append(append(defs, f.Name...), ' ')
	}
	for _, c := range m.Classes {
		defs = append(append(defs, c.Name...), ' ')
		for _, as := range c.Assigns {
			if as.Value != nil {
				out.attrs = append(out.attrs, attrWords{as.Target, sortedIDs(internWords([]byte(as.Value.Text), nil))})
			}
		}
	}
	out.defs = sortedIDs(internWords(defs, nil))
	return out
}

func (a *analysis) newRootScan() *rootScan {
	r := &rootScan{a: a, spelled: map[string]bool{}, classes: map[string]bool{}, subs: map[string][]string{}}
	if in := a.inc; in != nil && in.prev != nil {
		r.vocab = slices.Clone(in.prev.vocabIDs) // same vocabulary (startIncr)
	}
	for _, w := range sourceWords {
		r.spelled[w] = true
	}
	// One scan of each module's text, once per content; each function
	// takes the words within its bytes.
	words := make([]*rootWords, len(a.proj.Python))
	for i, m := range a.proj.Python {
		words[i] = wordsOf(m)
	}
	wordTable.Lock()
	r.names = wordTable.names // only appended to: a valid snapshot
	wordTable.Unlock()
	// next looks up the functions that mention a project function or
	// class: only those names are indexed, and an editor's runs keep the
	// index, updating it for the modules that changed.
	r.words = words
	var prev *mentionIndex
	if in := a.inc; in != nil && in.prev != nil {
		prev = in.prev.mentions
	}
	r.mentions = indexMentions(prev, a.proj.Python, words)
	if in := a.inc; in != nil {
		in.next.mentions = r.mentions
	}
	for i, m := range a.proj.Python {
		for l, q := range a.mods[m].imports {
			if sourceCall(q) {
				r.spelled[l] = true
			}
		}
		w := words[i]
		for _, c := range m.Classes {
			for _, b := range c.Bases {
				r.subs[lastComp(b)] = append(r.subs[lastComp(b)], c.Name)
			}
		}
		// Class attributes read through self: those set from source
		// text.
		for _, at := range w.attrs {
			if slices.ContainsFunc(at.ids, r.spellsID) {
				r.spelled[at.target] = true
			}
		}
	}
	return r
}

// mentionIndex holds, for each defined name (a project function's or
// class's, by word id), the functions whose text holds it.
type mentionIndex struct {
	mods  []*python.Module // the modules indexed
	def   []bool
	lists [][]fnRef
}

// fnRef is a function by module index and place in Module.Functions.
type fnRef struct{ mod, fn int32 }

// indexMentions indexes mods, from prev (an earlier run's index) where it
// can: when the same paths are indexed and the changed modules define no
// name prev does not index, only the lists of the names those modules
// mention (before or after the change) are rebuilt.
func indexMentions(prev *mentionIndex, mods []*python.Module, words []*rootWords) *mentionIndex {
	if prev == nil || len(prev.mods) != len(mods) {
		return buildMentions(mods, words)
	}
	var changed []int
	for i, m := range mods {
		if prev.mods[i] == m {
			continue
		}
		if prev.mods[i].File.Path != m.File.Path {
			return buildMentions(mods, words)
		}
		for _, id := range words[i].defs {
			if int(id) >= len(prev.def) || !prev.def[id] {
				return buildMentions(mods, words)
			}
		}
		changed = append(changed, i)
	}
	if len(changed) == 0 {
		return prev
	}
	ix := &mentionIndex{mods: mods, def: prev.def, lists: slices.Clone(prev.lists)}
	isChanged := map[int32]bool{}
	added := map[int32][]fnRef{}
	dirty := map[int32]bool{}
	for _, i := range changed {
		isChanged[int32(i)] = true
		for _, ids := range wordsOf(prev.mods[i]).fns {
			for _, id := range ids {
				if int(id) < len(ix.def) && ix.def[id] {
					dirty[id] = true
				}
			}
		}
		for k, ids := range words[i].fns {
			for _, id := range ids {
				if int(id) < len(ix.def) && ix.def[id] {
					dirty[id] = true
					added[id] = append(added[id], fnRef{int32(i), int32(k)})
				}
			}
		}
	}
	for id := range dirty {
		var l []fnRef
		for _, f := range ix.lists[id] {
			if !isChanged[f.mod] {
				l = append(l, f)
			}
		}
		ix.lists[id] = append(l, added[id]...)
	}
	return ix
}

func buildMentions(mods []*python.Module, words []*rootWords) *mentionIndex {
	ix := &mentionIndex{mods: mods}
	for _, w := range words {
		for _, id := range w.defs {
			ix.def = growTo(ix.def, id)
			ix.def[id] = true
		}
	}
	// Each name's list is carved from one array, counted first.
	count := make([]int32, len(ix.def))
	total := 0
	for _, w := range words {
		for _, ids := range w.fns {
			for _, id := range ids {
				if int(id) < len(ix.def) && ix.def[id] {
					count[id]++
					total++
				}
			}
		}
	}
	ix.lists = make([][]fnRef, len(ix.def))
	backing := make([]fnRef, total)
	for id, n := range count {
		ix.lists[id], backing = backing[:0:n], backing[n:]
	}
	for i, w := range words {
		for k, ids := range w.fns {
			for _, id := range ids {
				if int(id) < len(ix.def) && ix.def[id] {
					ix.lists[id] = append(ix.lists[id], fnRef{int32(i), int32(k)})
				}
			}
		}
	}
	return ix
}

// growTo returns s long enough to index id, doubling as it grows.
func growTo[T any](s []T, id int32) []T {
	if int(id) < len(s) {
		return s
	}
	n := max(int(id)+1, 2*len(s))
	return slices.Grow(s, n-len(s))[:n]
}

// wordSpan is one word of a module's text: its id and byte range.
type wordSpan struct {
	start, end uint32
	id         int32
}

// spellsID reports whether word id spells a source, by the fixed words,
// the carriers found so far or the vocabulary.
func (r *rootScan) spellsID(id int32) bool {
	if r.spelledID != nil {
		if int(id) < len(r.spelledID) && r.spelledID[id] {
			return true
		}
	} else if r.spelled[r.word(id)] {
		return true
	}
	return r.vocabSecret(id)
}

// word is the word of an id.
func (r *rootScan) word(id int32) string {
	if int(id) < len(r.names) {
		return r.names[id]
	}
	return wordName(id) // interned after the scan was built
}

// vocabSecret reports whether the vocabulary calls word id secret.
func (r *rootScan) vocabSecret(id int32) bool {
	r.vocab = growTo(r.vocab, id)
	if r.vocab[id] == 0 {
		r.vocab[id] = 2
		w := r.word(id)
		if r.a.vocab.TokenName(w, true) || r.a.vocab.TokenName(w, false) {
			r.vocab[id] = 1
		}
	}
	return r.vocab[id] == 1
}

// carriers adds the names of what holds secrets once the first round and
// the module environments are known: attributes stored with a secret and
// module-level variables holding one (with the names importing modules
// bind them to).
func (r *rootScan) carriers() {
	for k, v := range r.a.fields {
		if deepReal(v, 0) {
			r.spelled[k.name] = true
		}
	}
	tainted := map[string]bool{}
	for _, mi := range r.a.mods {
		if mi.env == nil {
			continue
		}
		for _, n := range mi.env.realNames() {
			r.spelled[n] = true
			tainted[mi.name+"."+n] = true
		}
	}
	for _, mi := range r.a.mods {
		for l, q := range mi.imports {
			if tainted[q] {
				r.spelled[l] = true
			}
		}
	}
}

// everyFunction makes every function a root (the scheme before roots),
// for the test that compares the two.
var everyFunction bool

// initial is the functions whose text spells a source or a carrier.
func (r *rootScan) initial() map[*python.Function]bool {
	r.spelledID = make([]bool, len(r.names))
	for w := range r.spelled {
		if id, ok := wordID(w); ok && int(id) < len(r.spelledID) {
			r.spelledID[id] = true
		}
	}
	if in := r.a.inc; in != nil {
		defer func() { in.next.vocabIDs = r.vocab }()
	}
	out := map[*python.Function]bool{}
	for i, m := range r.a.proj.Python {
		for k, f := range m.Functions {
			if everyFunction || slices.ContainsFunc(r.words[i].fns[k], r.spellsID) {
				out[f] = true
			}
		}
	}
	return out
}

// next returns the functions, not summarised yet, that name a function
// whose summary returns a secret (or its class, or a subclass).
func (r *rootScan) next() map[*python.Function]bool {
	var names []string
	for f, s := range r.a.funcs {
		if s.real == 0 {
			s.real = 2
			if s.ret != nil && deepReal(s.ret, 0) {
				s.real = 1
			}
		}
		if s.real != 1 {
			continue
		}
		names = append(names, f.Name)
		if f.Class != nil {
			names = r.classNames(f.Class.Name, names)
		}
	}
	out := map[*python.Function]bool{}
	for _, n := range names {
		id, ok := wordID(n)
		if !ok || int(id) >= len(r.mentions.lists) {
			continue
		}
		for _, ref := range r.mentions.lists[id] {
			if f := r.a.proj.Python[ref.mod].Functions[ref.fn]; r.a.funcs[f] == nil {
				out[f] = true
			}
		}
	}
	return out
}

func (r *rootScan) classNames(c string, out []string) []string {
	if r.classes[c] {
		return out
	}
	r.classes[c] = true
	out = append(out, c)
	for _, s := range r.subs[c] {
		out = r.classNames(s, out)
	}
	return out
}

// deepReal reports whether v, its elements or fields carry a real label.
func deepReal(v *Val, depth int) bool {
	if v == nil || depth > 8 {
		return false
	}
	if hasReal(v) {
		return true
	}
	for _, e := range v.Elems {
		if deepReal(e, depth+1) {
			return true
		}
	}
	for _, f := range v.Fields {
		if deepReal(f, depth+1) {
			return true
		}
	}
	return false
}

// forEachWord calls f with the byte range of each identifier-like word of
// text (ASCII letters, digits and '_', not starting with a digit; other
// bytes split words).
func forEachWord(text []byte, f func(i, j int)) {
	for i := 0; i < len(text); {
		if !wordByte(text[i]) || '0' <= text[i] && text[i] <= '9' {
			i++
			continue
		}
		j := i + 1
		for j < len(text) && wordByte(text[j]) {
			j++
		}
		f(i, j)
		i = j
	}
}

func wordByte(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
