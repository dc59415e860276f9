// Package taint is djleak's dataflow pass for secrets in Python code: it
// follows tokens, request credentials, whole header collections and
// exception text from where they appear (sources) to URLs, logs and HTTP
// responses (sinks), within functions and across them.
//
// The analysis is an abstract interpretation of each function over the
// syntax tree: variables map to abstract values (Val) that carry
// labels (one per source, with the flow steps it took). Branches are
// analysed separately and joined; loops run twice. Calls to project
// functions use summaries — what a function returns in terms of its
// parameters and which parameters reach which sinks — computed on demand,
// across modules through imports. Attributes assigned on self (per class)
// and on request (project-wide, for middleware) are collected in a first
// round and read in the second.
//
// Header collections carry a bit set of the sensitive headers still in
// them (Authorization, Proxy-Authorization, Cookie, X-Api-Key, per key
// style); comprehension filters, `if … continue` and `del`/`pop` narrow it
// by evaluating the filter condition for each header's concrete key.
package taint

import (
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/pysem"
	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
)

// SinkKind classifies where a value ends up.
type SinkKind int

const (
	// SinkLog is a logging call, print or a write to stdout/stderr.
	SinkLog SinkKind = iota
	// SinkResponse is an HTTP response body (Hit.Error says whether it is
	// an error response).
	SinkResponse
	// SinkURL is a URL whose query string is built with the value.
	SinkURL
	// SinkRedirect is a redirect target or reverse() arguments.
	SinkRedirect
	// SinkOutbound is the URL or params= of an outbound HTTP request.
	SinkOutbound
	// SinkAuth is a use of the value to authenticate.
	SinkAuth
	numSinks
)

var sinkNames = [numSinks]string{SinkLog: "log", SinkResponse: "response", SinkURL: "url", SinkRedirect: "redirect",
	SinkOutbound: "outbound", SinkAuth: "auth"}

func (k SinkKind) String() string {
	if k < 0 || k >= numSinks {
		return Sprintf("SinkKind(%d)", int(k))
	}
	return sinkNames[k]
}

// sinkSet is a set of sink kinds, one bit each.
type sinkSet uint8

const allSinks sinkSet = 1<<numSinks - 1

func (s sinkSet) has(k SinkKind) bool { return s&(1<<k) != 0 }

// sinkNeeds are the requirements Sinks returns, one per kind.
var sinkNeeds [numSinks]*analyzer.Need

func init() {
	for k := range sinkNeeds {
		sinkNeeds[k] = &analyzer.Need{Name: "taint:" + sinkNames[k], Requires: []analyzer.Requirement{Pass}}
	}
}

// Sinks is what a rule requires to read the hits of the given kinds (with
// For): the pass records only the kinds the run's rules declare.
func Sinks(kinds ...SinkKind) []analyzer.Requirement {
	out := make([]analyzer.Requirement, len(kinds))
	for i, k := range kinds {
		out[i] = sinkNeeds[k]
	}
	return out
}

// For is the pass's result for a rule that reads the hits of kinds and
// declared them with Sinks. Reading a kind that no rule of the run
// declared is an internal error: the pass did not record it.
func For(p *analyzer.Project, kinds ...SinkKind) *Result {
	for _, k := range kinds {
		if !p.Wants(sinkNeeds[k]) {
			panic(Sprintf("taint: hits of kind %s are read, but no rule of the run declares them (taint.Sinks)", k))
		}
	}
	return analyzer.Fact(p, Pass)
}

// wanted is the sink kinds the run's rules declare.
func wanted(p *analyzer.Project) sinkSet {
	var s sinkSet
	for k, n := range sinkNeeds {
		if p.Wants(n) {
			s |= 1 << k
		}
	}
	return s
}

// Hit is one label reaching one sink.
type Hit struct {
	Sink  SinkKind
	Label *Label
	// Loc is the tainted expression at the sink; Call the sink call.
	Loc  source.Location
	Call source.Location
	// Desc names the sink ("logger.info", "JsonResponse(status=400)").
	Desc string
	// Where says which part of the sink ("in the message", "in
	// extra['headers']", "in params['api_key']").
	Where string
	// Func is the enclosing function's qualified name.
	Func string
	// Error marks an error response (status ≥ 400, an error class, a DRF
	// exception, or a response built inside an except block).
	Error bool
	// EmailLink is set when the URL is built in a function that sends
	// email (a one-time link).
	EmailLink bool
	// Path marks a value that goes into a URL path (reverse(), redirect
	// arguments) rather than the URL itself.
	Path bool
	// Debug is set when the sink is only reached with settings.DEBUG on.
	Debug bool
	// Via names the project function the secret is passed to when the
	// sink is inside it (the hit is then at the call's argument).
	Via string
	// Validation marks the detail of a framework parse or validation error
	// (DRF ParseError, ValidationError): a parse error's message belongs
	// there.
	Validation bool
}

// QueryAuth reports whether h is a credential the application accepts from
// the query string to authenticate (not a one-time email link): the fact
// behind DJL104, which the nginx log rules also use.
func (h *Hit) QueryAuth() bool {
	return h.Sink == SinkAuth && h.Label.Src.Query && !h.EmailLink
}

// Result is the pass's output.
type Result struct {
	Hits  []Hit
	Vocab *Vocab
}

// Pass runs the analysis once per project, for the sink kinds the run's
// rules declare (Sinks): the hits of one kind are the same whichever
// others are recorded with them.
var Pass = &analyzer.Pass[*Result]{Name: "taint", Run: Run, Requires: []analyzer.Requirement{analyzer.PythonModules, fixedMessages},
	Reads: []analyzer.Kind{analyzer.KindPython}, Variant: func(p *analyzer.Project) string { return wanted(p).String() },
	Persist: resultCodec}

func (s sinkSet) String() string {
	var names []string
	for k := SinkKind(0); k < numSinks; k++ {
		if s.has(k) {
			names = append(names, k.String())
		}
	}
	return strings.Join(names, ",")
}

// Run analyses a project, for the sink kinds its run's rules declare.
func Run(p *analyzer.Project) *Result { return run(p, wanted(p)) }

func run(p *analyzer.Project, sinks sinkSet) *Result {
	a := &analysis{
		sinks:  sinks,
		proj:   p,
		vocab:  projectVocab(p),
		fields: map[fieldKey]*Val{},
	}
	a.index()
	a.startIncr()
	mods := p.Python
	if reverseModules {
		mods = slices.Clone(mods)
		slices.Reverse(mods)
	}
	// Round 1 collects attributes on self and request (from the functions
	// that store them and, on demand, what they call); round 2 reads them
	// and reports, from the roots (see roots.go).
	a.round = 1
	a.reset()
	for _, m := range mods {
		p.Checkpoint() // a cancelled run stops between modules
		a.moduleEnv(a.mods[m])
		for _, f := range fieldStorers(m) {
			a.summary(f)
		}
	}
	a.keepFields()
	a.round = 2
	a.reset()
	for _, m := range p.Python {
		a.moduleEnv(a.mods[m])
	}
	scan := a.newRootScan()
	scan.carriers()
	for want := scan.initial(); len(want) > 0; want = scan.next() {
		for _, m := range mods {
			p.Checkpoint()
			for _, f := range m.Functions {
				if want[f] {
					a.summary(f)
				}
			}
		}
	}
	a.finishIncr()
	res := &Result{Hits: a.hits, Vocab: a.vocab}
	sort.SliceStable(res.Hits, func(i, j int) bool {
		hi, hj := res.Hits[i], res.Hits[j]
		if hi.Loc != hj.Loc {
			return hi.Loc.Less(hj.Loc)
		}
		return hi.Sink < hj.Sink
	})
	return res
}

// reverseModules analyses the modules in reverse path order, for the test
// that results do not depend on the order.
var reverseModules bool

// projectVocab is the vocabulary with the project's configured names.
func projectVocab(p *analyzer.Project) *Vocab {
	if p.Config == nil {
		return NewVocab(nil, nil)
	}
	return NewVocab(p.Config.ExtraTokenNames, p.Config.ExtraSanitizers)
}

// vocabSalt keys the file facts that depend on the vocabulary.
func vocabSalt(p *analyzer.Project) string {
	if p.Config == nil {
		return ""
	}
	return analyzer.SaltOf(p.Config.ExtraTokenNames, p.Config.ExtraSanitizers)
}

type fieldKey struct {
	cls  *python.Class // nil for request attributes
	name string
}

type analysis struct {
	proj   *analyzer.Project
	vocab  *Vocab
	sinks  sinkSet // the kinds recorded
	round  int
	mods   map[*python.Module]*modInfo
	byIdx  []*modInfo // in Project.Python order
	byName map[string]*python.Module
	suffix map[string]*python.Module
	funcs  map[*python.Function]*summary
	fields map[fieldKey]*Val
	hits   []Hit
	seen   map[string]bool
	// iterID numbers the iterations over collections: unique in a run,
	// both rounds included, so that a value stored in round 1 never
	// takes the mask of a round-2 loop, and in an editor's runs unique
	// across them (the count is carried), so that a replayed value never
	// takes a fresh loop's.
	iterID  int
	srcs    map[string]*Source
	fnMods  map[*python.Function]*modInfo
	clsMods map[*python.Class]*modInfo
	quals   map[string]memo[resolved]
	consts  map[string]memo[pysem.Value]
	// kidBuf is the chunk namedKids carves lists from.
	kidBuf []*python.Node
	// stack is the summaries being computed, innermost last.
	stack []*summary
	// cycleRounds counts the extra rounds of cycle heads (summary).
	cycleRounds int
	// inc is the run's incremental state (incr.go), nil when the project
	// carries none; cur is the request being recorded and dep the modules
	// it (or the memoised computation in progress) looked at.
	inc *incr
	cur *record
	dep modSet
}

// modInfo is a module as one run of the pass sees it: its index, and the
// run's evaluation of its body.
type modInfo struct {
	*modIndex
	// idx is the module's position in Project.Python.
	idx   int
	env   *env
	state int
	// pos is where env is in the run's log (incr.go).
	pos int32
	// classEnv holds class-body attributes.
	classEnv map[*python.Class]*env
}

// modIndex is what the pass looks up in a module, derived from the module
// alone: kept on it (python.Module.Memo), so that an editor's lint builds
// it only for the edited module. Read only once built.
type modIndex struct {
	m       *python.Module
	name    string
	imports map[string]string // local name → qualified name
	funcs   map[string]*python.Function
	classes map[string]*python.Class
	// mails marks functions that send email.
	mails map[*python.Function]bool
	// fnOf maps a function node's start byte to the function.
	fnOf map[uint32]*python.Function
	// clsOf maps a class node's start byte to the class.
	clsOf map[uint32]*python.Class
	// lexer is set for modules that tokenize text (lexers, parsers,
	// template engines), where `token` is a lexical token.
	lexer bool
}

type modIndexKey struct{}

var (
	lexerFunc  = regexp.MustCompile(`(?i)tokeni[sz]e|lexer|^_?lex(_|$)|(read|next|push|peek|pop|expect|scan)_?token|(parse|evaluate|eval)_?tokens|split_contents`)
	lexerClass = regexp.MustCompile(`(?i)lexer|tokenizer|scanner|shlex|parser`)
	// parsingLibraries are the packages whose importers parse text into
	// tokens (pyparsing results, PLY and Lark tokens, tokenize's tuples).
	parsingLibraries = map[string]bool{"pyparsing": true, "ply": true, "lark": true, "sly": true, "parsimonious": true,
		"tokenize": true, "sqlparse": true, "antlr4": true, "tatsu": true, "parsy": true}
)

type summary struct {
	fn    *python.Function
	mi    *modInfo
	state int
	// depth is the summary's place on the stack while computed; dep the
	// outermost summary in progress whose partial state it read (itself
	// or through what it called), nil for none: it is then provisional.
	// partial is set on a summary read while in progress; members are the
	// provisional summaries completed on it.
	depth   int
	dep     *summary
	partial bool
	members []*summary
	ret     *Val
	sinks   []paramSink
	// sinkKeys holds the key of each of sinks. A summary keeps the first
	// sink of each key only: a parameter's sink is reported only once a
	// caller passes a secret, at the caller's argument, and there every
	// sink of one key makes the same finding (record keeps the first).
	// Without this, each function of a call chain f0 → f1 → … that logs
	// its parameter would list the sinks of all the functions below it,
	// and the chain would cost the square of its length.
	sinkKeys map[paramSinkKey]bool
	// retCount counts return statements that return a value.
	retCount int
	// pos is where the summary is in the log of the run that last
	// computed or replayed it (incr.go).
	pos int32
	// real caches whether ret holds a secret once the summary is
	// complete (rootScan.next): 0 not known yet, 1 yes, 2 no.
	real uint8
}

// paramSinkKey is what a parameter's sink contributes to the findings it
// makes: record's key for a hit, less its location, which becomes the
// caller's argument.
type paramSinkKey struct {
	sink  SinkKind
	src   *Source
	field string
	key   int
	bits  uint16
	inURL bool
}

// paramSink is a parameter reaching a sink inside a function: the hit
// with the placeholder label.
type paramSink struct {
	hit Hit
}

func (a *analysis) reset() {
	n := 0
	if in := a.inc; in != nil && in.prev != nil {
		n = len(in.prev.records[a.round-1])
	}
	a.funcs = make(map[*python.Function]*summary, n)
	a.hits = nil
	a.seen = map[string]bool{}
	for _, mi := range a.mods {
		mi.env = nil
		mi.state = 0
		mi.classEnv = map[*python.Class]*env{}
	}
	if a.inc != nil {
		clear(a.inc.clsPos)
	}
}

// index builds the per-module import tables and the module name index.
func (a *analysis) index() {
	a.mods = map[*python.Module]*modInfo{}
	a.byName = map[string]*python.Module{}
	a.suffix = map[string]*python.Module{}
	pkg := a.proj.RootPackage()
	for i, m := range a.proj.Python {
		mi := &modInfo{idx: i, modIndex: python.MemoOf(m, modIndexKey{}, func() *modIndex { return newModIndex(m) })}
		a.mods[m] = mi
		a.byIdx = append(a.byIdx, mi)
		a.byName[mi.name] = m
		if pkg != "" {
			// The module's name as the project imports it (see RootPackage).
			full := pkg
			if mi.name != "" {
				full += "." + mi.name
			}
			if _, ok := a.byName[full]; !ok {
				a.byName[full] = m
			}
		}
		// Every dotted suffix, shortest path winning (as ModuleByName).
		parts := strings.Split(mi.name, ".")
		for i := 1; i < len(parts)-1; i++ {
			suf := strings.Join(parts[i:], ".")
			if old, ok := a.suffix[suf]; !ok || len(m.File.Path) < len(old.File.Path) {
				a.suffix[suf] = m
			}
		}
	}
}

func newModIndex(m *python.Module) *modIndex {
	mi := &modIndex{
		m: m, name: analyzer.ModuleName(m.File.Path),
		funcs:   map[string]*python.Function{},
		classes: map[string]*python.Class{}, mails: map[*python.Function]bool{},
		fnOf: map[uint32]*python.Function{}, clsOf: map[uint32]*python.Class{},
		imports: moduleImports(m),
	}
	for _, q := range mi.imports {
		if top, _, _ := strings.Cut(q, "."); parsingLibraries[top] {
			mi.lexer = true
		}
	}
	for _, f := range m.Functions {
		if lexerFunc.MatchString(f.Name) {
			mi.lexer = true
		}
		mi.fnOf[f.Node.StartByte()] = f
		if f.Class == nil && f.Outer == nil {
			mi.funcs[f.Name] = f
		}
	}
	for _, c := range m.Classes {
		if lexerClass.MatchString(c.Name) {
			mi.lexer = true
		}
		mi.clsOf[c.Node.StartByte()] = c
		if c.Outer == nil && c.Enclosing == nil {
			mi.classes[c.Name] = c
		}
	}
	for _, c := range m.Calls {
		if c.Enclosing != nil && sendsMail(c.Func) {
			mi.mails[c.Enclosing] = true
		}
	}
	return mi
}

// moduleImports is a module's import table: local name → qualified name.
func moduleImports(m *python.Module) map[string]string {
	out := map[string]string{}
	for _, imp := range m.Imports {
		mod := imp.Module
		if imp.Level > 0 {
			mod = analyzer.ResolveRelative(m.File.Path, imp.Level, imp.Module)
		}
		switch {
		case imp.Star:
		case imp.Names == nil && imp.Alias != "":
			out[imp.Alias] = mod
		case imp.Names == nil:
			first := mod
			if i := strings.IndexByte(mod, '.'); i >= 0 {
				first = mod[:i]
			}
			out[first] = first
		default:
			for _, n := range imp.Names {
				local := n.Alias
				if local == "" {
					local = n.Name
				}
				q := n.Name
				if mod != "" {
					q = mod + "." + n.Name
				}
				out[local] = q
			}
		}
	}
	return out
}

func sendsMail(fn string) bool {
	last := fn
	if i := strings.LastIndexByte(fn, '.'); i >= 0 {
		last = fn[i+1:]
	}
	switch last {
	case "send_mail", "send_mass_mail", "mail_admins", "mail_managers", "EmailMessage",
		"EmailMultiAlternatives", "email_user", "send_email", "send_html_mail":
		return true
	}
	l := strings.ToLower(last)
	return strings.HasPrefix(l, "send_") && strings.Contains(l, "mail")
}

// module finds a project module by dotted name: exactly, as a suffix of a
// module's name (src layouts), or — for a project rooted inside a package
// — with leading components of the name dropped.
func (a *analysis) module(name string) *python.Module {
	if m, ok := a.byName[name]; ok {
		return m
	}
	if m, ok := a.suffix[name]; ok && strings.Contains(name, ".") {
		return m
	}
	parts := strings.Split(name, ".")
	for i := 1; i < len(parts)-1; i++ {
		if m, ok := a.byName[strings.Join(parts[i:], ".")]; ok {
			return m
		}
	}
	return nil
}

// record stores a hit with a real label, or a parameter sink in the
// current function's summary for a placeholder label.
func (a *analysis) record(c *fctx, h Hit) {
	if !a.sinks.has(h.Sink) {
		return
	}
	h.Debug = h.Debug || c.debug > 0 || h.Label.Debug
	if h.Label.Src.Kind == Param {
		if c.sum != nil {
			k := paramSinkKey{h.Sink, h.Label.Src, h.Label.Field, h.Label.KeyParam, h.Label.Bits, h.Label.InURL}
			if c.sum.sinkKeys[k] {
				return
			}
			if c.sum.sinkKeys == nil {
				c.sum.sinkKeys = map[paramSinkKey]bool{}
			}
			c.sum.sinkKeys[k] = true
			c.sum.sinks = append(c.sum.sinks, paramSink{hit: h})
		}
		return
	}
	if a.round != 2 || h.Label.KeyParam != 0 {
		// A header read through a parameter key is the caller's to name.
		return
	}
	a.noteHit(h)
	a.addHit(h)
}

// addHit adds a hit unless one with the same key is in.
func (a *analysis) addHit(h Hit) {
	k := Sprintf("%d|%s|%d|%p|%d|%v", h.Sink, h.Loc.Path, h.Loc.Start.Offset, h.Label.Src, h.Label.Bits, h.Label.InURL)
	if a.seen[k] {
		return
	}
	a.seen[k] = true
	a.hits = append(a.hits, h)
}

// Sprintf is analyzer.Sprintf.
var Sprintf = analyzer.Sprintf

type fieldStorersKey struct{}

// fieldStorers is a module's functions that store attributes (storesFields),
// kept on the module.
func fieldStorers(m *python.Module) []*python.Function {
	return python.MemoOf(m, fieldStorersKey{}, func() []*python.Function {
		var out []*python.Function
		for _, f := range m.Functions {
			if storesFields(f) {
				out = append(out, f)
			}
		}
		return out
	})
}

// storesFields reports whether a function assigns attributes on self, cls
// or a request (what round 1 collects).
func storesFields(f *python.Function) bool {
	for _, as := range f.Assigns {
		t := as.Target
		if strings.HasPrefix(t, "self.") || strings.HasPrefix(t, "cls.") || strings.HasPrefix(t, "request.") || strings.HasPrefix(t, "self.request.") {
			return true
		}
	}
	return false
}
