package identity

import (
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/pysem"
	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
)

// GuardState says how a read is protected by a verification check.
type GuardState int

const (
	// Unguarded: no check of a verification status dominates the read.
	Unguarded GuardState = iota
	// Correct: the read only happens when a verify value equals exactly
	// "SUCCESS" (case folding and stripping allowed).
	Correct
	// Wrong: a check mentions a verify value but does not prove success
	// (truthiness, != 'FAILED', 'SUCCESS' in v, startswith, the else branch
	// of a success check, …).
	Wrong
)

func (g GuardState) String() string {
	return [...]string{"unguarded", "guarded", "wrongly guarded"}[g]
}

// Guard describes the verification check that dominates a read.
type Guard struct {
	State GuardState
	// Loc and Text are the check's condition (for Correct and Wrong).
	Loc  source.Location
	Text string
	// VerifyKey is the verify key the check compares (HTTP_X_CLIENT_VERIFY).
	VerifyKey string
	// Why explains a Wrong guard.
	Why string
}

// A check is judged by evaluating it with pysem: every read of a verify
// key yields one status at a time, the one a verified client gets and the
// ones a client without a verified certificate can arrive with (or write
// into a header itself). The check is correct when the branch it guards
// can run for "SUCCESS" and for none of the others.

// successStatus is what nginx, Apache and HAProxy set for a verified client
// certificate.
const successStatus = "SUCCESS"

// otherStatuses are statuses without a verified certificate: nginx's NONE
// and FAILED:reason, an empty or missing header, and values a client can
// send that share text with SUCCESS.
var otherStatuses = []string{
	"NONE", "", "FAILED:certificate has expired", "FAILED", "FAILED:SUCCESS", "SUCCESS:FAILED", "SUCCESSFUL", "XSUCCESS", "S",
}

// otherWhy says, for a status that passes a check, what it means.
var otherWhy = map[string]string{
	"NONE":                           "'NONE', the status when no client certificate was sent",
	"":                               "an empty or missing status",
	"FAILED:certificate has expired": "'FAILED:certificate has expired'",
	"FAILED":                         "'FAILED'",
	"FAILED:SUCCESS":                 "a status merely containing 'SUCCESS' ('FAILED:SUCCESS')",
	"SUCCESS:FAILED":                 "a status merely starting with 'SUCCESS:' ('SUCCESS:FAILED')",
	"SUCCESSFUL":                     "a status merely starting like 'SUCCESS' ('SUCCESSFUL')",
	"XSUCCESS":                       "a status merely ending in 'SUCCESS' ('XSUCCESS')",
	"S":                              "a status sharing only its first letter with 'SUCCESS' ('S')",
}

type guards struct {
	p *analyzer.Project
	// attrs maps attribute names assigned on request objects or self
	// ("client_verify" for request.client_verify = META.get(…VERIFY),
	// "verified" for self.verified = … == "SUCCESS") to the assignments.
	attrs map[string][]attrDef
	// funcs maps function names to the project's functions of that name,
	// for checks in helpers (`if not is_verified(request):`).
	funcs map[string][]funcDef
	// extra holds configured identity keys (identity-headers).
	extra map[string]bool
	// authBackends caches backends().
	authBackends *[]backend
	// stops caches stopsOf: the checks of each block, found once
	// however many reads the block holds.
	stops map[stopsKey]*blockStops
}

type stopsKey struct {
	f *python.Function
	b *python.Node
}

// blockStops are the statements of one block that stop execution unless
// a check passes, in order, with what their fold gives at each: the read
// after the k-th stop is guarded by the last Correct check among the
// first k+1, or else by the first check of any kind — the rule guardOf's
// consider applies statement by statement.
type blockStops struct {
	start       []uint32 // each stop's start byte
	guard       []Guard  // its check
	lastCorrect []int    // index of the last Correct stop up to k, or -1
}

// stopsOf returns (and caches) the stops of block b in function f: an
// if statement without else whose consequence exits, an assert, or a
// call to a helper that raises unless verified.
func (g *guards) stopsOf(m *python.Module, f *python.Function, b *python.Node) *blockStops {
	k := stopsKey{f, b}
	if bs, ok := g.stops[k]; ok {
		return bs
	}
	bs := &blockStops{}
	add := func(s *python.Node, gd Guard) {
		last := -1
		if n := len(bs.lastCorrect); n > 0 {
			last = bs.lastCorrect[n-1]
		}
		if gd.State == Correct {
			last = len(bs.guard)
		}
		bs.start = append(bs.start, s.StartByte())
		bs.guard = append(bs.guard, gd)
		bs.lastCorrect = append(bs.lastCorrect, last)
	}
	check := func(s, cond *python.Node, want bool) {
		if v := g.cond(m, f, cond, want); v.state != Unguarded {
			add(s, Guard{State: v.state, Loc: m.Loc(cond), Text: m.NodeText(cond), VerifyKey: v.key, Why: v.why})
		}
	}
	for s := b.NamedChild(0); s != nil; s = s.NextNamedSibling() {
		switch s.Type() {
		case "if_statement":
			if exits(s) && s.ChildByFieldName("alternative") == nil {
				check(s, s.ChildByFieldName("condition"), false)
			}
		case "assert_statement":
			if s.NamedChildCount() > 0 {
				check(s, s.NamedChild(0), true)
			}
		case "expression_statement":
			if s.NamedChildCount() == 1 && s.NamedChild(0).Type() == "call" {
				if v := g.raisingCheck(m, f, s.NamedChild(0)); v.state != Unguarded {
					add(s, Guard{State: v.state, Loc: m.Loc(s), Text: m.NodeText(s.NamedChild(0)), VerifyKey: v.key, Why: v.why})
				}
			}
		}
	}
	if g.stops == nil {
		g.stops = map[stopsKey]*blockStops{}
	}
	g.stops[k] = bs
	return bs
}

// before folds the stops that start before child into best.
func (bs *blockStops) before(child *python.Node, best Guard) Guard {
	n := sort.Search(len(bs.start), func(i int) bool { return bs.start[i] >= child.StartByte() })
	if n == 0 {
		return best
	}
	if c := bs.lastCorrect[n-1]; c >= 0 {
		return bs.guard[c]
	}
	if best.State == Unguarded {
		return bs.guard[0]
	}
	return best
}

type attrDef struct {
	m *python.Module
	f *python.Function
	a *python.Assign
}

type funcDef struct {
	m *python.Module
	f *python.Function
}

type verdict struct {
	state GuardState
	key   string
	why   string
}

func newGuards(p *analyzer.Project) *guards {
	g := &guards{p: p, attrs: map[string][]attrDef{}, funcs: map[string][]funcDef{}, extra: p.Config.IdentityKeys()}
	for _, m := range p.Python {
		for _, f := range m.Functions {
			g.funcs[f.Name] = append(g.funcs[f.Name], funcDef{m, f})
			for _, a := range f.Assigns {
				if a.Value == nil || a.Value.Node == nil || a.Node == nil {
					continue
				}
				i := strings.LastIndexByte(a.Target, '.')
				if i < 0 {
					continue
				}
				if obj := a.Target[:i]; obj == "self" || strings.HasSuffix(obj, "request") {
					name := a.Target[i+1:]
					g.attrs[name] = append(g.attrs[name], attrDef{m, f, a})
				}
			}
		}
	}
	return g
}

// guardOf finds the strongest verification check dominating node n.
func (g *guards) guardOf(m *python.Module, f *python.Function, n *python.Node) Guard {
	var best Guard
	consider := func(cond *python.Node, want bool) {
		v := g.cond(m, f, cond, want)
		if v.state == Unguarded {
			return
		}
		if v.state == Correct || best.State == Unguarded {
			best = Guard{State: v.state, Loc: m.Loc(cond), Text: m.NodeText(cond), VerifyKey: v.key, Why: v.why}
		}
	}
	var stop *python.Node
	if f != nil {
		stop = f.Node
	}
	child := n
	for p := n.Parent(); p != nil && !sameNode(p, stop); child, p = p, p.Parent() {
		if best.State == Correct {
			break
		}
		switch p.Type() {
		case "if_statement", "elif_clause":
			if c := p.ChildByFieldName("consequence"); c != nil && sameNode(c, child) {
				consider(p.ChildByFieldName("condition"), true)
			}
		case "else_clause":
			if ifs := p.Parent(); ifs != nil && ifs.Type() == "if_statement" {
				consider(ifs.ChildByFieldName("condition"), false)
			}
		case "conditional_expression":
			// body if cond else orelse
			if p.NamedChildCount() == 3 {
				if sameNode(p.NamedChild(0), child) {
					consider(p.NamedChild(1), true)
				} else if sameNode(p.NamedChild(2), child) {
					consider(p.NamedChild(1), false)
				}
			}
		case "boolean_operator":
			left := p.ChildByFieldName("left")
			op := p.ChildByFieldName("operator")
			if left != nil && !sameNode(left, child) && op != nil {
				consider(left, m.NodeText(op) == "and")
			}
		case "block", "module":
			// Checks that stop execution before the read:
			// `if verify != 'SUCCESS': return …`, `assert ok`, and a
			// helper that raises unless verified.
			best = g.stopsOf(m, f, p).before(child, best)
		}
	}
	return best
}

func sameNode(a, b *python.Node) bool {
	return a != nil && b != nil && a.StartByte() == b.StartByte() && a.EndByte() == b.EndByte() && a.Type() == b.Type()
}

// exits reports whether an if statement's consequence ends the flow:
// return, raise, continue or break as its last statement.
func exits(ifs *python.Node) bool {
	c := ifs.ChildByFieldName("consequence")
	if c == nil || c.NamedChildCount() == 0 {
		return false
	}
	last := c.NamedChild(int(c.NamedChildCount()) - 1)
	switch last.Type() {
	case "return_statement", "raise_statement", "continue_statement", "break_statement":
		return true
	}
	return false
}

// outcome is how a check came out for one status.
type outcome int

const (
	blocked outcome = iota // the guarded code certainly does not run
	passes                 // the guarded code can run
	unclear                // pysem cannot tell
)

// cond judges a condition: does knowing that cond == want prove the
// verify value is SUCCESS (Correct), mention a verify value without
// proving it (Wrong), or say nothing about verification (Unguarded)?
func (g *guards) cond(m *python.Module, f *python.Function, n *python.Node, want bool) verdict {
	if n == nil {
		return verdict{}
	}
	x := m.ExprOf(n)
	return g.judge(func(sc *statusScope) outcome {
		t := pysem.TruthOf(x, sc)
		switch {
		case sc.raised:
			return blocked
		case t.Undecided:
			return unclear
		case t.Definitely(!want):
			return blocked
		}
		return passes
	}, m, f)
}

// raisingCheck judges a call statement before a read: a helper that
// raises (or returns early with an error) unless the client is verified.
func (g *guards) raisingCheck(m *python.Module, f *python.Function, call *python.Node) verdict {
	x := m.ExprOf(call)
	v := g.judge(func(sc *statusScope) outcome {
		pysem.Eval(x, sc)
		if sc.raised {
			return blocked
		}
		if sc.calls == 0 {
			return unclear
		}
		return passes
	}, m, f)
	if v.state == Wrong {
		// A call that returns whatever the status is checks nothing.
		return verdict{}
	}
	return v
}

// judge runs a check for the success status and every other status.
func (g *guards) judge(run func(*statusScope) outcome, m *python.Module, f *python.Function) verdict {
	sc := g.scope(m, f, successStatus)
	ok := run(sc)
	if sc.key == "" {
		return verdict{}
	}
	key := sc.key
	if ok == blocked {
		return verdict{Wrong, key, "this branch runs when verification did not succeed"}
	}
	if ok == unclear {
		return verdict{}
	}
	undecided := false
	for _, s := range otherStatuses {
		switch run(g.scope(m, f, s)) {
		case passes:
			return verdict{Wrong, key, "it also holds for " + otherWhy[s]}
		case unclear:
			undecided = true
		}
	}
	if undecided {
		return verdict{Wrong, key, "djleak cannot tell that it fails for every status but 'SUCCESS'"}
	}
	return verdict{Correct, key, ""}
}

// statusScope is the pysem scope in which every verify read yields status.
type statusScope struct {
	g      *guards
	m      *python.Module
	f      *python.Function
	status string
	// params binds a helper's parameters to the caller's arguments.
	params map[string]pysem.Value
	depth  int
	// key is the first verify key read; raised is set when a helper
	// raises; calls counts helper calls followed.
	key    string
	raised bool
	calls  int
	// budget counts the names, attributes and helpers one judgement may
	// still follow, shared by the scopes it opens.
	budget *int
}

// maxSteps bounds the work of judging one check for one status.
const maxSteps = 2000

// sub opens the scope of another module and function.
func (sc *statusScope) sub(m *python.Module, f *python.Function, params map[string]pysem.Value) *statusScope {
	return &statusScope{g: sc.g, m: m, f: f, status: sc.status, params: params, depth: sc.depth + 1, budget: sc.budget}
}

// spend takes one step of the budget; false when it is exhausted.
func (sc *statusScope) spend() bool {
	if *sc.budget <= 0 {
		return false
	}
	*sc.budget--
	return true
}

func (g *guards) scope(m *python.Module, f *python.Function, status string) *statusScope {
	budget := maxSteps
	return &statusScope{g: g, m: m, f: f, status: status, budget: &budget}
}

// in evaluates x in another module and function, sharing what is found.
func (sc *statusScope) in(m *python.Module, f *python.Function, params map[string]pysem.Value, x *python.Expr) pysem.Value {
	if sc.depth > 8 || !sc.spend() {
		return pysem.Value{Free: true}
	}
	sub := sc.sub(m, f, params)
	v := pysem.Eval(x, sub)
	sc.merge(sub)
	return v
}

func (sc *statusScope) merge(sub *statusScope) {
	if sc.key == "" {
		sc.key = sub.key
	}
	sc.raised = sc.raised || sub.raised
	sc.calls += sub.calls
}

func (sc *statusScope) Name(e *python.Expr) pysem.Value {
	if e.Node == nil {
		return pysem.Value{}
	}
	switch e.Kind {
	case python.Name:
		// The latest assignment to the name before this use.
		var src *python.Assign
		for _, a := range sc.fnAssigns() {
			if a.Target == e.Name && a.Value != nil && a.Node != nil && a.Node.EndByte() <= e.Node.StartByte() {
				src = a
			}
		}
		if src != nil {
			return sc.in(sc.m, sc.f, sc.params, src.Value)
		}
		if v, ok := sc.params[e.Name]; ok {
			return v
		}
		// A module constant (`VERIFIED = "SUCCESS"`), unless the function
		// binds the name some other way (a parameter, a loop variable).
		if !sc.bindsLocally(e.Name) {
			var last *python.Assign
			for _, a := range sc.m.Assigns {
				if a.Target == e.Name && a.Value != nil && !a.Conditional {
					last = a
				}
			}
			if last != nil {
				return sc.in(sc.m, nil, nil, last.Value)
			}
		}
	case python.Attribute:
		if len(e.Elems) == 1 && (e.Elems[0].Text == "self" || strings.HasSuffix(e.Elems[0].Text, "request")) {
			return sc.attr(e.Attr)
		}
	}
	return pysem.Value{}
}

// bindsLocally reports whether the function has a parameter of that name
// or assigns it anywhere.
func (sc *statusScope) bindsLocally(name string) bool {
	if sc.f == nil {
		return false
	}
	for _, p := range sc.f.Params {
		if p.Name == name {
			return true
		}
	}
	for _, a := range sc.f.Assigns {
		if a.Target == name {
			return true
		}
	}
	return false
}

// fnAssigns are the function's assignments (none at module level, where
// names are module constants).
func (sc *statusScope) fnAssigns() []*python.Assign {
	if sc.f == nil {
		return nil
	}
	return sc.f.Assigns
}

// attr is the value of request.<name> or self.<name>: what the project
// assigns to it, when that involves a verify read.
func (sc *statusScope) attr(name string) pysem.Value {
	// The enclosing class's own assignments first (self.verified).
	defs := sc.g.attrs[name]
	if sc.f != nil && sc.f.Class != nil {
		var own, other []attrDef
		for _, d := range defs {
			if d.f.Class == sc.f.Class {
				own = append(own, d)
			} else {
				other = append(other, d)
			}
		}
		defs = append(own, other...)
	}
	for _, d := range defs {
		if sc.depth > 8 || !sc.spend() {
			return pysem.Value{Free: true}
		}
		sub := sc.sub(d.m, d.f, nil)
		v := pysem.Eval(d.a.Value, sub)
		if sub.key != "" {
			sc.merge(sub)
			return v
		}
	}
	return pysem.Value{}
}

func (*statusScope) Getenv(string) (string, bool, bool) { return "", false, false }

func (sc *statusScope) Read(e *python.Expr) (pysem.Value, bool) {
	if k, ok := keyRead(sc.m, e.Node, sc.g.extra); ok {
		if !IsVerifyKey(k) {
			return pysem.Value{}, true
		}
		if sc.key == "" {
			sc.key = k
		}
		return pysem.Value{V: pysem.Str(sc.status), OK: true, Free: true}, true
	}
	c := e.Call
	if c == nil {
		return pysem.Value{}, false
	}
	fe := c.FuncExpr
	if fe == nil {
		return pysem.Value{}, false
	}
	if fe.Kind == python.Name && fe.Name == "getattr" && len(c.Args()) >= 2 && c.Args()[1].Kind == python.String {
		return sc.attr(c.Args()[1].Str), true
	}
	if h := sc.helper(fe); h.f != nil {
		return sc.callHelper(h, c), true
	}
	return pysem.Value{}, false
}

// helper resolves the callee of `name(…)` or `self.name(…)` to a project
// function: the enclosing class's method, one of the module's functions,
// or the project's only function of that name.
func (sc *statusScope) helper(fe *python.Expr) funcDef {
	name := ""
	switch {
	case fe.Kind == python.Name:
		name = fe.Name
	case fe.Kind == python.Attribute && len(fe.Elems) == 1 && fe.Elems[0].Text == "self" && sc.f != nil && sc.f.Class != nil:
		for _, meth := range sc.f.Class.Methods {
			if meth.Name == fe.Attr {
				return funcDef{sc.m, meth}
			}
		}
		return funcDef{}
	default:
		return funcDef{}
	}
	defs := sc.g.funcs[name]
	for _, d := range defs {
		if d.m == sc.m && d.f.Class == nil {
			return d
		}
	}
	// `from app.checks import is_verified` (or a relative import).
	for _, imp := range sc.m.Imports {
		for _, n := range imp.Names {
			if n.Alias != name && (n.Alias != "" || n.Name != name) {
				continue
			}
			target := importTarget(sc.m, imp)
			for _, d := range sc.g.funcs[n.Name] {
				if mn := analyzer.ModuleName(d.m.File.Path); d.f.Class == nil && (mn == target || strings.HasSuffix(mn, "."+target)) {
					return d
				}
			}
		}
	}
	if len(defs) == 1 && defs[0].f.Class == nil {
		return defs[0]
	}
	return funcDef{}
}

// importTarget is the dotted module a from-import names, relative imports
// resolved against m's package.
func importTarget(m *python.Module, imp *python.Import) string {
	if imp.Level == 0 {
		return imp.Module
	}
	parts := strings.Split(analyzer.ModuleName(m.File.Path), ".")
	if !strings.HasSuffix(m.File.Path, "__init__.py") {
		parts = parts[:len(parts)-1] // the module's package
	}
	for i := 1; i < imp.Level && len(parts) > 0; i++ {
		parts = parts[:len(parts)-1]
	}
	if imp.Module != "" {
		parts = append(parts, imp.Module)
	}
	return strings.Join(parts, ".")
}

// callHelper evaluates a helper's body for the status: its parameters
// bound to the arguments, its if statements followed where the status
// decides them, up to the return or raise that ends it.
func (sc *statusScope) callHelper(h funcDef, c *python.Call) pysem.Value {
	if sc.depth > 8 || h.f == sc.f || !sc.spend() {
		return pysem.Value{Free: true}
	}
	params := map[string]pysem.Value{}
	ps := h.f.Params
	if len(ps) > 0 && h.f.Class != nil && (ps[0].Name == "self" || ps[0].Name == "cls") {
		ps = ps[1:]
	}
	for i, p := range ps {
		if p.Kind != "" {
			break
		}
		var arg *python.Expr
		if i < len(c.Args()) && c.Args()[i].Kind != python.Starred {
			arg = c.Args()[i]
		} else if v, ok := c.Kwarg(p.Name); ok {
			arg = v
		} else {
			arg = p.Default
		}
		if arg != nil {
			params[p.Name] = pysem.Eval(arg, sc)
		}
	}
	sub := sc.sub(h.m, h.f, params)
	v, _ := sub.block(h.f.Node.ChildByFieldName("body"))
	sub.calls++
	sc.merge(sub)
	return v
}

// block runs the statements of a helper's block; done reports that it
// returned or raised.
func (sc *statusScope) block(b *python.Node) (v pysem.Value, done bool) {
	if b == nil {
		return pysem.Value{Free: true}, true
	}
	for s := b.NamedChild(0); s != nil; s = s.NextNamedSibling() {
		switch s.Type() {
		case "return_statement":
			if s.NamedChildCount() == 0 {
				return pysem.Known(pysem.None), true
			}
			return pysem.Eval(sc.m.ExprOf(s.NamedChild(0)), sc), true
		case "raise_statement":
			sc.raised = true
			return pysem.Value{}, true
		case "if_statement":
			if v, done := sc.ifStmt(s); done {
				return v, true
			}
		case "expression_statement", "pass_statement", "comment":
		default:
			// Loops, try, with: not followed.
			return pysem.Value{Free: true}, true
		}
	}
	return pysem.Known(pysem.None), false
}

// ifStmt follows the branch the status decides.
func (sc *statusScope) ifStmt(s *python.Node) (pysem.Value, bool) {
	t := pysem.TruthOf(sc.m.ExprOf(s.ChildByFieldName("condition")), sc)
	switch {
	case t.Definitely(true):
		return sc.block(s.ChildByFieldName("consequence"))
	case !t.Definitely(false):
		return pysem.Value{Free: true}, true
	}
	for alt := s.NamedChild(0); alt != nil; alt = alt.NextNamedSibling() {
		switch alt.Type() {
		case "elif_clause":
			t := pysem.TruthOf(sc.m.ExprOf(alt.ChildByFieldName("condition")), sc)
			switch {
			case t.Definitely(true):
				return sc.block(alt.ChildByFieldName("consequence"))
			case !t.Definitely(false):
				return pysem.Value{Free: true}, true
			}
		case "else_clause":
			return sc.block(alt.ChildByFieldName("body"))
		}
	}
	return pysem.Value{}, false
}

func (*statusScope) Other(*python.Expr) pysem.Value { return pysem.Value{} }

// backendGuarded follows a read into Django's authenticate(): a view or
// middleware that reads the DN and passes it on — as a credential
// (`authenticate(request, client_dn=dn)`) or on the request
// (`request.client_dn = …` then `authenticate(request)`) — is guarded when
// every backend of AUTHENTICATION_BACKENDS that receives it checks the
// verify status before it uses it. It returns the first backend's guard,
// or the first backend guard that is not correct.
func (g *guards) backendGuarded(r *Read) (Guard, bool) {
	m := r.Module
	// What the read is stored in: a variable, or an attribute of the
	// request.
	name, reqAttr, reqText := "", "", ""
	if p := r.Node.Parent(); p != nil && p.Type() == "assignment" {
		if l, rt := p.ChildByFieldName("left"), p.ChildByFieldName("right"); l != nil && rt != nil && sameNode(rt, r.Node) {
			switch l.Type() {
			case "identifier":
				name = m.NodeText(l)
			case "attribute":
				if obj, attr := l.ChildByFieldName("object"), l.ChildByFieldName("attribute"); obj != nil && attr != nil && strings.HasSuffix(m.NodeText(obj), "request") {
					reqAttr, reqText = m.NodeText(attr), m.NodeText(obj)
				}
			}
		}
	}
	var creds []string
	viaRequest := false
	for _, c := range m.Calls {
		if c.Enclosing != r.Func || c.Node == nil || c.Node.StartByte() < r.Node.EndByte() {
			continue
		}
		if c.Func != "authenticate" && !strings.HasSuffix(c.Func, ".authenticate") || strings.HasPrefix(c.Func, "self.") {
			continue
		}
		for _, k := range c.Kwargs() {
			if k.Name == "" || k.Value == nil || k.Value.Node == nil {
				continue
			}
			if k.Value.Kind == python.Name && k.Value.Name == name && name != "" || sameNode(k.Value.Node, r.Node) {
				creds = append(creds, k.Name)
			}
		}
		if req := pysem.Arg(c, 0, "request"); req != nil && reqAttr != "" && req.Text == reqText {
			viaRequest = true
		}
	}
	if len(creds) == 0 && !viaRequest {
		return Guard{}, false
	}
	var first Guard
	receiving := 0
	// judge records the guard of the backend's first use of the value.
	judge := func(b backend, auth *python.Function, use *python.Node) (Guard, bool) {
		receiving++
		if use == nil {
			return Guard{}, true // the backend ignores it
		}
		bg := g.guardOf(b.m, auth, use)
		if bg.State == Correct && first.State == Unguarded {
			first = bg
		}
		return bg, bg.State == Correct
	}
	for _, b := range g.backends() {
		var auth *python.Function
		for _, meth := range b.cls.Methods {
			if meth.Name == "authenticate" {
				auth = meth
			}
		}
		if auth == nil {
			continue
		}
		for _, cred := range creds {
			param := ""
			for _, p := range auth.Params {
				if p.Name == cred && p.Kind == "" || p.Kind == "**" && param == "" {
					param = p.Name
				}
			}
			if param == "" {
				continue // Django skips a backend whose signature does not take the credential
			}
			if bg, ok := judge(b, auth, firstUse(auth, func(n *python.Node) bool {
				return n.Type() == "identifier" && b.m.NodeText(n) == param
			})); !ok {
				return bg, bg.State == Wrong
			}
		}
		if viaRequest && len(auth.Params) > 1 {
			req := auth.Params[1].Name // authenticate(self, request, …)
			if bg, ok := judge(b, auth, firstUse(auth, func(n *python.Node) bool {
				obj, attr := n.ChildByFieldName("object"), n.ChildByFieldName("attribute")
				return n.Type() == "attribute" && obj != nil && attr != nil && b.m.NodeText(obj) == req && b.m.NodeText(attr) == reqAttr
			})); !ok {
				return bg, bg.State == Wrong
			}
		}
	}
	return first, receiving > 0 && first.State == Correct
}

// backend is a class named by AUTHENTICATION_BACKENDS.
type backend struct {
	m   *python.Module
	cls *python.Class
}

// backends resolves the project's AUTHENTICATION_BACKENDS entries to the
// project's classes.
func (g *guards) backends() []backend {
	if g.authBackends != nil {
		return *g.authBackends
	}
	out := []backend{}
	for _, m := range g.p.Python {
		for _, a := range m.Assigns {
			if a.Target != "AUTHENTICATION_BACKENDS" || a.Value == nil {
				continue
			}
			for _, s := range stringsIn(a.Value) {
				i := strings.LastIndexByte(s.Str, '.')
				if i <= 0 {
					continue
				}
				mod, cls := s.Str[:i], s.Str[i+1:]
				for _, bm := range g.p.Python {
					if n := analyzer.ModuleName(bm.File.Path); n != mod && !strings.HasSuffix(n, "."+mod) {
						continue
					}
					for _, c := range bm.Classes {
						if c.Name == cls && c.Outer == nil {
							out = append(out, backend{bm, c})
						}
					}
				}
			}
		}
	}
	g.authBackends = &out
	return out
}

// firstUse is the first node of f's body that is, for match.
func firstUse(f *python.Function, match func(*python.Node) bool) *python.Node {
	var use *python.Node
	walk(f.Node.ChildByFieldName("body"), func(n *python.Node) {
		if use == nil && match(n) {
			use = n
		}
	})
	return use
}
