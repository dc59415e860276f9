package python

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/djleak/djleak/parsers/source"
)

// builder turns syntax nodes into model values for one module.
type builder struct {
	m   *Module
	src string
	// kc is the cursor kids() collects children with. kids() never calls
	// out while it holds the cursor, so it may be used at any depth.
	kc *Cursor
	// wc is the cursor of the statement walk (Parse only).
	wc *Cursor
	// stack holds the children kids() returns (see there).
	stack []kid
	// parsing is set while Parse builds the model: calls are then
	// registered in calls and Module.Calls; afterwards they are looked up.
	parsing bool
	calls   map[uint64]*Call
	// fn is the function whose body holds the node being modelled (Parse
	// only); it becomes Call.Enclosing.
	fn *Function
	// compacts holds compactSpan's runs by start offset.
	compacts map[uint32]*compactRun
}

func newBuilder(m *Module) *builder {
	return &builder{m: m, src: m.src, kc: NewCursor(m.Root)}
}

// kid is one child node with its type.
type kid struct {
	n     *Node
	t     string
	named bool
}

// kids returns n's children in order, without comments, line continuations
// and ERROR nodes, so that positional access sees the recovered structure.
//
// The children live on the builder's stack until the caller releases it:
// every function that calls kids or named starts with
// `defer b.release(b.mark())`, and no returned slice outlives that call.
// Nested calls push above the caller's children, so the caller's slice
// stays intact (a reallocation leaves it on the old, unchanged array).
func (b *builder) kids(n *Node) []kid {
	start := len(b.stack)
	c := b.kc
	c.Reset(n)
	if c.GoToFirstChild() {
		for {
			cn := c.CurrentNode()
			t, named := nodeInfo(cn)
			switch t {
			case "comment", "line_continuation", errorType:
			default:
				b.stack = append(b.stack, kid{cn, t, named})
			}
			if !c.GoToNextSibling() {
				break
			}
		}
	}
	return b.stack[start:len(b.stack):len(b.stack)]
}

// named returns the named children of n (see kids).
func (b *builder) named(n *Node) []kid {
	ks := b.kids(n)
	out := ks[:0]
	for _, k := range ks {
		if k.named {
			out = append(out, k)
		}
	}
	return out
}

// mark returns the kids stack's height, for release.
func (b *builder) mark() int { return len(b.stack) }

// release pops the kids stack back to a mark.
func (b *builder) release(mark int) {
	clear(b.stack[mark:])
	b.stack = b.stack[:mark]
}

func (b *builder) text(n *Node) string { return b.m.NodeText(n) }

func (b *builder) loc(n *Node) source.Location { return b.m.Loc(n) }

// scope is the walk's lexical context.
type scope struct {
	fn     *Function  // function whose body holds the node
	cls    *Class     // class whose body directly holds the node (nil inside a def)
	lexCls *Class     // innermost class lexically around the node
	sink   *[]*Assign // where assignments of this scope go
	cond   bool       // inside a nested block of the scope
	decos  []string   // decorators of the definition being visited
}

// errState tracks syntax-error reporting during the walk.
type errState struct {
	check bool // the subtree may hold ERROR or MISSING nodes
	inErr bool // inside an ERROR node that was already reported
}

// run builds the model with one walk over the tree.
func (b *builder) run() {
	m := b.m
	b.parsing = true
	m.parse = b
	b.calls = map[uint64]*Call{}
	b.wc = NewCursor(m.Root)
	st := scope{sink: &m.Assigns}
	b.walk(st, errState{check: m.Root.HasError()}, "", false)
	b.calls = nil
	b.parsing = false
	m.parse = nil
	// Calls were registered as the walk met them, which puts a call built
	// for an enclosing statement's value before calls preceding it.
	sort.Slice(m.Calls, func(i, j int) bool {
		a, c := m.Calls[i], m.Calls[j]
		if a.start != c.start {
			return a.start < c.start
		}
		return a.end > c.end
	})
}

// walk visits the node under the walk cursor and, recursively, all of its
// descendants.
func (b *builder) walk(st scope, es errState, parent string, body bool) {
	n := b.wc.CurrentNode()
	t := nodeType(n)
	b.fn = st.fn

	if es.check && !es.inErr {
		switch {
		case t == errorType:
			b.reportError(n)
			es.inErr = true
		case n.IsMissing():
			b.reportMissing(n, t)
		case !n.HasError():
			es.check = false
		}
	}

	child := st
	child.decos = nil
	var bodyScope *scope
	var decos []string
	switch t {
	case "import_statement", "import_from_statement", "future_import_statement":
		b.imports(n, t, st)
	case "assignment", "augmented_assignment":
		if parent != "assignment" {
			b.assignment(n, t, st)
		}
	case "named_expression":
		b.walrus(n, st)
	case "call":
		b.call(n)
	case "decorated_definition":
		decos = b.decorators(n)
	case "class_definition":
		c := b.class(n, st)
		bodyScope = &scope{fn: st.fn, cls: c, lexCls: c, sink: &c.Assigns}
	case "function_definition":
		f := b.function(n, st)
		bodyScope = &scope{fn: f, lexCls: st.lexCls, sink: &f.Assigns}
	case "block":
		if !body {
			child.cond = true
		}
	}

	if !b.wc.GoToFirstChild() {
		return
	}
	for {
		cs, isBody := child, false
		if bodyScope != nil || decos != nil {
			switch nodeType(b.wc.CurrentNode()) {
			case "block":
				if bodyScope != nil {
					cs, isBody = *bodyScope, true
				}
			case "class_definition", "function_definition":
				cs.decos = decos
			}
		}
		b.walk(cs, es, t, isBody)
		if !b.wc.GoToNextSibling() {
			break
		}
	}
	b.wc.GoToParent()
}

// Imports --------------------------------------------------------------------

func (b *builder) imports(n *Node, t string, st scope) {
	defer b.release(b.mark())
	m := b.m
	cond := st.cond || st.fn != nil || st.cls != nil
	loc := b.loc(n)
	ks := b.kids(n)
	if t == "import_statement" {
		for _, k := range ks {
			imp := &Import{Conditional: cond, Enclosing: st.fn, Loc: loc}
			switch k.t {
			case "dotted_name":
				imp.Module = compact(b.text(k.n))
			case "aliased_import":
				imp.Module, imp.Alias = b.aliased(k.n)
			default:
				continue
			}
			m.Imports = append(m.Imports, imp)
		}
		return
	}
	imp := &Import{Conditional: cond, Enclosing: st.fn, Loc: loc}
	if t == "future_import_statement" {
		imp.Module = "__future__"
	}
	seenImport := false
	for _, k := range ks {
		switch k.t {
		case "import":
			seenImport = true
		case "relative_import":
			for _, rk := range b.kids(k.n) {
				switch rk.t {
				case "import_prefix":
					imp.Level = strings.Count(b.text(rk.n), ".")
				case "dotted_name":
					imp.Module = compact(b.text(rk.n))
				}
			}
		case "dotted_name":
			if !seenImport && t == "import_from_statement" {
				imp.Module = compact(b.text(k.n))
			} else {
				imp.Names = append(imp.Names, ImportName{Name: compact(b.text(k.n))})
			}
		case "aliased_import":
			name, alias := b.aliased(k.n)
			imp.Names = append(imp.Names, ImportName{Name: name, Alias: alias})
		case "wildcard_import":
			imp.Star = true
		}
	}
	m.Imports = append(m.Imports, imp)
}

// aliased splits an aliased_import into its dotted name and alias.
func (b *builder) aliased(n *Node) (name, alias string) {
	defer b.release(b.mark())
	for _, k := range b.kids(n) {
		switch k.t {
		case "dotted_name":
			name = compact(b.text(k.n))
		case "identifier":
			alias = b.text(k.n)
		}
	}
	return name, alias
}

// Assignments ----------------------------------------------------------------

// assignment records a statement-level assignment, following chained
// assignments (`a = b = 1`) to the final value.
func (b *builder) assignment(n *Node, t string, st scope) {
	defer b.release(b.mark())
	var targets []*Node
	op := "="
	cur, ct := n, t
	var value *Node
	for {
		ks := b.kids(cur)
		if len(ks) == 0 {
			return
		}
		var right *Node
		var rt string
		if ct == "augmented_assignment" {
			if len(ks) < 3 {
				return
			}
			op = b.text(ks[1].n)
			right, rt = ks[2].n, ks[2].t
		} else {
			annotated := false
			for i := 1; i < len(ks)-1; i++ {
				switch ks[i].t {
				case ":":
					annotated = true
				case "=":
					right, rt = ks[i+1].n, ks[i+1].t
				}
				if right != nil {
					break
				}
			}
			if right == nil {
				return // bare annotation (`x: int`) or broken statement
			}
			if annotated && cur == n {
				op = ":"
			}
		}
		targets = append(targets, ks[0].n)
		if rt == "assignment" {
			cur, ct = right, rt
			continue
		}
		value = right
		break
	}
	v := b.expr(value)
	loc := b.loc(n)
	for _, tg := range targets {
		b.target(tg, v, op, n, loc, st)
	}
}

// target records the assignment of v to one target node, splitting tuple and
// list targets into one Assign per element.
func (b *builder) target(tg *Node, v *Expr, op string, stmt *Node, loc source.Location, st scope) {
	defer b.release(b.mark())
	switch t := nodeType(tg); t {
	case "pattern_list", "tuple_pattern", "list_pattern", "tuple", "list", "expression_list":
		elems := b.named(tg)
		pair := v != nil && (v.Kind == Tuple || v.Kind == List) && len(v.Elems) == len(elems)
		if pair {
			for i, e := range elems {
				if isStarTarget(e.t) || v.Elems[i].Kind == Starred {
					pair = false
					break
				}
			}
		}
		for i, e := range elems {
			var ev *Expr
			if pair {
				ev = v.Elems[i]
			}
			b.target(e.n, ev, op, stmt, loc, st)
		}
	case "list_splat_pattern", "list_splat", "parenthesized_expression":
		for _, e := range b.named(tg) {
			var ev *Expr
			if t == "parenthesized_expression" {
				ev = v
			}
			b.target(e.n, ev, op, stmt, loc, st)
		}
	default:
		*st.sink = append(*st.sink, &Assign{
			Target: b.dottedOrCompact(tg), Op: op, Value: v,
			Conditional: st.cond, Loc: loc, Node: stmt,
		})
	}
}

func isStarTarget(t string) bool { return t == "list_splat_pattern" || t == "list_splat" }

// walrus records an assignment expression `(name := value)`.
func (b *builder) walrus(n *Node, st scope) {
	defer b.release(b.mark())
	ks := b.named(n)
	if len(ks) < 2 {
		return
	}
	*st.sink = append(*st.sink, &Assign{
		Target: b.text(ks[0].n), Op: ":=", Value: b.expr(ks[len(ks)-1].n),
		Conditional: st.cond, Loc: b.loc(n), Node: n,
	})
}

// Definitions ----------------------------------------------------------------

// decorators returns the decorator names of a decorated_definition.
func (b *builder) decorators(n *Node) []string {
	defer b.release(b.mark())
	out := []string{}
	for _, k := range b.kids(n) {
		if k.t != "decorator" {
			continue
		}
		for _, d := range b.named(k.n) {
			e := d.n
			if d.t == "call" {
				if fk := b.kids(e); len(fk) > 0 {
					e = fk[0].n
				}
			}
			out = append(out, b.dottedOrCompact(e))
			break
		}
	}
	return out
}

func (b *builder) class(n *Node, st scope) *Class {
	defer b.release(b.mark())
	c := &Class{Node: n, Loc: b.loc(n), Decorators: st.decos, Outer: st.lexCls, Enclosing: st.fn}
	for _, k := range b.kids(n) {
		switch k.t {
		case "identifier":
			if c.Name == "" {
				c.Name, c.NameLoc = b.text(k.n), b.loc(k.n)
			}
		case "argument_list":
			for _, a := range b.named(k.n) {
				switch a.t {
				case "keyword_argument", "list_splat", "dictionary_splat":
				default:
					c.Bases = append(c.Bases, b.dottedOrCompact(a.n))
				}
			}
		}
	}
	b.m.Classes = append(b.m.Classes, c)
	return c
}

func (b *builder) function(n *Node, st scope) *Function {
	defer b.release(b.mark())
	f := &Function{Node: n, Loc: b.loc(n), Decorators: st.decos, Outer: st.fn, Class: st.cls}
	for _, k := range b.kids(n) {
		switch k.t {
		case "async":
			f.Async = true
		case "identifier":
			if f.Name == "" {
				f.Name, f.NameLoc = b.text(k.n), b.loc(k.n)
			}
		case "parameters":
			f.Params = b.params(k.n)
		case "block":
			f.bodyStart, f.bodyEnd = k.n.StartByte(), k.n.EndByte()
		}
	}
	if st.cls != nil {
		st.cls.Methods = append(st.cls.Methods, f)
	}
	b.m.Functions = append(b.m.Functions, f)
	return f
}

// params models a parameters (or lambda_parameters) node.
func (b *builder) params(n *Node) []Param {
	defer b.release(b.mark())
	var out []Param
	for _, k := range b.named(n) {
		var p Param
		switch k.t {
		case "identifier":
			p.Name = b.text(k.n)
		case "list_splat_pattern", "dictionary_splat_pattern", "typed_parameter":
			p = b.paramName(k.n, k.t)
		case "default_parameter", "typed_default_parameter":
			ks := b.kids(k.n)
			if len(ks) == 0 {
				continue
			}
			p = b.paramName(ks[0].n, ks[0].t)
			for i := 1; i < len(ks)-1; i++ {
				if ks[i].t == "=" {
					p.Default = b.expr(ks[i+1].n)
					break
				}
			}
		default: // separators `*` and `/`
			continue
		}
		out = append(out, p)
	}
	return out
}

// paramName names a parameter from an identifier, splat pattern or typed
// parameter node.
func (b *builder) paramName(n *Node, t string) Param {
	defer b.release(b.mark())
	switch t {
	case "list_splat_pattern", "dictionary_splat_pattern":
		kind := "*"
		if t == "dictionary_splat_pattern" {
			kind = "**"
		}
		for _, k := range b.named(n) {
			return Param{Name: b.text(k.n), Kind: kind}
		}
		return Param{Kind: kind}
	case "typed_parameter":
		for _, k := range b.named(n) {
			return b.paramName(k.n, k.t)
		}
		return Param{}
	}
	return Param{Name: b.text(n)}
}

// Calls --------------------------------------------------------------------

// call returns the Call for a call node, building and registering it on
// first sight.
func (b *builder) call(n *Node) *Call {
	defer b.release(b.mark())
	start, end := n.StartByte(), n.EndByte()
	key := uint64(start)<<32 | uint64(end)
	if b.parsing {
		if c := b.calls[key]; c != nil {
			return c
		}
	} else if c := b.m.callAt(start, end); c != nil {
		return c
	}
	c := &Call{Node: n, m: b.m, start: start, end: end}
	if b.parsing {
		c.Enclosing = b.fn
		b.calls[key] = c
		b.m.Calls = append(b.m.Calls, c)
	} else {
		c.Enclosing = b.m.enclosingAt(start, end)
	}
	ks := b.kids(n)
	if len(ks) == 0 {
		return c
	}
	c.FuncExpr = b.expr(ks[0].n)
	c.Func = c.FuncExpr.Name
	if c.Func == "" || c.FuncExpr.Kind != Name && c.FuncExpr.Kind != Attribute {
		c.Func = b.compactSpan(ks[0].n.StartByte(), ks[0].n.EndByte())
	}
	return c
}

// callArgs builds the models of c's arguments (Call.Args).
func (b *builder) callArgs(c *Call) {
	defer b.release(b.mark())
	ks := b.kids(c.Node)
	if len(ks) < 2 {
		return
	}
	args := ks[len(ks)-1]
	if args.t != "argument_list" {
		if args.named {
			c.args = []*Expr{b.expr(args.n)} // f(x for x in y)
		}
		return
	}
	for _, a := range b.named(args.n) {
		switch a.t {
		case "keyword_argument":
			kw := Kwarg{Loc: b.loc(a.n)}
			ak := b.kids(a.n)
			if len(ak) > 0 {
				kw.Name = b.text(ak[0].n)
			}
			if len(ak) > 2 {
				kw.Value = b.expr(ak[len(ak)-1].n)
			}
			c.kwargs = append(c.kwargs, kw)
		case "dictionary_splat":
			kw := Kwarg{Loc: b.loc(a.n)}
			if in := b.named(a.n); len(in) > 0 {
				kw.Value = b.expr(in[0].n)
			}
			c.kwargs = append(c.kwargs, kw)
		default:
			c.args = append(c.args, b.expr(a.n))
		}
	}
}

// Names --------------------------------------------------------------------

// dottedOrCompact returns a name or attribute chain as dotted text, and
// any other expression as its source text with whitespace removed.
func (b *builder) dottedOrCompact(n *Node) string {
	if d, ok := b.dotted(n); ok {
		return d
	}
	return compact(b.text(n))
}

// dotted returns the dotted text of an identifier or an attribute chain of
// identifiers ("a.b.c"), and false for anything else.
func (b *builder) dotted(n *Node) (string, bool) {
	defer b.release(b.mark())
	t := nodeType(n)
	if t != "identifier" && t != "attribute" {
		return "", false
	}
	txt := b.text(n)
	if isDottedText(txt) {
		return txt, true
	}
	if t == "identifier" {
		return txt, true
	}
	// Whitespace, comments or a non-name object inside the chain.
	ks := b.named(n)
	if len(ks) != 2 {
		return "", false
	}
	obj, ok := b.dotted(ks[0].n)
	if !ok {
		return "", false
	}
	return obj + "." + b.text(ks[1].n), true
}

// isDottedText reports whether s looks like name(.name)*: identifier
// characters and single dots, not starting with a digit or dot.
func isDottedText(s string) bool {
	if s == "" || s[0] == '.' || s[0] >= '0' && s[0] <= '9' || s[len(s)-1] == '.' {
		return false
	}
	prevDot := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if prevDot {
				return false
			}
			prevDot = true
			continue
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80:
		case c >= '0' && c <= '9':
			if prevDot {
				return false
			}
		default:
			return false
		}
		prevDot = false
	}
	return true
}

// compact removes whitespace, comments and line continuations from source
// text, leaving string literals as written.
func compact(s string) string {
	if !needsCompact(s) {
		return s
	}
	var sb strings.Builder
	sb.Grow(len(s))
	compactInto(&sb, s)
	return sb.String()
}

func needsCompact(s string) bool { return strings.IndexAny(s, " \t\r\n\f\v\\#") >= 0 }

// compactInto writes compact(s) to sb. It reports whether s ended in a
// state the text after it cannot change: outside a string literal and a
// comment, and not on a backslash. Then compacting s+t writes the same as
// compacting s and then t.
func compactInto(sb *strings.Builder, s string) (clean bool) {
	var quote byte // the open string's quote character, 0 outside strings
	clean = true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if quote != 0 {
			sb.WriteByte(c)
			switch {
			case c == '\\' && i+1 < len(s):
				i++
				sb.WriteByte(s[i])
			case c == quote:
				quote = 0
			}
			continue
		}
		switch c {
		case ' ', '\t', '\r', '\n', '\f', '\v':
		case '#':
			for i+1 < len(s) && s[i+1] != '\n' {
				i++
			}
			if i+1 == len(s) {
				clean = false
			}
		case '\\':
			if i+1 < len(s) && (s[i+1] == '\n' || s[i+1] == '\r') {
				continue
			}
			if i+1 == len(s) {
				clean = false
			}
			sb.WriteByte(c)
		case '\'', '"':
			quote = c
			sb.WriteByte(c)
		default:
			sb.WriteByte(c)
		}
	}
	return clean && quote == 0
}

// compactRun is the compacted text of the source from one offset up to
// end, kept to be extended.
type compactRun struct {
	end uint32
	sb  strings.Builder
}

// compactSpan is compact(b.src[start:end]). The callees of a method
// chain, `x.f(a, b).g(c).h`, are the chain's prefixes, one per link, all
// starting at the same offset: each extends the one before, so the chain
// is compacted once rather than once per link. A strings.Builder never
// changes the bytes of a string it has returned, so the prefixes share
// its memory.
func (b *builder) compactSpan(start, end uint32) string {
	if int(end) > len(b.src) || start > end {
		return ""
	}
	s := b.src[start:end]
	if !needsCompact(s) {
		return s
	}
	r := b.compacts[start]
	if r == nil || r.end > end {
		r = &compactRun{end: start}
	}
	if !compactInto(&r.sb, b.src[r.end:end]) {
		// What follows could change how this text compacts: the run
		// cannot be extended further.
		delete(b.compacts, start)
		return r.sb.String()
	}
	r.end = end
	if b.compacts == nil {
		b.compacts = map[uint32]*compactRun{}
	}
	b.compacts[start] = r
	return r.sb.String()
}

// Syntax errors --------------------------------------------------------------

// reportError records an outermost ERROR node. An opening bracket among
// its tokens that is never closed is reported as such (at the innermost
// one, as CPython does). Otherwise the message names the token where the
// parser gave up: the first token of the innermost ERROR along the chain of
// first nested ERROR nodes, which is where recovery began.
func (b *builder) reportError(n *Node) {
	if open := b.unclosedBracket(n); open != nil {
		b.m.Errors = append(b.m.Errors, Error{Loc: b.loc(open), Message: "syntax error: '" + b.text(open) + "' was never closed"})
		return
	}
	focus := n
	for {
		inner := b.firstDescendant(focus, func(c *Node, t string) bool { return t == errorType })
		if inner == nil {
			break
		}
		focus = inner
	}
	tok := focus
	if focus.ChildCount() > 0 {
		if leaf := b.firstDescendant(focus, func(c *Node, t string) bool {
			return c.ChildCount() == 0 && c.EndByte() > c.StartByte()
		}); leaf != nil {
			tok = leaf
		}
	}
	txt := b.text(tok)
	if i := strings.IndexAny(txt, "\r\n"); i >= 0 {
		txt = txt[:i]
	}
	msg := "syntax error"
	if txt != "" {
		msg = "syntax error: unexpected '" + truncate(txt, 20) + "'"
	}
	b.m.Errors = append(b.m.Errors, Error{Loc: b.loc(tok), Message: msg})
}

// unclosedBracket returns the innermost opening bracket among n's direct
// children that no closing bracket among them matches.
func (b *builder) unclosedBracket(n *Node) *Node {
	var stack []*Node
	c := NewCursor(n)
	defer c.Close()
	if !c.GoToFirstChild() {
		return nil
	}
	for {
		cn := c.CurrentNode()
		switch nodeType(cn) {
		case "(", "[", "{":
			stack = append(stack, cn)
		case ")", "]", "}":
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
		if !c.GoToNextSibling() {
			break
		}
	}
	if len(stack) == 0 {
		return nil
	}
	return stack[len(stack)-1]
}

// firstDescendant returns the first proper descendant of n in pre-order
// for which match is true.
func (b *builder) firstDescendant(n *Node, match func(*Node, string) bool) *Node {
	c := NewCursor(n)
	defer c.Close()
	depth := 0
	for {
		if c.GoToFirstChild() {
			depth++
		} else {
			for {
				if depth == 0 {
					return nil
				}
				if c.GoToNextSibling() {
					break
				}
				c.GoToParent()
				depth--
			}
		}
		cn := c.CurrentNode()
		if match(cn, nodeType(cn)) {
			return cn
		}
	}
}

// reportMissing records a MISSING node, which tree-sitter inserts where an
// expected token is absent.
func (b *builder) reportMissing(n *Node, t string) {
	var what string
	switch {
	case t == "string_end":
		what = "closing quote"
	case t == "block":
		what = "indented block"
	case isNamed(n):
		what = strings.ReplaceAll(strings.TrimPrefix(t, "_"), "_", " ")
	default:
		what = "'" + t + "'"
	}
	b.m.Errors = append(b.m.Errors, Error{Loc: b.loc(n), Message: "syntax error: missing " + what})
}

// truncate shortens s to at most n runes, marking the cut with "…".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i = range s {
		if count == n {
			break
		}
		count++
	}
	return s[:i] + "…"
}
