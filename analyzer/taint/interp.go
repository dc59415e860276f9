package taint

import (
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/pysem"
	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
)

// fctx is the context of one function (or module body) being analysed.
type fctx struct {
	a   *analysis
	mi  *modInfo
	fn  *python.Function // nil for a module or class body
	cls *python.Class    // the class of a method or class body
	sum *summary
	// name is the qualified name of the function, for hits.
	name string
	// inExcept counts enclosing except handlers.
	inExcept int
	// appended is set while evaluating the right side of `+=`.
	appended bool
	// email is set in functions that send email (one-time links).
	email bool
	// templateTag is set for Django template tag compile functions
	// (parameters parser, token), whose `token` is a template token.
	templateTag bool
	// enumBody is set in the body of an enumeration (Enum, Django's
	// TextChoices), whose members' names are symbols, not secrets.
	enumBody bool
	// loops counts the enclosing loops being analysed.
	loops int
	// debug counts enclosing `if settings.DEBUG:` blocks.
	debug int
	// loopTarget is set while binding a for-loop target.
	loopTarget bool
	// filters describes the narrowing of header iterations, by id.
	filters map[int]filterInfo
}

type filterInfo struct {
	text string
	loc  source.Location
}

// summary analyses f (once per round) and returns its summary.
//
// A summary asked for again inside its own recursion is partial then, and
// what is computed from it is provisional: every summary on the stack
// above it depends on it. When the outermost such summary (the cycle's
// head) is complete, its provisional members are dropped and the head is
// analysed again, starting from what it found, until its summary stops
// growing (at most maxCycleRounds times): so a caller in the cycle sees
// what the head returns whichever function the analysis entered the cycle
// by.
func (a *analysis) summary(f *python.Function) *summary {
	if s := a.funcs[f]; s != nil {
		a.readSummary(s)
		switch {
		case s.state == 1:
			a.dependOn(s) // a recursive call: s is partial
		case s.dep != nil && s.dep.state == 1:
			a.dependOn(s.dep) // provisional on a head still in progress
		}
		return s
	}
	mi := a.fnModMemo(f)
	if mi == nil {
		s := &summary{fn: f, state: 2}
		a.funcs[f] = s
		a.newSummary(s)
		return s
	}
	a.request(reqKey{fn: f}, func() { a.compute(f, mi) })
	return a.funcs[f]
}

// compute analyses f's body for its summary (see summary).
func (a *analysis) compute(f *python.Function, mi *modInfo) {
	s := &summary{fn: f, mi: mi, state: 1}
	a.funcs[f] = s
	a.newSummary(s)
	a.analyse(s)
	for round := 1; s.partial && s.dep == nil && round < maxCycleRounds; round++ {
		if a.cycleRounds >= maxCycleRoundsPerRun {
			a.cutCycles()
			break
		}
		before := s.shape()
		members := s.members
		s.members, s.partial = nil, false
		for _, m := range members {
			if a.funcs[m.fn] == m {
				delete(a.funcs, m.fn)
				a.dropped()
			}
		}
		a.cycleRounds++
		s.state = 1
		a.analyse(s)
		if s.shape() == before {
			break
		}
	}
	s.members = nil
}

// maxCycleRounds bounds the analyses of one cycle's head, and
// maxCycleRoundsPerRun those of every head of a run together (nested
// cycles multiply).
const (
	maxCycleRounds       = 3
	maxCycleRoundsPerRun = 2000
)

// dependOn marks every summary being computed above head on the stack as
// provisional on it.
func (a *analysis) dependOn(head *summary) {
	head.partial = true
	for i := len(a.stack) - 1; i >= 0 && a.stack[i] != head; i-- {
		if fr := a.stack[i]; fr.dep == nil || fr.dep.depth > head.depth {
			fr.dep = head
		}
	}
}

// analyse computes s from f's body, on the stack; s is complete after.
func (a *analysis) analyse(s *summary) {
	f, mi := s.fn, s.mi
	s.depth = len(a.stack)
	s.dep = nil
	a.stack = append(a.stack, s)
	defer func() {
		a.stack = a.stack[:len(a.stack)-1]
		s.state = 2
		if s.dep != nil {
			s.dep.members = append(s.dep.members, s)
		}
	}()
	a.moduleEnv(mi)
	c := &fctx{a: a, mi: mi, fn: f, cls: f.Class, sum: s, name: qualName(mi, f), email: mi.mails[f] || emailName(f.Name), filters: map[int]filterInfo{}}
	e := newEnv()
	hasParser := false
	for _, p := range f.Params {
		if p.Name == "parser" {
			hasParser = true
		}
	}
	c.templateTag = hasParser
	params := c.fieldOf(f.Node, "parameters")
	for i, p := range f.Params {
		if p.Name == "" {
			continue
		}
		loc := c.paramLoc(mi.m, params, p.Name)
		if i == 0 && f.Class != nil && !hasDecorator(f, "staticmethod") {
			if hasDecorator(f, "classmethod") {
				e.set(p.Name, &Val{Obj: objClass, Class: f.Class})
			} else {
				e.set(p.Name, &Val{Class: f.Class})
			}
			continue
		}
		src := &Source{Kind: Param, Param: i, ParamName: p.Name, What: "`" + p.Name + "`", Loc: loc}
		ph := &Label{Src: src, Bits: allBits}
		ph = ph.with(loc, "parameter `"+p.Name+"` of `"+f.Name+"()`")
		v := &Val{L: []*Label{ph}}
		if c.nameIsSecret(p.Name) {
			v.L = append(v.L, c.byName(p.Name, loc))
		}
		e.set(p.Name, v)
	}
	if body := c.fieldOf(f.Node, "body"); body != nil {
		c.block(body, e)
		if s.retCount == 0 && !strings.Contains(mi.m.NodeText(body), "yield") {
			s.ret = clean
		}
	}
}

func (a *analysis) fnModMemo(f *python.Function) *modInfo {
	if a.fnMods == nil {
		a.fnMods = map[*python.Function]*modInfo{}
		for _, mi := range a.mods {
			for _, g := range mi.m.Functions {
				a.fnMods[g] = mi
			}
		}
	}
	return a.touch(a.fnMods[f])
}

func qualName(mi *modInfo, f *python.Function) string {
	n := f.Name
	if f.Class != nil {
		n = f.Class.Name + "." + n
	}
	return mi.name + "." + n
}

func emailName(name string) bool {
	l := strings.ToLower(name)
	return strings.Contains(l, "email") || strings.Contains(l, "mail_")
}

func hasDecorator(f *python.Function, name string) bool {
	for _, d := range f.Decorators {
		if d == name || strings.HasSuffix(d, "."+name) {
			return true
		}
	}
	return false
}

func (c *fctx) paramLoc(m *python.Module, params *python.Node, name string) source.Location {
	if params == nil {
		return source.Location{}
	}
	var found *python.Node
	var walk func(n *python.Node)
	walk = func(n *python.Node) {
		if found != nil {
			return
		}
		if c.typ(n) == "identifier" && m.NodeText(n) == name {
			found = n
			return
		}
		for _, k_ := range c.kids(n) {
			walk(k_)
		}
	}
	walk(params)
	if found == nil {
		return m.Loc(params)
	}
	return m.Loc(found)
}

// moduleEnv analyses a module's top-level code once per round and returns
// its global variables.
func (a *analysis) moduleEnv(mi *modInfo) *env {
	if mi.state != 0 {
		a.readEnv(mi)
		return mi.env
	}
	a.request(reqKey{mod: mi.m}, func() { a.computeEnv(mi) })
	return mi.env
}

// computeEnv analyses a module's top-level code (see moduleEnv).
func (a *analysis) computeEnv(mi *modInfo) {
	mi.state = 1
	mi.env = newEnv()
	a.newModEnv(mi)
	c := &fctx{a: a, mi: mi, name: mi.name, filters: map[int]filterInfo{}}
	c.block(mi.m.Root, mi.env)
	mi.env.dead = false
	mi.state = 2
}

// Statements -----------------------------------------------------------------

func (c *fctx) block(n *python.Node, e *env) {
	if n == nil {
		return
	}
	for _, k := range c.kids(n) {
		if e.dead {
			return
		}
		c.stmt(k, e)
	}
}

func (c *fctx) stmt(n *python.Node, e *env) {
	switch c.typ(n) {
	case "expression_statement":
		for _, k := range c.kids(n) {
			switch c.typ(k) {
			case "assignment":
				c.assignment(k, e)
			case "augmented_assignment":
				c.augmented(k, e)
			default:
				c.eval(c.expr(k), e)
			}
		}
	case "return_statement":
		var v *Val = clean
		if len(c.kids(n)) > 0 {
			v = c.eval(c.expr(c.kids(n)[0]), e)
		}
		c.ret(n, v)
		e.dead = true
	case "if_statement":
		c.ifStmt(n, e)
	case "for_statement":
		c.forStmt(n, e)
	case "while_statement":
		c.whileStmt(n, e)
	case "try_statement":
		c.tryStmt(n, e)
	case "with_statement":
		for _, k := range c.kids(n) {
			if c.typ(k) == "with_clause" {
				for _, item := range c.kids(k) {
					val := c.fieldOf(item, "value")
					if val == nil {
						continue
					}
					if c.typ(val) == "as_pattern" && len(c.kids(val)) >= 2 {
						v := c.eval(c.expr(c.kids(val)[0]), e)
						alias := c.fieldOf(val, "alias")
						if alias != nil && len(c.kids(alias)) > 0 {
							c.bind(c.kids(alias)[0], v, e, nil)
						}
					} else {
						c.eval(c.expr(val), e)
					}
				}
			}
		}
		c.block(c.fieldOf(n, "body"), e)
	case "raise_statement":
		for _, k_ := range c.kids(n) {
			c.eval(c.expr(k_), e)
		}
		e.dead = true
	case "continue_statement", "break_statement":
		e.dead = true
	case "delete_statement":
		for _, t := range c.kids(n) {
			if c.typ(t) == "expression_list" {
				for _, k_ := range c.kids(t) {
					c.del(k_, e)
				}
			} else {
				c.del(t, e)
			}
		}
	case "match_statement":
		if s := c.fieldOf(n, "subject"); s != nil {
			c.eval(c.expr(s), e)
		}
		var branches []*env
		branches = append(branches, e.copy())
		if body := c.fieldOf(n, "body"); body != nil {
			for _, cc := range c.kids(body) {
				if c.typ(cc) != "case_clause" {
					continue
				}
				b := e.copy()
				c.block(c.fieldOf(cc, "consequence"), b)
				branches = append(branches, b)
			}
		}
		e.joinFrom(branches...)
	case "assert_statement":
		for _, k_ := range c.kids(n) {
			c.eval(c.expr(k_), e)
		}
	case "class_definition":
		c.classBody(n)
	case "decorated_definition":
		if d := c.fieldOf(n, "definition"); d != nil && c.typ(d) == "class_definition" {
			c.classBody(d)
		}
	}
}

// classBody analyses a class body's statements for class attributes.
func (c *fctx) classBody(n *python.Node) {
	cls := c.mi.clsOf[n.StartByte()]
	if cls == nil {
		return
	}
	cc := &fctx{a: c.a, mi: c.mi, cls: cls, name: c.mi.name + "." + cls.Name, filters: map[int]filterInfo{}, enumBody: enumClass(cls)}
	ce := newEnv()
	cc.block(c.fieldOf(n, "body"), ce)
	c.a.setClassEnv(c.mi, cls, ce)
}

// enumClass reports whether a class is an enumeration by its bases: the
// enum module's (Enum, IntEnum, StrEnum, Flag, IntFlag), Django's choices
// (TextChoices, IntegerChoices) and any base named like them
// (`ChoicesEnum`, `DjangoChoices`).
func enumClass(cls *python.Class) bool {
	for _, b := range cls.Bases {
		b = lastComp(b)
		if strings.HasSuffix(b, "Enum") || strings.HasSuffix(b, "Choices") || strings.HasSuffix(b, "Flag") {
			return true
		}
	}
	return false
}

func (c *fctx) ret(n *python.Node, v *Val) {
	if c.sum == nil {
		return
	}
	loc := c.mi.m.Loc(n)
	if c.fn != nil && c.fn.Class != nil && c.fn.Name == "authenticate" {
		c.authHits(v, loc, loc, "returned from `"+c.fn.Class.Name+".authenticate()`")
	}
	c.sum.retCount++
	c.sum.ret = join(c.sum.ret, withStep(v, loc, "returned from `"+c.fn.Name+"()`"))
}

func (c *fctx) ifStmt(n *python.Node, e *env) {
	cond := c.fieldOf(n, "condition")
	var condX *python.Expr
	if cond != nil {
		condX = c.expr(cond)
		c.eval(condX, e)
	}
	then := e.copy()
	c.narrow(then, condX, true)
	c.narrowException(then, condX)
	dbg := isDebugTest(condX)
	if dbg {
		c.debug++
	}
	c.block(c.fieldOf(n, "consequence"), then)
	if dbg {
		c.debug--
	}
	rest := e.copy()
	c.narrow(rest, condX, false)
	branches := []*env{then}
	hasElse := false
	for _, k := range c.kids(n) {
		switch c.typ(k) {
		case "elif_clause":
			var cx *python.Expr
			if cn := c.fieldOf(k, "condition"); cn != nil {
				cx = c.expr(cn)
				c.eval(cx, rest)
			}
			b := rest.copy()
			c.narrow(b, cx, true)
			c.block(c.fieldOf(k, "consequence"), b)
			branches = append(branches, b)
			c.narrow(rest, cx, false)
		case "else_clause":
			hasElse = true
			c.block(c.fieldOf(k, "body"), rest)
			branches = append(branches, rest)
		}
	}
	if !hasElse {
		branches = append(branches, rest)
	}
	e.joinFrom(branches...)
}

func (c *fctx) forStmt(n *python.Node, e *env) {
	left, right := c.fieldOf(n, "left"), c.fieldOf(n, "right")
	var iter *Val = opaque
	if right != nil {
		iter = c.eval(c.expr(right), e)
	}
	body := c.fieldOf(n, "body")
	if left != nil && c.typ(left) == "identifier" && len(iter.Elems) > 0 && len(iter.Elems) <= 16 && right != nil {
		if rx := c.expr(right); rx.Kind == python.Tuple || rx.Kind == python.List || rx.Kind == python.Set {
			constant := true
			for _, el := range iter.Elems {
				constant = constant && el.IsStr
			}
			if constant {
				// A loop over constant strings runs once per string.
				name := c.mi.m.NodeText(left)
				for _, el := range iter.Elems {
					if e.dead {
						break
					}
					e.set(name, el)
					c.block(body, e)
				}
				e.dead = false
				if alt := c.fieldOf(n, "alternative"); alt != nil {
					c.block(c.fieldOf(alt, "body"), e)
				}
				return
			}
		}
	}
	elem, id := c.elemOf(iter, e)
	pre := e.copy()
	run := func(from *env) *env {
		b := from.copy()
		b.dead = false
		if id != 0 {
			b.setMask(id, allBits)
		}
		if left != nil {
			// A loop variable is only as secret as what it iterates over
			// (`for token in doc` is a word of a text).
			c.loopTarget = true
			c.bind(left, elem, b, nil)
			c.loopTarget = false
		}
		c.block(body, b)
		return b
	}
	c.loops++
	b1 := run(pre)
	if c.loops > 1 {
		// Nested loops run once per iteration of the outer loop.
		c.loops--
		e.joinFrom(pre, b1)
	} else {
		mid := pre.copy()
		mid.joinFrom(pre, b1)
		b2 := run(mid)
		c.loops--
		e.joinFrom(pre, b1, b2)
	}
	if alt := c.fieldOf(n, "alternative"); alt != nil {
		c.block(c.fieldOf(alt, "body"), e)
	}
}

func (c *fctx) whileStmt(n *python.Node, e *env) {
	var condX *python.Expr
	if cn := c.fieldOf(n, "condition"); cn != nil {
		condX = c.expr(cn)
		c.eval(condX, e)
	}
	pre := e.copy()
	b1 := pre.copy()
	c.narrow(b1, condX, true)
	c.loops++
	c.block(c.fieldOf(n, "body"), b1)
	if c.loops > 1 {
		e.joinFrom(pre, b1)
	} else {
		mid := pre.copy()
		mid.joinFrom(pre, b1)
		b2 := mid.copy()
		b2.dead = false
		c.block(c.fieldOf(n, "body"), b2)
		e.joinFrom(pre, b1, b2)
	}
	c.loops--
	if alt := c.fieldOf(n, "alternative"); alt != nil {
		c.block(c.fieldOf(alt, "body"), e)
	}
}

func (c *fctx) tryStmt(n *python.Node, e *env) {
	pre := e.copy()
	c.block(c.fieldOf(n, "body"), e)
	var branches []*env
	var fin *python.Node
	for _, k := range c.kids(n) {
		switch c.typ(k) {
		case "except_clause", "except_group_clause":
			h := pre.copy()
			h.joinFrom(pre, e)
			h.dead = false
			var blk *python.Node
			for _, kk := range c.kids(k) {
				switch c.typ(kk) {
				case "block":
					blk = kk
				case "as_pattern":
					alias := c.fieldOf(kk, "alias")
					if alias != nil && len(c.kids(alias)) > 0 && len(c.kids(kk)) > 0 {
						name := c.kids(alias)[0]
						excTypes := c.mi.m.NodeText(c.kids(kk)[0])
						v := c.excVal(c.mi.m.NodeText(name), c.mi.m.Loc(name), excTypes)
						if c.clientInputException(c.fieldOf(n, "body"), excTypes, e) {
							v = &Val{Obj: objException, ExcUser: true}
						}
						h.set(c.mi.m.NodeText(name), v)
					}
				}
			}
			c.inExcept++
			c.block(blk, h)
			c.inExcept--
			branches = append(branches, h)
		case "else_clause":
			c.block(c.fieldOf(k, "body"), e)
		case "finally_clause":
			fin = k
		}
	}
	e.joinFrom(append([]*env{e.copy()}, branches...)...)
	if fin != nil {
		wasDead := e.dead
		e.dead = false
		for _, k_ := range c.kids(fin) {
			if c.typ(k_) == "block" {
				c.block(k_, e)
			}
		}
		e.dead = e.dead || wasDead
	}
}

// userFacingExceptions are caught exception types whose text is meant for
// the client (validation messages, 404s).
func userFacingException(types string) bool {
	names := exceptionNames(types)
	if len(names) == 0 {
		return false
	}
	for _, n := range names {
		switch {
		case strings.HasSuffix(n, "ValidationError"), strings.HasSuffix(n, "DoesNotExist"),
			n == "Http404", n == "PermissionDenied", n == "BadRequest", n == "APIException",
			n == "ParseError", n == "NotFound", n == "AuthenticationFailed", n == "NotAuthenticated",
			n == "Throttled", n == "MethodNotAllowed", n == "UnsupportedMediaType", n == "NotAcceptable",
			n == "MultipleObjectsReturned", socialAuthExceptions[n],
			// voluptuous's schema errors (Invalid, MultipleInvalid and
			// the …Invalid subclasses) describe the data that failed
			// the schema, for whoever sent it.
			strings.HasSuffix(n, "Invalid"):
		default:
			return false
		}
	}
	return true
}

// parseExceptions are caught exception types whose message describes
// input that failed to parse or validate (json.JSONDecodeError is a
// ValueError).
var parseExceptions = map[string]bool{
	"ValueError": true, "JSONDecodeError": true, "MultiPartParserError": true, "UnicodeDecodeError": true,
	"UnicodeError": true, "InvalidOperation": true, "TOMLDecodeError": true,
	// PyYAML's errors, which locate the problem in the document parsed.
	"YAMLError": true, "MarkedYAMLError": true, "ScannerError": true, "ParserError": true, "ComposerError": true,
	"ConstructorError": true,
}

func exceptionNames(types string) []string {
	names := strings.FieldsFunc(types, func(r rune) bool { return r == '(' || r == ')' || r == ',' || r == ' ' || r == '\n' })
	for i, n := range names {
		if j := strings.LastIndexByte(n, '.'); j >= 0 {
			names[i] = n[j+1:]
		}
	}
	return names
}

// parseException reports whether every type in types is a parse or
// validation error (or one meant for users).
func parseException(types string) bool {
	names := exceptionNames(types)
	for _, n := range names {
		if !parseExceptions[n] && !userFacingException(n) {
			return false
		}
	}
	return len(names) > 0
}

func (c *fctx) excVal(name string, loc source.Location, types string) *Val {
	if userFacingException(types) || c.fixedMessageException(types) {
		return &Val{Obj: objException, ExcUser: true}
	}
	src := c.a.source(Exception, loc, "the exception text of `"+name+"`", "exception `"+name+"` is caught here")
	l := src.label()
	if parseException(types) {
		n := *l
		n.ParseMsg = true
		l = &n
	}
	return &Val{Obj: objException, L: []*Label{l}}
}

// narrowException rebinds an exception variable inside `if isinstance(e,
// T):` to the exception as if it had been caught as T.
func (c *fctx) narrowException(e *env, cond *python.Expr) {
	if cond == nil || cond.Kind != python.CallExpr || cond.Call.Func != "isinstance" || len(cond.Call.Args()) != 2 {
		return
	}
	x := cond.Call.Args()[0]
	if x.Kind != python.Name {
		return
	}
	if v, ok := e.get(x.Name); ok && v.Obj == objException && v.tainted() {
		types := cond.Call.Args()[1].Text
		switch {
		case userFacingException(types):
			e.set(x.Name, &Val{Obj: objException, ExcUser: true})
		case parseException(types):
			// Keep the original source (where the exception was caught).
			nv := &Val{Obj: objException, L: make([]*Label, len(v.L))}
			for i, l := range v.L {
				n := *l
				n.ParseMsg = n.Src.Kind == Exception
				nv.L[i] = &n
			}
			e.set(x.Name, nv)
		}
	}
}

// source returns the (memoised) source of a kind at a location.
func (a *analysis) source(kind Kind, loc source.Location, what, step string) *Source {
	if a.srcs == nil {
		a.srcs = map[string]*Source{}
	}
	k := Sprintf("%d|%s|%d|%d|%s", kind, loc.Path, loc.Start.Offset, loc.End.Offset, what)
	if s, ok := a.srcs[k]; ok {
		a.usedSource(s)
		return s
	}
	s := a.oldSource(k, loc.Path)
	if s == nil {
		s = &Source{Kind: kind, Loc: loc, What: what, step: step, key: k}
	}
	a.srcs[k] = s
	a.usedSource(s)
	return s
}

func (s *Source) label() *Label {
	if s.first == nil {
		l := &Label{Src: s}
		if s.Kind == Headers {
			l.Bits = styleBits(s.Style)
		}
		s.first = l.with(s.Loc, s.step)
	}
	return s.first
}

func (c *fctx) byName(name string, loc source.Location) *Label {
	src := c.a.source(Token, loc, "`"+name+"`", "`"+name+"` holds a secret (by its name)")
	src.ByName = true
	return src.label()
}

// nameIsSecret applies the vocabulary to a variable name, with the
// template-tag exception.
func (c *fctx) nameIsSecret(name string) bool {
	if (c.templateTag || c.mi.lexer) && lexicalName(name) {
		return false
	}
	return c.a.vocab.TokenName(name, true)
}

// Assignments ----------------------------------------------------------------

func (c *fctx) assignment(n *python.Node, e *env) {
	var targets []*python.Node
	cur := n
	var right *python.Node
	for {
		l := c.fieldOf(cur, "left")
		r := c.fieldOf(cur, "right")
		if l == nil || r == nil {
			return
		}
		targets = append(targets, l)
		if c.typ(r) == "assignment" {
			cur = r
			continue
		}
		right = r
		break
	}
	rx := c.expr(right)
	v := c.eval(rx, e)
	for _, t := range targets {
		c.bind(t, v, e, rx)
	}
}

func (c *fctx) augmented(n *python.Node, e *env) {
	l, r := c.fieldOf(n, "left"), c.fieldOf(n, "right")
	if l == nil || r == nil {
		return
	}
	op := ""
	if o := c.fieldOf(n, "operator"); o != nil {
		op = c.mi.m.NodeText(o)
	}
	c.appended = op == "+="
	rv := c.eval(c.expr(r), e)
	c.appended = false
	lv := c.eval(c.expr(l), e)
	switch op {
	case "+=", "|=", "%=":
		c.bind(l, &Val{L: union(lv.L, rv.L), Clean: lv.Clean && rv.Clean, Coll: lv.Coll, Fields: lv.Fields, FieldExpr: lv.FieldExpr}, e, nil)
	default:
		c.bind(l, clean, e, nil)
	}
}

// bind assigns v to a target node. rx is the assigned expression when the
// target is assigned directly (for literal and by-name checks).
func (c *fctx) bind(t *python.Node, v *Val, e *env, rx *python.Expr) {
	m := c.mi.m
	switch c.typ(t) {
	case "identifier":
		name := m.NodeText(t)
		e.set(name, c.named(name, m.Loc(t), v, rx))
	case "pattern_list", "tuple_pattern", "list_pattern", "tuple", "list", "expression_list":
		elems := c.kids(t)
		star := c.starAt(elems)
		vals := unpack(v, len(elems), star)
		for i, el := range elems {
			c.bind(el, vals[i], e, unpackExpr(rx, len(elems), star, i))
		}
	case "parenthesized_expression", "list_splat_pattern", "list_splat":
		if len(c.kids(t)) > 0 {
			c.bind(c.kids(t)[0], v, e, rx)
		}
	case "attribute":
		obj, attr := c.fieldOf(t, "object"), c.fieldOf(t, "attribute")
		if obj == nil || attr == nil {
			return
		}
		name := m.NodeText(attr)
		text := compactText(m.NodeText(t))
		nv := c.named(name, m.Loc(t), v, rx)
		nv = withStep(nv, m.Loc(t), "stored in `"+text+"`")
		e.set(text, nv)
		objText := compactText(m.NodeText(obj))
		if c.a.round == 1 {
			var key fieldKey
			switch {
			case (objText == "self" || objText == "cls") && c.cls != nil:
				key = fieldKey{cls: c.cls, name: name}
			case isRequestText(objText):
				key = fieldKey{name: name}
			default:
				return
			}
			stored := stripParams(nv)
			c.a.writeField(key, stored)
		}
	case "subscript":
		c.setItem(t, v, e)
	}
}

// named applies the by-name and literal rules to a value assigned to a
// variable or attribute called name.
func (c *fctx) named(name string, loc source.Location, v *Val, rx *python.Expr) *Val {
	if hasReal(v) || c.loopTarget || !c.nameIsSecret(name) {
		return withStep(v, loc, "assigned to `"+name+"`")
	}
	if rx != nil && rx.Kind == python.CallExpr && notSecretCall(rx.Call.Func) {
		return withStep(v, loc, "assigned to `"+name+"`")
	}
	if v.tainted() {
		// Only parameter placeholders: the name still marks a secret.
		n := *withStep(v, loc, "assigned to `"+name+"`")
		n.L = append(append([]*Label(nil), n.L...), c.byName(name, loc))
		return &n
	}
	if rx != nil && rx.Kind == python.String {
		if LooksSecret(rx.Str) {
			src := c.a.source(Token, rx.Loc(), "the hard-coded secret `"+analyzer.Mask(rx.Str)+"`", "a secret value is hard-coded here")
			src.Literal = rx.Str
			n := *v
			n.L = []*Label{src.label().with(loc, "assigned to `"+name+"`")}
			n.Clean = false
			return &n
		}
		return v
	}
	if c.enumBody || v.Clean || v.Obj != objNone || v.Class != nil || v.Module != nil || v.Coll != collNone || v.Qual != "" {
		return v
	}
	if rx != nil && rx.Kind == python.CallExpr && (notSecretCall(rx.Call.Func) || pysem.PathCall(rx.Call.Func)) {
		return v
	}
	n := *v
	n.L = []*Label{c.byName(name, loc)}
	return &n
}

// notSecretCall names calls whose result is not a secret even when
// assigned to a token-named variable (lexers, parsers, splitting).
func notSecretCall(fn string) bool {
	l := strings.ToLower(fn)
	for _, s := range []string{"tokenize", "lex", "split", "parse", "next_token", "count", "len", "csrf", "get_token_type"} {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

func stripParams(v *Val) *Val {
	return mapLabels(v, func(l *Label) *Label {
		if l.Src.Kind == Param {
			return nil
		}
		return l
	})
}

func compactText(s string) string {
	return strings.Join(strings.Fields(s), "")
}

func isRequestText(s string) bool {
	return requestNames[s] || strings.HasSuffix(s, "."+requestAttr)
}

// setItem handles `x[k] = v`: redacting a sensitive header in a copied
// collection, filling a dict's field, or tainting the container.
func (c *fctx) setItem(t *python.Node, v *Val, e *env) {
	m := c.mi.m
	obj, idx := c.fieldOf(t, "value"), c.fieldOf(t, "subscript")
	if obj == nil || idx == nil {
		return
	}
	name := compactText(m.NodeText(obj))
	if c.typ(obj) != "identifier" && c.typ(obj) != "attribute" {
		c.eval(c.expr(obj), e)
		return
	}
	ix := c.expr(idx)
	kv := c.eval(ix, e)
	base, ok := e.get(name)
	if !ok {
		base = c.eval(c.expr(obj), e)
	}
	key, isConst := constString(ix)
	if !isConst && kv.IsStr {
		key, isConst = kv.Str, true
	}
	if isConst && base.Coll == collHeaders && !v.tainted() {
		e.set(name, removeHeader(base, key))
		return
	}
	n := *base
	if isConst && base.Fields != nil {
		n.Fields = copyFields(base.Fields)
		n.FieldExpr = copyFieldExprs(base.FieldExpr)
		n.Fields[key] = v
		// The entry is now the store's: a hit on it is reported there,
		// not at the literal's entry it replaced.
		n.FieldExpr[key] = c.expr(t)
	}
	if isConst && c.nameIsSecretKey(key) && !v.tainted() && !v.Clean {
		v = &Val{L: []*Label{c.byName(compactText(m.NodeText(t)), m.Loc(t))}}
	}
	n.L = union(base.L, withStep(v, m.Loc(t), "stored in `"+compactText(m.NodeText(t))+"`").L)
	n.Clean = base.Clean && v.Clean
	e.set(name, &n)
}

func (c *fctx) nameIsSecretKey(key string) bool {
	if c.mi.lexer && lexicalName(key) {
		return false
	}
	return c.a.vocab.TokenName(key, false)
}

func copyFields(f map[string]*Val) map[string]*Val {
	n := make(map[string]*Val, len(f)+1)
	for k, v := range f {
		n[k] = v
	}
	return n
}

func copyFieldExprs(f map[string]*python.Expr) map[string]*python.Expr {
	n := make(map[string]*python.Expr, len(f)+1)
	for k, v := range f {
		n[k] = v
	}
	return n
}

// removeHeader drops a sensitive header from a header collection value.
func removeHeader(v *Val, key string) *Val {
	return mapLabels(v, func(l *Label) *Label {
		if l.Src.Kind != Headers && l.Src.Kind != Param {
			return l
		}
		bits := l.Bits
		for s := 0; s < numStyles; s++ {
			if h := sensitiveHeader(key, s); h >= 0 {
				bits &^= bit(h, s)
			}
		}
		if bits == l.Bits {
			return l
		}
		if bits == 0 {
			return nil
		}
		n := *l
		n.Bits = bits
		return &n
	})
}

func (c *fctx) del(t *python.Node, e *env) {
	if c.typ(t) != "subscript" {
		return
	}
	m := c.mi.m
	obj, idx := c.fieldOf(t, "value"), c.fieldOf(t, "subscript")
	if obj == nil || idx == nil {
		return
	}
	name := compactText(m.NodeText(obj))
	base, ok := e.get(name)
	if !ok {
		return
	}
	key, isConst := constString(c.expr(idx))
	if kv := c.eval(c.expr(idx), e); !isConst && kv.IsStr {
		key, isConst = kv.Str, true
	}
	if isConst {
		if base.Coll == collHeaders {
			e.set(name, removeHeader(base, key))
		} else if base.Fields != nil {
			n := *base
			n.Fields = copyFields(base.Fields)
			delete(n.Fields, key)
			n.L = nil
			for _, f := range n.Fields {
				n.L = union(n.L, f.L)
			}
			e.set(name, &n)
		}
	}
}

// constString returns a str or bytes literal's value.
func constString(x *python.Expr) (string, bool) {
	if x == nil {
		return "", false
	}
	if x.Kind == python.String || x.Kind == python.Bytes {
		return x.Str, true
	}
	if v, ok := x.Const(); ok && v.Kind == python.Str {
		return v.Str, true
	}
	return "", false
}

// isDebugTest recognises `settings.DEBUG` (and a bare DEBUG) as a test.
func isDebugTest(x *python.Expr) bool {
	if x == nil {
		return false
	}
	return (x.Kind == python.Attribute || x.Kind == python.Name) && (x.Name == "DEBUG" || strings.HasSuffix(x.Name, ".DEBUG"))
}

// hasReal reports whether v carries a label that is not a placeholder.
func hasReal(v *Val) bool {
	for _, l := range v.L {
		if l.Src.Kind != Param {
			return true
		}
	}
	return false
}

// lexicalName matches the names lexers give their tokens.
func lexicalName(name string) bool {
	switch strings.ToLower(strings.TrimLeft(name, "_")) {
	case "token", "tokens", "tok", "toks", "next_token", "last_token", "cur_token", "current_token", "prev_token":
		return true
	}
	return false
}

// shape is what decides whether a cycle's head grew: how many parameter
// sinks it has and the labels of what it returns (source, bits, field),
// in its elements and entries too.
func (s *summary) shape() string {
	var out []string
	var walk func(v *Val, path string, depth int)
	walk = func(v *Val, path string, depth int) {
		if v == nil || depth > 8 {
			return
		}
		for _, l := range v.L {
			out = append(out, Sprintf("%s %p %d %s %d %v", path, l.Src, l.Bits, l.Field, l.KeyParam, l.InURL))
		}
		for i, e := range v.Elems {
			walk(e, Sprintf("%s[%d]", path, i), depth+1)
		}
		for k, f := range v.Fields {
			walk(f, path+"."+k, depth+1)
		}
	}
	walk(s.ret, "", 0)
	sort.Strings(out)
	return Sprintf("%d sinks; %s", len(s.sinks), strings.Join(out, "; "))
}
