package settings

import (
	"path"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/pysem"
	"github.com/djleak/djleak/parsers/python"
)

// resolver evaluates settings modules, memoising each module's namespace.
type resolver struct {
	p      *analyzer.Project
	env    map[string]string
	done   map[*python.Module]map[string]*Setting
	active map[*python.Module]bool
	// stack is the modules being evaluated, outermost first; walkers
	// holds their walkers, whose namespaces are what they bound so far;
	// partial marks those that met an import cycle through a module
	// further out.
	stack   []*python.Module
	walkers map[*python.Module]*walker
	partial map[*python.Module]bool
	evals   int
	idx     map[*python.Module]*modIndex
	// importers records, for each module, the modules that star-import,
	// from-import or include() it.
	importers map[*python.Module][]*python.Module
	included  map[*python.Module]bool
	topLevel  map[string]bool // first components of project module names
}

func newResolver(p *analyzer.Project, env map[string]string) *resolver {
	r := &resolver{p: p, env: env, done: map[*python.Module]map[string]*Setting{},
		active: map[*python.Module]bool{}, idx: map[*python.Module]*modIndex{},
		walkers: map[*python.Module]*walker{}, partial: map[*python.Module]bool{},
		importers: map[*python.Module][]*python.Module{}, included: map[*python.Module]bool{},
		topLevel: map[string]bool{}}
	for _, m := range p.Python {
		name := analyzer.ModuleName(m.File.Path)
		for _, part := range strings.Split(name, ".") {
			// src/mysite/settings.py is imported as mysite.settings too.
			r.topLevel[part] = true
		}
	}
	return r
}

type nodeKey [2]uint32

func keyOf(n *python.Node) nodeKey { return nodeKey{n.StartByte(), n.EndByte()} }

// modIndex finds the parsed model's values for tree nodes.
type modIndex struct {
	assigns       map[nodeKey][]*python.Assign
	imports       map[int][]*python.Import
	calls         map[nodeKey]*python.Call
	decouple      bool
	splitSettings bool
}

func (r *resolver) index(m *python.Module) *modIndex {
	if ix := r.idx[m]; ix != nil {
		return ix
	}
	ix := &modIndex{assigns: map[nodeKey][]*python.Assign{}, imports: map[int][]*python.Import{}, calls: map[nodeKey]*python.Call{}}
	for _, a := range m.Assigns {
		if a.Node != nil {
			ix.assigns[keyOf(a.Node)] = append(ix.assigns[keyOf(a.Node)], a)
		}
	}
	for _, imp := range m.Imports {
		ix.imports[imp.Loc.Start.Offset] = append(ix.imports[imp.Loc.Start.Offset], imp)
		if imp.Module == "decouple" || strings.HasPrefix(imp.Module, "decouple.") {
			ix.decouple = true
		}
		if strings.HasPrefix(imp.Module, "split_settings") {
			ix.splitSettings = true
		}
	}
	for _, c := range m.Calls {
		if c.Enclosing == nil && c.Node != nil {
			if _, dup := ix.calls[keyOf(c.Node)]; !dup {
				ix.calls[keyOf(c.Node)] = c
			}
		}
	}
	r.idx[m] = ix
	return ix
}

func (r *resolver) importTarget(m *python.Module, imp *python.Import) *python.Module {
	name := imp.Module
	if imp.Level > 0 {
		name = analyzer.ResolveRelative(m.File.Path, imp.Level, imp.Module)
	}
	if name == "" {
		return nil
	}
	t := r.p.ModuleByName(name)
	if t == m {
		return nil
	}
	return t
}

// projectLocal reports whether an import names a module that would be in
// the project (relative, or under one of its packages).
func (r *resolver) projectLocal(imp *python.Import) bool {
	if imp.Level > 0 {
		return true
	}
	first := imp.Module
	if i := strings.IndexByte(first, '.'); i >= 0 {
		first = first[:i]
	}
	return r.topLevel[first] || strings.Contains(imp.Module, "settings")
}

// values evaluates a module's top-level statements in order and returns its
// namespace.
func (r *resolver) values(m *python.Module) map[string]*Setting {
	if v, ok := r.done[m]; ok {
		return v
	}
	if r.active[m] {
		// An import cycle: as in Python, the importer sees the names the
		// partly executed module has bound so far. Every module above m on
		// the stack saw m unfinished, so its namespace holds only for this
		// entry point and is not memoised.
		for i := len(r.stack) - 1; i >= 0 && r.stack[i] != m; i-- {
			r.partial[r.stack[i]] = true
		}
		return r.walkers[m].vars.flat()
	}
	r.active[m] = true
	r.stack = append(r.stack, m)
	w := &walker{r: r, m: m, name: analyzer.ModuleName(m.File.Path), ix: r.index(m), vars: &namespace{own: map[string]*Setting{}}}
	r.walkers[m] = w
	w.stmts(m.Root, walkCtx{})
	delete(r.active, m)
	delete(r.walkers, m)
	r.stack = r.stack[:len(r.stack)-1]
	r.evals++
	vars := w.vars.own // the module's scope: every branch has been folded into it
	if !r.partial[m] || r.evals > maxEvals {
		r.done[m] = vars
	}
	delete(r.partial, m)
	return vars
}

// maxEvals bounds module evaluations per resolution: past it, namespaces
// computed inside import cycles are memoised anyway, so that many modules
// importing each other cannot make resolution exponential.
const maxEvals = 10_000

// walkCtx is the path to the statement being evaluated.
type walkCtx struct {
	conds     []string
	condEnv   []string
	nested    bool
	undecided bool
	inTry     int
	depth     int
}

func (c walkCtx) nest() walkCtx {
	c.nested = true
	return c
}

func (c walkCtx) branch(cond string, env []string, undecided bool) walkCtx {
	c.nested = true
	c.conds = append(append([]string{}, c.conds...), cond)
	c.condEnv = mergeEnv(c.condEnv, env)
	c.undecided = c.undecided || undecided
	c.depth++
	return c
}

func (c walkCtx) cond() string { return strings.Join(c.conds, " and ") }

// walker evaluates one module's statements into a namespace.
type walker struct {
	r    *resolver
	m    *python.Module
	name string
	ix   *modIndex
	vars *namespace
	// raisedEnv are the environment variables whose absence made the
	// last statement raise.
	raisedEnv []string
}

func (w *walker) lookup(name string) *Setting { return w.vars.get(name) }

func (w *walker) getenv(name string) (string, bool) {
	v, ok := w.r.env[name]
	return v, ok
}

func (w *walker) importsDecouple() bool { return w.ix.decouple }

// envFactory returns the scheme of a name bound to environ.Env(...).
func (w *walker) envFactory(name string) *envScheme {
	s := w.vars.get(name)
	if s == nil || s.Expr == nil || s.Expr.Kind != python.CallExpr || s.Expr.Call == nil {
		return nil
	}
	f := s.Expr.Call.Func
	if f != "environ.Env" && f != "Env" && !strings.HasSuffix(f, ".Env") {
		return nil
	}
	sch := &envScheme{casts: map[string]string{}, defaults: map[string]*python.Expr{}}
	for _, k := range s.Expr.Call.Kwargs() {
		if k.Name == "" || k.Value == nil {
			continue
		}
		if k.Value.Kind == python.Tuple && len(k.Value.Elems) >= 1 {
			sch.casts[k.Name] = k.Value.Elems[0].Text
			if len(k.Value.Elems) >= 2 {
				sch.defaults[k.Name] = k.Value.Elems[1]
			}
			continue
		}
		sch.casts[k.Name] = k.Value.Text
	}
	return sch
}

// stmts evaluates the statements under parent. Inside a try body it stops
// at the first statement that certainly raises and returns the exception.
func (w *walker) stmts(parent *python.Node, c walkCtx) string {
	if parent == nil {
		return ""
	}
	for s := parent.NamedChild(0); s != nil; s = s.NextNamedSibling() {
		if r := w.stmt(s, c); r != "" && c.inTry > 0 {
			return r
		}
	}
	return ""
}

func (w *walker) stmt(n *python.Node, c walkCtx) string {
	if n == nil {
		return ""
	}
	switch n.Type() {
	case "expression_statement":
		for ch := n.NamedChild(0); ch != nil; ch = ch.NextNamedSibling() {
			switch ch.Type() {
			case "assignment", "augmented_assignment":
				if r := w.assignment(ch, c); r != "" {
					return r
				}
			case "call":
				if r := w.callStmt(ch, c); r != "" {
					return r
				}
			}
		}
	case "import_statement", "import_from_statement":
		return w.importStmt(n, c)
	case "if_statement":
		return w.ifStmt(n, c)
	case "try_statement":
		return w.tryStmt(n, c)
	case "with_statement", "for_statement", "while_statement":
		r := w.stmts(n.ChildByFieldName("body"), c.nest())
		if alt := n.ChildByFieldName("alternative"); alt != nil {
			w.stmts(alt.ChildByFieldName("body"), c.nest())
		}
		return r
	case "block":
		return w.stmts(n, c)
	case "delete_statement":
		for ch := n.NamedChild(0); ch != nil; ch = ch.NextNamedSibling() {
			if ch.Type() == "identifier" {
				w.vars.del(w.m.NodeText(ch))
			}
		}
	}
	return ""
}

func (w *walker) newSetting(name string, e *python.Expr, a *python.Assign, c walkCtx) *Setting {
	s := &Setting{Name: name, Expr: e, Module: w.name, Conditional: c.nested,
		Condition: c.cond(), CondEnv: c.condEnv, Undecided: c.undecided}
	if a != nil {
		s.Loc = a.Loc
		s.Conditional = s.Conditional || a.Conditional
	}
	return s
}

func (s *Setting) setVal(v val) {
	s.Value, s.Known = v.V, v.OK
	s.ValueEnv = v.Env
	s.EnvString = v.EnvStr
	s.Raises = v.Raises
	s.Env = v.Direct
	s.directRead = v.Direct != ""
	if s.Env == "" && len(v.Env) > 0 {
		s.Env = v.Env[0]
	}
	s.EnvVars = mergeEnv(s.ValueEnv, s.CondEnv)
}

func (w *walker) assignment(n *python.Node, c walkCtx) string {
	as := w.ix.assigns[keyOf(n)]
	cache := map[*python.Expr]val{}
	for _, a := range as {
		var v val
		if a.Value != nil {
			var ok bool
			if v, ok = cache[a.Value]; !ok {
				v = eval(a.Value, w)
				cache[a.Value] = v
			}
		}
		if v.Raises != "" && c.inTry > 0 {
			w.raisedEnv = v.Env
			return v.Raises
		}
		switch {
		case analyzer.IsIdentifier(a.Target):
			w.assign(a, v, c)
		case strings.Contains(a.Target, "[") && a.Op == "=":
			w.patch(a, n, v, c)
		}
	}
	return ""
}

func (w *walker) assign(a *python.Assign, v val, c walkCtx) {
	prev := w.vars.get(a.Target)
	s := w.newSetting(a.Target, a.Value, a, c)
	switch a.Op {
	case "=", ":":
		s.setVal(v)
	case "+=", "|=":
		out := val{Env: v.Env}
		if prev != nil && !prev.Unset {
			out.Env = mergeEnv(out.Env, prev.ValueEnv)
			if prev.Known && v.OK && !prev.Undecided {
				op := strings.TrimSuffix(a.Op, "=")
				l, r := prev.Value, v.V
				if op == "+" && l.Kind == python.List && (r.Kind == python.Tuple || r.Kind == python.Set) {
					r.Kind = python.List
				}
				if nv, ok := pysem.BinOp(op, l, r); ok && pysem.Fits(nv) {
					out.V, out.OK = nv, true
				}
			}
			s.Patches = prev.Patches
		}
		s.setVal(out)
		s.Env = ""
		if len(out.Env) > 0 {
			s.Env = out.Env[0]
		}
	default:
		s.setVal(unknown(v))
	}
	w.vars.set(a.Target, s)
}

// patch records NAME[k1][k2] = value.
func (w *walker) patch(a *python.Assign, stmt *python.Node, v val, c walkCtx) {
	left := stmt.ChildByFieldName("left")
	if left == nil || left.Type() != "subscript" {
		return
	}
	e := w.m.ExprOf(left)
	var keys []python.Value
	for e != nil && e.Kind == python.Subscript && len(e.Elems) == 2 {
		k := eval(e.Elems[1], w)
		if !k.OK {
			return
		}
		keys = append([]python.Value{k.V}, keys...)
		e = e.Elems[0]
	}
	if e == nil || e.Kind != python.Name {
		return
	}
	prev := w.vars.get(e.Name)
	if prev == nil || prev.Unset {
		return
	}
	s := prev.clone()
	s.Patches = append(append([]Patch{}, prev.Patches...), Patch{Keys: keys, Expr: a.Value, Loc: a.Loc})
	if s.Known && v.OK {
		if nv, ok := setPath(s.Value, keys, v.V); ok {
			s.Value = nv
		} else {
			s.Known = false
		}
	} else {
		s.Known = false
	}
	s.ValueEnv = mergeEnv(s.ValueEnv, v.Env)
	s.EnvVars = mergeEnv(s.ValueEnv, s.CondEnv)
	if c.nested {
		s.Conditional = true
	}
	w.vars.set(e.Name, s)
}

func setPath(d python.Value, keys []python.Value, v python.Value) (python.Value, bool) {
	if d.Kind != python.Dict || len(keys) == 0 {
		return python.Value{}, false
	}
	if len(keys) == 1 {
		return dictSet(d, keys[0], v), true
	}
	for i, k := range d.Keys {
		if valueEqual(k, keys[0]) {
			child, ok := setPath(d.Elems[i], keys[1:], v)
			if !ok {
				return python.Value{}, false
			}
			return dictSet(d, k, child), true
		}
	}
	return python.Value{}, false
}

// clone returns a copy of s that shares its Alternatives: an undecided
// setting changed in n ifs in a row gains one alternative at each, and
// copying them at each would cost n².
func (s *Setting) clone() *Setting {
	c := *s
	return &c
}

// addAlternative appends a to s.Alternatives: in place when s holds the
// longest view of the array, else into a copy.
func (s *Setting) addAlternative(a *Setting) {
	if s.altLen != nil && *s.altLen == len(s.Alternatives) && len(s.Alternatives) < cap(s.Alternatives) {
		s.Alternatives = append(s.Alternatives, a)
		*s.altLen = len(s.Alternatives)
		return
	}
	alts := make([]*Setting, len(s.Alternatives), 2*len(s.Alternatives)+1)
	copy(alts, s.Alternatives)
	s.Alternatives = append(alts, a)
	n := len(s.Alternatives)
	s.altLen = &n
}

// callStmt handles list and dict edits (MIDDLEWARE.append(...)) and
// django-split-settings include(...).
func (w *walker) callStmt(n *python.Node, c walkCtx) string {
	call := w.ix.calls[keyOf(n)]
	if call == nil {
		return ""
	}
	fe := call.FuncExpr
	if fe != nil && fe.Kind == python.Attribute && len(fe.Elems) == 1 {
		switch fe.Attr {
		case "append", "insert", "extend", "remove", "update":
			return w.mutate(call, fe.Attr, fe.Elems[0], c)
		}
	}
	if call.Func == "include" && w.ix.splitSettings || call.Func == "split_settings.tools.include" {
		w.include(call, c)
		return ""
	}
	v := eval(&python.Expr{Kind: python.CallExpr, Call: call}, w)
	return v.Raises
}

func (w *walker) mutate(call *python.Call, method string, target *python.Expr, c walkCtx) string {
	var keys []python.Value
	e := target
	for e != nil && e.Kind == python.Subscript && len(e.Elems) == 2 {
		k := eval(e.Elems[1], w)
		if !k.OK {
			return ""
		}
		keys = append([]python.Value{k.V}, keys...)
		e = e.Elems[0]
	}
	if e == nil || e.Kind != python.Name {
		return ""
	}
	prev := w.vars.get(e.Name)
	if prev == nil || prev.Unset {
		return ""
	}
	var args []val
	for _, a := range call.Args() {
		v := eval(a, w)
		if v.Raises != "" && c.inTry > 0 {
			return v.Raises
		}
		args = append(args, v)
	}
	var arg *python.Expr
	if len(call.Args()) > 0 {
		arg = call.Args()[len(call.Args())-1]
	}
	s := prev.clone()
	s.Loc = call.Loc()
	if stmt := call.Node.Parent(); stmt != nil {
		s.Loc = w.m.Loc(stmt)
	}
	s.Module = w.name
	s.Conditional = c.nested
	s.Condition, s.CondEnv, s.Undecided = c.cond(), c.condEnv, c.undecided
	if len(keys) > 0 || method == "update" {
		if method != "update" || arg == nil {
			return ""
		}
		s.Patches = append(append([]Patch{}, prev.Patches...), Patch{Keys: keys, Expr: arg, Update: true, Loc: s.Loc})
	}
	out, ok := prev.Value, prev.Known && !prev.Undecided
	for _, a := range args {
		ok = ok && a.OK
		s.ValueEnv = mergeEnv(s.ValueEnv, a.Env)
	}
	if ok {
		out, ok = applyMethod(out, keys, method, args)
	}
	s.Value, s.Known = out, ok
	if !ok {
		s.Value = python.Value{}
	}
	s.EnvVars = mergeEnv(s.ValueEnv, s.CondEnv)
	s.Expr = arg
	w.vars.set(e.Name, s)
	return ""
}

func applyMethod(v python.Value, keys []python.Value, method string, args []val) (python.Value, bool) {
	if len(keys) > 0 {
		if v.Kind != python.Dict {
			return python.Value{}, false
		}
		for i, k := range v.Keys {
			if valueEqual(k, keys[0]) {
				child, ok := applyMethod(v.Elems[i], keys[1:], method, args)
				if !ok {
					return python.Value{}, false
				}
				return dictSet(v, k, child), true
			}
		}
		return python.Value{}, false
	}
	vals := make([]python.Value, len(args))
	for i, a := range args {
		vals[i] = a.V
	}
	return pysem.Mutate(method, v, vals)
}

// include runs django-split-settings include('a.py', optional('b.py'), …):
// the files execute in this module's namespace, in order; globs allowed;
// a missing optional file is skipped.
func (w *walker) include(call *python.Call, c walkCtx) {
	dir := path.Dir(w.m.File.Path)
	for _, a := range call.Args() {
		pe := a
		if a.Kind == python.CallExpr && a.Call != nil && (a.Call.Func == "optional" || strings.HasSuffix(a.Call.Func, ".optional")) && len(a.Call.Args()) == 1 {
			pe = a.Call.Args()[0]
		}
		pv := eval(pe, w)
		if !pv.OK || pv.V.Kind != python.Str {
			continue
		}
		pattern := path.Clean(path.Join(dir, pv.V.Str))
		for _, t := range w.r.p.Python {
			ok, err := path.Match(pattern, t.File.Path)
			if err != nil || !ok || t == w.m || w.r.active[t] {
				continue
			}
			w.r.included[t] = true
			w.r.importers[t] = append(w.r.importers[t], w.m)
			w.r.active[t] = true
			sub := &walker{r: w.r, m: t, name: analyzer.ModuleName(t.File.Path), ix: w.r.index(t), vars: w.vars}
			sub.stmts(t.Root, c)
			w.vars = sub.vars
			delete(w.r.active, t)
		}
	}
}

func (w *walker) importStmt(n *python.Node, c walkCtx) string {
	for _, imp := range w.ix.imports[int(n.StartByte())] {
		if imp.Enclosing != nil || imp.Module == "__future__" {
			continue
		}
		if !imp.Star && len(imp.Names) == 0 {
			continue // import x: binds a module
		}
		t := w.r.importTarget(w.m, imp)
		if t == nil {
			if c.inTry > 0 && w.r.projectLocal(imp) {
				return "ImportError"
			}
			continue
		}
		w.r.importers[t] = append(w.r.importers[t], w.m)
		src := w.r.values(t)
		cond := c.cond()
		if c.inTry > 0 {
			cond = joinConds(cond, t.File.Path+" exists")
		}
		wrap := func(s *Setting) *Setting {
			if !c.nested {
				return s
			}
			cl := s.clone()
			cl.Conditional = true
			cl.Condition = joinConds(cond, s.Condition)
			cl.CondEnv = mergeEnv(c.condEnv, s.CondEnv)
			cl.EnvVars = mergeEnv(cl.ValueEnv, cl.CondEnv)
			cl.Undecided = cl.Undecided || c.undecided
			return cl
		}
		if imp.Star {
			for k, v := range src {
				if !strings.HasPrefix(k, "_") {
					w.vars.set(k, wrap(v))
				}
			}
			continue
		}
		for _, nm := range imp.Names {
			v, ok := src[nm.Name]
			if !ok {
				continue
			}
			alias := nm.Name
			if nm.Alias != "" {
				alias = nm.Alias
			}
			w.vars.set(alias, wrap(v))
		}
	}
	return ""
}

func joinConds(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " and " + b
}

// namespace is a module namespace being evaluated: the names bound (or deleted,
// a nil Setting) in it, over the namespace it branched from. A branch of
// an if statement runs in a namespace of its own over the one before, and its
// names are folded back when the if ends, so a branch costs the names it
// binds, not a copy of the whole namespace: a settings module of n
// assignments and n ifs costs n, not n².
type namespace struct {
	own    map[string]*Setting
	parent *namespace
}

func (s *namespace) get(name string) *Setting {
	for ; s != nil; s = s.parent {
		if v, ok := s.own[name]; ok {
			return v
		}
	}
	return nil
}

func (s *namespace) set(name string, v *Setting) { s.own[name] = v }

func (s *namespace) del(name string) {
	if s.parent == nil {
		delete(s.own, name)
	} else {
		s.own[name] = nil
	}
}

// branch returns an empty namespace over s.
func (s *namespace) branch() *namespace { return &namespace{own: map[string]*Setting{}, parent: s} }

// fold writes what branch b bound and deleted into s.
func (s *namespace) fold(b *namespace) {
	for k, v := range b.own {
		if v == nil {
			s.del(k)
		} else {
			s.own[k] = v
		}
	}
}

// flat returns every name visible in s, in a new map.
func (s *namespace) flat() map[string]*Setting {
	out := map[string]*Setting{}
	var add func(*namespace)
	add = func(s *namespace) {
		if s == nil {
			return
		}
		add(s.parent)
		for k, v := range s.own {
			if v == nil {
				delete(out, k)
			} else {
				out[k] = v
			}
		}
	}
	add(s)
	return out
}

type clause struct {
	cond *python.Node
	body *python.Node
}

func (w *walker) ifStmt(n *python.Node, c walkCtx) string {
	cl := []clause{{cond: n.ChildByFieldName("condition"), body: n.ChildByFieldName("consequence")}}
	var elseBody *python.Node
	for ch := n.NamedChild(0); ch != nil; ch = ch.NextNamedSibling() {
		switch ch.Type() {
		case "elif_clause":
			cl = append(cl, clause{cond: ch.ChildByFieldName("condition"), body: ch.ChildByFieldName("consequence")})
		case "else_clause":
			elseBody = ch.ChildByFieldName("body")
		}
	}
	return w.branches(cl, elseBody, c)
}

// condTexts renders a condition and its negation.
func (w *walker) condTexts(e *python.Expr) (pos, neg string) {
	pos = strings.Join(strings.Fields(e.Text), " ")
	switch {
	case e.Kind == python.UnaryOp && e.Name == "not" && len(e.Elems) == 1:
		neg = strings.Join(strings.Fields(e.Elems[0].Text), " ")
	case e.Kind == python.Name || e.Kind == python.Attribute || e.Kind == python.CallExpr || e.Kind == python.Subscript:
		neg = "not " + pos
	default:
		neg = "not (" + pos + ")"
	}
	return pos, neg
}

func (w *walker) branches(cl []clause, elseBody *python.Node, c walkCtx) string {
	if len(cl) == 0 {
		if elseBody == nil {
			return ""
		}
		return w.stmts(elseBody, c.nest())
	}
	head := cl[0]
	if head.cond == nil || head.body == nil {
		return ""
	}
	ce := w.m.ExprOf(head.cond)
	cv := eval(ce, w)
	pos, neg := w.condTexts(ce)
	t, decided := cv.V.Truthy()
	decided = decided && cv.OK
	thenC := c.branch("`"+pos+"`", cv.Env, !decided)
	elseC := c.branch("`"+neg+"`", cv.Env, !decided)
	runThen := func() string { return w.stmts(head.body, thenC) }
	runElse := func() string { return w.branches(cl[1:], elseBody, elseC) }
	pre := w.vars
	if decided {
		// The branch not taken matters only when the decision rests on an
		// environment default: it is what the setting becomes when the
		// variable is set.
		var other *namespace
		if len(cv.Env) > 0 && c.depth < 6 {
			w.vars = pre.branch()
			if t {
				runElse()
			} else {
				runThen()
			}
			other = w.vars
		}
		w.vars = pre.branch()
		var r string
		if t {
			r = runThen()
		} else {
			r = runElse()
		}
		taken := w.vars
		if other != nil {
			for name, o := range other.own {
				if o == nil || o == pre.get(name) || o == taken.get(name) {
					continue // deleted, or as before or as taken
				}
				cur := taken.get(name)
				if cur == nil {
					cur = &Setting{Name: name, Unset: true, CondEnv: cv.Env, EnvVars: cv.Env}
				} else {
					cur = cur.clone()
				}
				cur.addAlternative(o)
				taken.own[name] = cur
			}
		}
		pre.fold(taken)
		w.vars = pre
		return r
	}
	if c.depth >= 6 {
		return ""
	}
	w.vars = pre.branch()
	rt := runThen()
	tv := w.vars
	w.vars = pre.branch()
	re := runElse()
	ev := w.vars
	merged := pre.branch()
	names := map[string]bool{}
	for k := range tv.own {
		names[k] = true
	}
	for k := range ev.own {
		names[k] = true
	}
	for name := range names {
		a, b := tv.get(name), ev.get(name)
		if a == b {
			if a != nil {
				merged.own[name] = a
			}
			continue
		}
		var primary *Setting
		if b == nil {
			primary = &Setting{Name: name, Unset: true, Condition: elseC.cond()}
		} else {
			primary = b.clone()
		}
		primary.Undecided = true
		if primary.Condition == "" {
			primary.Condition = elseC.cond()
		}
		alt := a
		if alt == nil {
			alt = &Setting{Name: name, Unset: true, Condition: thenC.cond(), Undecided: true}
		}
		primary.addAlternative(alt)
		merged.own[name] = primary
	}
	pre.fold(merged)
	w.vars = pre
	if rt != "" && re != "" {
		return rt
	}
	return ""
}

func (w *walker) tryStmt(n *python.Node, c walkCtx) string {
	body := n.ChildByFieldName("body")
	type handler struct {
		types string
		body  *python.Node
	}
	var handlers []handler
	var elseBody, finallyBody *python.Node
	for ch := n.NamedChild(0); ch != nil; ch = ch.NextNamedSibling() {
		switch ch.Type() {
		case "except_clause", "except_group_clause":
			h := handler{}
			for x := ch.NamedChild(0); x != nil; x = x.NextNamedSibling() {
				if x.Type() == "block" {
					h.body = x
				} else if h.types == "" {
					h.types = w.m.NodeText(x)
				}
			}
			handlers = append(handlers, h)
		case "else_clause":
			elseBody = ch.ChildByFieldName("body")
		case "finally_clause":
			for x := ch.NamedChild(0); x != nil; x = x.NextNamedSibling() {
				if x.Type() == "block" {
					finallyBody = x
				}
			}
		}
	}
	bc := c.nest()
	bc.inTry++
	w.raisedEnv = nil
	raised := w.stmts(body, bc)
	var out string
	if raised != "" {
		caught := false
		for _, h := range handlers {
			if catches(h.types, raised) {
				w.stmts(h.body, c.branch("the try block raises "+raised, w.raisedEnv, false))
				caught = true
				break
			}
		}
		if !caught && c.inTry > 0 {
			out = raised
		}
	} else if elseBody != nil {
		w.stmts(elseBody, c.nest())
	}
	if finallyBody != nil {
		w.stmts(finallyBody, c.nest())
	}
	return out
}

// catches reports whether an except clause's type expression catches exc.
func catches(types, exc string) bool {
	if strings.TrimSpace(types) == "" {
		return true
	}
	if i := strings.Index(types, " as "); i >= 0 {
		types = types[:i]
	}
	names := strings.FieldsFunc(types, func(r rune) bool {
		return !(r == '_' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	})
	for _, n := range names {
		if i := strings.LastIndexByte(n, '.'); i >= 0 {
			n = n[i+1:]
		}
		switch {
		case n == exc, n == "Exception", n == "BaseException":
			return true
		case n == "LookupError" && exc == "KeyError":
			return true
		case n == "ModuleNotFoundError" && exc == "ImportError":
			return true
		}
	}
	return false
}
