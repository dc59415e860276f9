package taint

import (
	"slices"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
)

// Kind classifies what a tainted value is.
type Kind uint8

const (
	// Token is a secret value: named like one, produced by a token
	// generator, a settings secret, a hard-coded key, a token read from
	// the query string.
	Token Kind = iota
	// Credential is a credential the client sent with the request: the
	// Authorization or an API-key header, the session cookie, the session
	// key, DRF's request.auth.
	Credential
	// Headers is a whole collection of request headers (request.headers,
	// request.META, scope["headers"]) that still holds sensitive headers;
	// Label.Bits says which.
	Headers
	// Exception is exception text or a traceback.
	Exception
	// Param stands for a function parameter while a summary is computed.
	Param
)

func (k Kind) String() string {
	return [...]string{"token", "credential", "headers", "exception", "param"}[k]
}

// Source is where a tainted value starts.
type Source struct {
	Kind Kind
	// What names the value for messages: "`api_key`", "a token from
	// `secrets.token_urlsafe()`", "the Authorization header", "request
	// headers (`request.headers`)". Literal values appear masked.
	What string
	Loc  source.Location
	// Literal is a hard-coded secret value (shown only masked).
	Literal string
	// ByName is set when only the value's name says it is a secret.
	ByName bool
	// DictKey is set for a by-name source that is an entry of a dict
	// literal ({"password": errors}): in an error response such an entry
	// is usually a message about the field.
	DictKey bool
	// Query is set for a token read from the query string.
	Query bool
	// OneTime is set for single-use link tokens (make_token(),
	// signing.dumps(), Signer.sign()) that are designed to travel in URLs.
	OneTime bool
	// Param is the parameter index of a Param placeholder.
	Param int
	// ParamName is the placeholder's parameter name.
	ParamName string
	// Style is the key style of a Headers source.
	Style int

	step  string // the first flow step's message
	first *Label
	key   string // the key it is memoised under (analysis.source)
}

// Label is one source's taint as it flows: the steps it took and, for
// header collections, which sensitive headers are still in it.
type Label struct {
	Src   *Source
	Steps []analyzer.Step
	// Bits are the sensitive headers (per key style) still present in a
	// Headers or Param label.
	Bits uint16
	// InURL is set once the value has been put into a URL's query string
	// (and reported there).
	InURL bool
	// Filter is the last filter the collection passed through (source
	// text), for messages.
	Filter string
	// Debug is set when the value is only used when settings.DEBUG is
	// true (`tb if settings.DEBUG else "error"`).
	Debug bool
	// Field is the dict key a Param placeholder was read through
	// (`params['user']`).
	Field string
	// KeyParam, when not 0, marks a header read through a key that is the
	// function's parameter KeyParam-1 (`headers[name]`): on a Param
	// placeholder or a Headers source. Which header it is, if any, is the
	// caller's to say (resolveKey); until then the label reaches no sink.
	KeyParam int
	// ParseMsg is set on the message (str(e), f"{e}", e.args) of an
	// exception caught as a parse or validation error (ValueError,
	// JSONDecodeError, …); repr() clears it.
	ParseMsg bool
}

const maxSteps = 24

// with returns a copy of l with one more step.
func (l *Label) with(loc source.Location, msg string) *Label {
	n := *l
	if k := len(l.Steps); k > 0 && l.Steps[k-1].Location == loc && l.Steps[k-1].Message == msg {
		return l
	}
	if len(l.Steps) >= maxSteps {
		return l
	}
	n.Steps = append(append(make([]analyzer.Step, 0, len(l.Steps)+1), l.Steps...), analyzer.Step{Location: loc, Message: msg})
	return &n
}

// Collection kinds of a Val.
const (
	collNone = iota
	collHeaders
	collQuery       // request.GET, query_params, parse_qs(...)
	collQueryString // scope["query_string"], request.META["QUERY_STRING"]
	collCookies
	collSession
	collScope // ASGI scope
)

// Object kinds of a Val.
const (
	objNone = iota
	objLogger
	objHTTP      // requests.Session(), httpx.Client(), …
	objException // an exception caught by `except … as e`
	objRequest
	objSettings
	objModule
	objTokenObj // SimpleJWT RefreshToken.for_user(...)
	objClass    // a project class itself (not an instance)
)

// Val is the abstract value of an expression.
type Val struct {
	L []*Label
	// Clean is set when the value is provably not secret (a constant, a
	// number or bool, a sanitizer's result).
	Clean bool
	Coll  int
	Obj   int
	// Items marks coll.items() (and ASGI header lists): iteration yields
	// (key, value) pairs.
	Items, Keys, Values bool
	// Fields are the entries of a dict literal with constant keys.
	Fields    map[string]*Val
	FieldExpr map[string]*python.Expr
	// Elems are tuple or list elements.
	Elems []*Val
	// Key is the iteration id when the value is the key of an iteration
	// over a header collection; IterKey when it is the value.
	Key, IterKey int
	// Encoded marks urlencode() results.
	Encoded bool
	// Class is the project class of an instance (Obj none) or the class
	// itself (Obj objClass).
	Class *python.Class
	// Module is the project module an import name denotes.
	Module *python.Module
	// Qual is the qualified name of an imported library object.
	Qual string
	// Str is the value of a string constant.
	Str   string
	IsStr bool
	// ExcUser marks exceptions whose text is meant for users
	// (ValidationError, Http404, …).
	ExcUser bool
}

var (
	opaque = &Val{}
	clean  = &Val{Clean: true}
)

func (v *Val) tainted() bool { return v != nil && len(v.L) > 0 }

// union joins label lists, keeping the first label of each source, and for
// header labels the union of their bits.
func union(a, b []*Label) []*Label {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	out := append(make([]*Label, 0, len(a)+len(b)), a...)
	for _, l := range b {
		dup := false
		for i, o := range out {
			if o.Src == l.Src && o.InURL == l.InURL && o.KeyParam == l.KeyParam {
				if o.Bits != l.Bits|o.Bits || o.ParseMsg && !l.ParseMsg {
					n := *o
					n.Bits |= l.Bits
					n.ParseMsg = o.ParseMsg && l.ParseMsg
					out[i] = &n
				}
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, l)
		}
	}
	return out
}

// join merges two abstract values (at control-flow merges).
// bringsSource reports whether x holds a label of a real source (not a
// parameter placeholder) that y does not.
func bringsSource(x, y *Val) bool {
	if x == nil {
		return false
	}
	for _, l := range x.L {
		if l.Src.Kind != Param && (y == nil || !slices.ContainsFunc(y.L, func(o *Label) bool { return o.Src == l.Src })) {
			return true
		}
	}
	return false
}

func join(a, b *Val) *Val {
	switch {
	case a == nil:
		return b
	case b == nil, a == b:
		return a
	}
	n := &Val{L: union(a.L, b.L), Clean: a.Clean && b.Clean}
	if a.Coll == b.Coll {
		n.Coll = a.Coll
		n.Items, n.Keys, n.Values = a.Items && b.Items, a.Keys && b.Keys, a.Values && b.Values
	} else if a.Coll == collNone && !a.tainted() && a.Clean {
		n.Coll, n.Items = b.Coll, b.Items
	} else if b.Coll == collNone && !b.tainted() && b.Clean {
		n.Coll, n.Items = a.Coll, a.Items
	}
	if a.Obj == b.Obj {
		n.Obj = a.Obj
	}
	if a.Class == b.Class {
		n.Class = a.Class
	}
	if a.Key == b.Key {
		n.Key = a.Key
	}
	if a.IterKey == b.IterKey {
		n.IterKey = a.IterKey
	}
	n.Encoded = a.Encoded || b.Encoded
	n.ExcUser = a.ExcUser && b.ExcUser
	switch {
	case a.Fields != nil && b.Fields == nil && !b.tainted():
		n.Fields, n.FieldExpr = a.Fields, a.FieldExpr
	case b.Fields != nil && a.Fields == nil && !a.tainted():
		n.Fields, n.FieldExpr = b.Fields, b.FieldExpr
	}
	if a.Fields != nil && b.Fields != nil {
		n.Fields = map[string]*Val{}
		n.FieldExpr = map[string]*python.Expr{}
		for k, v := range a.Fields {
			n.Fields[k] = join(v, b.Fields[k])
			// The entry's expression is the one a hit on it is reported
			// at: the side's that brings a real source the other lacks.
			n.FieldExpr[k] = a.FieldExpr[k]
			if bx := b.FieldExpr[k]; bx != nil && bringsSource(b.Fields[k], v) && !bringsSource(v, b.Fields[k]) {
				n.FieldExpr[k] = bx
			}
		}
		for k, v := range b.Fields {
			if _, ok := n.Fields[k]; !ok {
				n.Fields[k] = v
				n.FieldExpr[k] = b.FieldExpr[k]
			}
		}
	}
	if len(a.Elems) == len(b.Elems) && len(a.Elems) > 0 {
		n.Elems = make([]*Val, len(a.Elems))
		for i := range a.Elems {
			n.Elems[i] = join(a.Elems[i], b.Elems[i])
		}
	}
	return n
}

// labelsOnly is v's taint without its structure.
func labelsOnly(v *Val) *Val {
	if v == nil || len(v.L) == 0 {
		if v != nil && v.Clean {
			return clean
		}
		return opaque
	}
	return &Val{L: v.L}
}

// withStep adds a step to every label of v.
func withStep(v *Val, loc source.Location, msg string) *Val {
	if v == nil || len(v.L) == 0 {
		return v
	}
	n := *v
	n.L = make([]*Label, len(v.L))
	for i, l := range v.L {
		n.L[i] = l.with(loc, msg)
	}
	return &n
}

// mapLabels returns v with f applied to every label (nil drops it).
func mapLabels(v *Val, f func(*Label) *Label) *Val {
	if v == nil || len(v.L) == 0 {
		return v
	}
	n := *v
	n.L = nil
	for _, l := range v.L {
		if m := f(l); m != nil {
			n.L = append(n.L, m)
		}
	}
	return &n
}

// env is the abstract state at a program point: variables and the
// narrowing masks of header iterations.
//
// Branches share what was bound before they forked: copy freezes the
// state written so far into a layer that the original and the copy both
// read through, and each keeps only its own writes. A join then looks at
// the names written since the branches' deepest common layer, not at
// every name in scope, so a function of n statements costs O(n log n),
// not O(n²). Layers are merged when one grows to half of the layer below,
// which keeps every chain O(log n) deep.
type env struct {
	vars  map[string]*Val // written since the last freeze; nil until then
	masks map[int]uint16
	base  *envLayer
	dead  bool
	// reals caches realNames once the env is complete (a module's).
	reals     []string
	realsDone bool
}

// realNames is the names a complete env binds to a value holding a secret
// (deepReal), computed once.
func (e *env) realNames() []string {
	if !e.realsDone {
		e.each(func(n string, v *Val) {
			if deepReal(v, 0) {
				e.reals = append(e.reals, n)
			}
		})
		e.realsDone = true
	}
	return e.reals
}

// envLayer is a frozen part of one or more envs' state. It is never
// written once it is shared.
type envLayer struct {
	vars   map[string]*Val
	masks  map[int]uint16
	parent *envLayer
}

func (l *envLayer) size() int { return len(l.vars) + len(l.masks) }

// get returns the value bound to name in l or the layers below it.
func (l *envLayer) get(name string) (*Val, bool) {
	for ; l != nil; l = l.parent {
		if v, ok := l.vars[name]; ok {
			return v, true
		}
	}
	return nil, false
}

func newEnv() *env { return &env{} }

// get returns the value bound to name.
func (e *env) get(name string) (*Val, bool) {
	if v, ok := e.vars[name]; ok {
		return v, true
	}
	return e.base.get(name)
}

// each calls f with every name bound in e (in its own writes or a layer
// below them) and its current value, once per name, in no fixed order.
func (e *env) each(f func(name string, v *Val)) {
	seen := map[string]bool{}
	visit := func(vars map[string]*Val) {
		for k, v := range vars {
			if !seen[k] {
				seen[k] = true
				f(k, v)
			}
		}
	}
	visit(e.vars)
	for l := e.base; l != nil; l = l.parent {
		visit(l.vars)
	}
}

// set binds name to v.
func (e *env) set(name string, v *Val) {
	if e.vars == nil {
		e.vars = map[string]*Val{}
	}
	e.vars[name] = v
}

// mask returns the narrowing mask of header iteration id.
func (e *env) mask(id int) (uint16, bool) {
	if m, ok := e.masks[id]; ok {
		return m, true
	}
	for l := e.base; l != nil; l = l.parent {
		if m, ok := l.masks[id]; ok {
			return m, true
		}
	}
	return 0, false
}

// setMask sets the narrowing mask of header iteration id.
func (e *env) setMask(id int, m uint16) {
	if e.masks == nil {
		e.masks = map[int]uint16{}
	}
	e.masks[id] = m
}

// freeze moves e's own writes into a new shared layer.
func (e *env) freeze() {
	if len(e.vars)+len(e.masks) == 0 {
		return
	}
	l := &envLayer{vars: e.vars, masks: e.masks, parent: e.base}
	for l.parent != nil && 2*l.size() >= l.parent.size() {
		l = mergeLayers(l.parent, l)
	}
	e.base, e.vars, e.masks = l, nil, nil
}

// mergeLayers returns one layer holding lower overwritten by upper, in
// place of both.
func mergeLayers(lower, upper *envLayer) *envLayer {
	m := &envLayer{vars: make(map[string]*Val, len(lower.vars)+len(upper.vars)), parent: lower.parent}
	for k, v := range lower.vars {
		m.vars[k] = v
	}
	for k, v := range upper.vars {
		m.vars[k] = v
	}
	if len(lower.masks)+len(upper.masks) > 0 {
		m.masks = make(map[int]uint16, len(lower.masks)+len(upper.masks))
		for k, v := range lower.masks {
			m.masks[k] = v
		}
		for k, v := range upper.masks {
			m.masks[k] = v
		}
	}
	return m
}

func (e *env) copy() *env {
	e.freeze()
	return &env{base: e.base, dead: e.dead}
}

// joinFrom merges branch states into e; dead branches do not contribute.
// A name bound in several branches gets the join of their values, in
// branch order; one bound in a single branch keeps that value. It returns
// the number of branch values it looked up, the measure of its cost.
func (e *env) joinFrom(branches ...*env) (lookups int) {
	var live []*env
	for _, b := range branches {
		if b != nil && !b.dead {
			live = append(live, b)
		}
	}
	if len(live) == 0 {
		e.dead = true
		return 0
	}
	first := live[0]
	// The deepest layer every live branch reads through: below it they
	// all agree, and join(v, v) is v.
	var chain []*envLayer
	for l := first.base; l != nil; l = l.parent {
		chain = append(chain, l)
	}
	common := 0
	for _, b := range live[1:] {
		d := len(chain)
		for l := b.base; l != nil; l = l.parent {
			if i := slices.Index(chain, l); i >= 0 {
				d = i
				break
			}
		}
		common = max(common, d)
	}
	var lca *envLayer
	if common < len(chain) {
		lca = chain[common]
	}
	// Which live branches wrote each name above the common layer, in
	// branch order.
	wrote := map[string][]int{}
	var names []string
	masks := map[int]uint16{}
	note := func(k string, i int) {
		w, seen := wrote[k]
		if !seen {
			names = append(names, k)
		}
		if len(w) == 0 || w[len(w)-1] != i {
			wrote[k] = append(w, i)
		}
	}
	joinMask := func(k int) {
		if _, done := masks[k]; done {
			return
		}
		acc, _ := first.mask(k)
		for _, b := range live[1:] {
			if v, ok := b.mask(k); ok {
				acc |= v
			}
		}
		masks[k] = acc
		lookups += len(live)
	}
	for i, b := range live {
		for k := range b.vars {
			note(k, i)
		}
		for k := range b.masks {
			joinMask(k)
		}
		for l := b.base; l != lca; l = l.parent {
			for k := range l.vars {
				note(k, i)
			}
			for k := range l.masks {
				joinMask(k)
			}
		}
	}
	vars := make(map[string]*Val, len(names))
	for _, k := range names {
		var acc *Val
		if _, shared := lca.get(k); shared {
			// Bound before the fork: every branch has a value.
			for _, b := range live {
				v, _ := b.get(k)
				acc = join(acc, v)
			}
			lookups += len(live)
		} else {
			// Bound only in the branches that wrote it.
			for _, i := range wrote[k] {
				v, _ := live[i].get(k)
				acc = join(acc, v)
			}
			lookups += len(wrote[k])
		}
		vars[k] = acc
	}
	e.vars, e.masks, e.base, e.dead = vars, masks, lca, false
	return lookups
}
