package taint

import (
	"regexp"
	"strings"

	"github.com/djleak/djleak/parsers/python"
)

// A small concrete evaluator for filter conditions over header names:
// `k.lower() != 'authorization'`, `k not in SENSITIVE`,
// `not k.startswith('HTTP_')`, `any(s in k.lower() for s in (…))`,
// `re.match(r'(?i)auth', k)`. The iteration key is bound to one concrete
// header key at a time.

const (
	cUnknown = iota
	cStr
	cBool
	cInt
	cNone
	cList
)

type cval struct {
	kind  int
	s     string
	bytes bool
	b     bool
	n     int
	list  []cval
	// dep marks values derived from the bound key; an unknown dep value
	// means the condition depends on the key in a way djleak cannot
	// evaluate.
	dep bool
}

var unknownIndep = cval{kind: cUnknown}

type tri struct{ t, f, unk bool }

func (v cval) truth() tri {
	switch v.kind {
	case cBool:
		return tri{t: v.b, f: !v.b}
	case cStr:
		return tri{t: v.s != "", f: v.s == ""}
	case cInt:
		return tri{t: v.n != 0, f: v.n == 0}
	case cNone:
		return tri{f: true}
	case cList:
		return tri{t: len(v.list) > 0, f: len(v.list) == 0}
	}
	if v.dep {
		return tri{unk: true}
	}
	return tri{t: true, f: true}
}

func fromTri(r tri, dep bool) cval {
	switch {
	case r.unk:
		return cval{kind: cUnknown, dep: true}
	case r.t && !r.f:
		return cval{kind: cBool, b: true, dep: dep}
	case r.f && !r.t:
		return cval{kind: cBool, b: false, dep: dep}
	}
	return cval{kind: cUnknown, dep: false}
}

// condTruth evaluates cond with name bound to key.
func (c *fctx) condTruth(cond *python.Expr, name string, key cval) tri {
	ev := &condEval{c: c, bind: map[string]cval{name: key}}
	return ev.truthOf(cond)
}

type condEval struct {
	c     *fctx
	bind  map[string]cval
	depth int
}

func (ev *condEval) truthOf(x *python.Expr) tri {
	if x == nil {
		return tri{t: true, f: true}
	}
	switch x.Kind {
	case python.BoolOp:
		if len(x.Elems) != 2 {
			break
		}
		a, b := ev.truthOf(x.Elems[0]), ev.truthOf(x.Elems[1])
		if x.Name == "and" {
			if a.f && !a.t && !a.unk || b.f && !b.t && !b.unk {
				return tri{f: true}
			}
			if a.unk || b.unk {
				return tri{unk: true}
			}
			return tri{t: a.t && b.t, f: a.f || b.f}
		}
		if a.t && !a.f && !a.unk || b.t && !b.f && !b.unk {
			return tri{t: true}
		}
		if a.unk || b.unk {
			return tri{unk: true}
		}
		return tri{t: a.t || b.t, f: a.f && b.f}
	case python.UnaryOp:
		if x.Name == "not" && len(x.Elems) == 1 {
			r := ev.truthOf(x.Elems[0])
			return tri{t: r.f, f: r.t, unk: r.unk}
		}
	}
	return ev.eval(x).truth()
}

func (ev *condEval) eval(x *python.Expr) cval {
	if x == nil || ev.depth > 20 {
		return unknownIndep
	}
	ev.depth++
	defer func() { ev.depth-- }()
	switch x.Kind {
	case python.String:
		return cval{kind: cStr, s: x.Str}
	case python.Bytes:
		return cval{kind: cStr, s: x.Str, bytes: true}
	case python.Number:
		if x.IsInt {
			return cval{kind: cInt, n: int(x.Num)}
		}
	case python.None:
		return cval{kind: cNone}
	case python.Bool:
		return cval{kind: cBool, b: x.Bool}
	case python.Name:
		if v, ok := ev.bind[x.Name]; ok {
			return v
		}
		return ev.c.constant(x.Name, ev.depth)
	case python.Attribute:
		if len(x.Elems) == 1 && (x.Elems[0].Text == "self" || x.Elems[0].Text == "cls") && ev.c.cls != nil {
			return ev.c.classConstant(ev.c.cls, x.Attr, ev.depth)
		}
		if x.Name != "" {
			return ev.c.constant(x.Name, ev.depth)
		}
	case python.List, python.Tuple, python.Set:
		out := cval{kind: cList}
		for _, el := range x.Elems {
			v := ev.eval(el)
			out.list = append(out.list, v)
			out.dep = out.dep || v.dep
		}
		return out
	case python.Dict:
		out := cval{kind: cList}
		for _, k := range x.Keys {
			out.list = append(out.list, ev.eval(k))
		}
		return out
	case python.BoolOp, python.UnaryOp:
		r := ev.truthOf(x)
		return fromTri(r, ev.refsBound(x))
	case python.Compare:
		return ev.compare(x)
	case python.Conditional:
		if len(x.Elems) == 3 {
			r := ev.truthOf(x.Elems[1])
			switch {
			case r.unk:
				return cval{kind: cUnknown, dep: true}
			case r.t && !r.f:
				return ev.eval(x.Elems[0])
			case r.f && !r.t:
				return ev.eval(x.Elems[2])
			}
		}
	case python.CallExpr:
		return ev.call(x)
	case python.Comprehension:
		if x.Name == "set" || x.Name == "list" || x.Name == "generator" {
			return ev.comprehension(x)
		}
	}
	return cval{kind: cUnknown, dep: ev.refsBound(x)}
}

func (ev *condEval) refsBound(x *python.Expr) bool {
	found := false
	walkNames(x, func(n string) {
		if _, ok := ev.bind[n]; ok {
			found = true
		}
	})
	return found
}

func (ev *condEval) compare(x *python.Expr) cval {
	if len(x.Elems) != len(x.Ops)+1 {
		return cval{kind: cUnknown, dep: ev.refsBound(x)}
	}
	vals := make([]cval, len(x.Elems))
	dep := false
	for i, el := range x.Elems {
		vals[i] = ev.eval(el)
		dep = dep || vals[i].dep
	}
	result := true
	for i, op := range x.Ops {
		l, r := vals[i], vals[i+1]
		res, ok := compareVals(op, l, r)
		if !ok {
			return cval{kind: cUnknown, dep: dep}
		}
		if !res {
			result = false
		}
	}
	return cval{kind: cBool, b: result, dep: dep}
}

func compareVals(op string, l, r cval) (bool, bool) {
	switch op {
	case "==", "!=", "is", "is not":
		if l.kind == cUnknown || r.kind == cUnknown {
			return false, false
		}
		eq := l.kind == r.kind && l.s == r.s && l.bytes == r.bytes && l.b == r.b && l.n == r.n
		if l.kind == cList || r.kind == cList {
			return false, false
		}
		if op == "!=" || op == "is not" {
			return !eq, true
		}
		return eq, true
	case "in", "not in":
		if l.kind == cUnknown || r.kind == cUnknown {
			return false, false
		}
		var in bool
		switch r.kind {
		case cList:
			for _, e := range r.list {
				if e.kind == cUnknown {
					return false, false
				}
				if e.kind == l.kind && e.s == l.s && e.bytes == l.bytes && e.n == l.n && e.b == l.b {
					in = true
				}
			}
		case cStr:
			if l.kind != cStr {
				return false, false
			}
			in = strings.Contains(r.s, l.s)
		default:
			return false, false
		}
		if op == "not in" {
			return !in, true
		}
		return in, true
	}
	return false, false
}

func (ev *condEval) call(x *python.Expr) cval {
	call := x.Call
	fe := call.FuncExpr
	dep := ev.refsBound(x)
	unk := cval{kind: cUnknown, dep: dep}
	if fe == nil {
		return unk
	}
	if fe.Kind == python.Attribute && len(fe.Elems) == 1 {
		recv := fe.Elems[0]
		// re.match(pattern, k, flags)
		if recv.Kind == python.Name && recv.Name == "re" && len(call.Args) >= 2 {
			return ev.regex(fe.Attr, call, dep)
		}
		r := ev.eval(recv)
		if r.kind == cUnknown {
			return cval{kind: cUnknown, dep: dep}
		}
		var args []cval
		for _, a := range call.Args {
			args = append(args, ev.eval(a))
		}
		return strMethod(fe.Attr, r, args, dep)
	}
	if fe.Kind == python.Name {
		switch fe.Name {
		case "str":
			if len(call.Args) == 1 {
				v := ev.eval(call.Args[0])
				if v.kind == cStr && !v.bytes {
					return v
				}
			}
		case "set", "frozenset", "tuple", "list", "sorted":
			if len(call.Args) == 0 {
				return cval{kind: cList}
			}
			v := ev.eval(call.Args[0])
			if v.kind == cList {
				return v
			}
		case "any", "all":
			if len(call.Args) == 1 {
				v := ev.eval(call.Args[0])
				if v.kind != cList {
					return unk
				}
				var r tri
				if fe.Name == "any" {
					r = tri{f: true}
					for _, e := range v.list {
						t := e.truth()
						if t.unk {
							return cval{kind: cUnknown, dep: true}
						}
						if t.t && !t.f {
							return cval{kind: cBool, b: true, dep: dep}
						}
						if t.t {
							r.t = true
						}
					}
				} else {
					r = tri{t: true}
					for _, e := range v.list {
						t := e.truth()
						if t.unk {
							return cval{kind: cUnknown, dep: true}
						}
						if t.f && !t.t {
							return cval{kind: cBool, b: false, dep: dep}
						}
						if t.f {
							r.f = true
						}
					}
				}
				return fromTri(r, dep)
			}
		}
	}
	return unk
}

func strMethod(m string, r cval, args []cval, dep bool) cval {
	unk := cval{kind: cUnknown, dep: dep}
	if r.kind != cStr {
		return unk
	}
	out := cval{kind: cStr, bytes: r.bytes, dep: r.dep || dep}
	switch m {
	case "lower", "casefold":
		out.s = strings.ToLower(r.s)
	case "upper":
		out.s = strings.ToUpper(r.s)
	case "title":
		out.s = pyTitle(r.s)
	case "strip", "lstrip", "rstrip":
		cut := " \t\r\n"
		if len(args) > 0 && args[0].kind == cStr {
			cut = args[0].s
		}
		switch m {
		case "strip":
			out.s = strings.Trim(r.s, cut)
		case "lstrip":
			out.s = strings.TrimLeft(r.s, cut)
		default:
			out.s = strings.TrimRight(r.s, cut)
		}
	case "decode":
		out.s, out.bytes = r.s, false
	case "encode":
		out.s, out.bytes = r.s, true
	case "replace":
		if len(args) < 2 || args[0].kind != cStr || args[1].kind != cStr {
			return unk
		}
		out.s = strings.ReplaceAll(r.s, args[0].s, args[1].s)
	case "startswith", "endswith":
		if len(args) < 1 {
			return unk
		}
		var cands []cval
		switch args[0].kind {
		case cStr:
			cands = []cval{args[0]}
		case cList:
			cands = args[0].list
		default:
			return unk
		}
		res := false
		for _, cnd := range cands {
			if cnd.kind != cStr {
				return unk
			}
			if m == "startswith" && strings.HasPrefix(r.s, cnd.s) || m == "endswith" && strings.HasSuffix(r.s, cnd.s) {
				res = true
			}
		}
		return cval{kind: cBool, b: res, dep: out.dep}
	case "split":
		sep := ""
		if len(args) > 0 && args[0].kind == cStr {
			sep = args[0].s
		}
		var parts []string
		if sep == "" {
			parts = strings.Fields(r.s)
		} else {
			parts = strings.Split(r.s, sep)
		}
		l := cval{kind: cList, dep: out.dep}
		for _, p := range parts {
			l.list = append(l.list, cval{kind: cStr, s: p, bytes: r.bytes, dep: out.dep})
		}
		return l
	default:
		return unk
	}
	return out
}

// pyTitle mimics str.title: upper-case the first letter of each run of
// letters, lower-case the rest.
func pyTitle(s string) string {
	var b strings.Builder
	prevLetter := false
	for _, r := range s {
		isLetter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		switch {
		case isLetter && !prevLetter:
			b.WriteString(strings.ToUpper(string(r)))
		case isLetter:
			b.WriteString(strings.ToLower(string(r)))
		default:
			b.WriteRune(r)
		}
		prevLetter = isLetter
	}
	return b.String()
}

func (ev *condEval) regex(fn string, call *python.Call, dep bool) cval {
	unk := cval{kind: cUnknown, dep: dep}
	pat, ok := constString(call.Args[0])
	if !ok {
		return unk
	}
	s := ev.eval(call.Args[1])
	if s.kind != cStr {
		return unk
	}
	flags := ""
	if len(call.Args) > 2 {
		flags = call.Args[2].Text
	}
	for _, k := range call.Kwargs {
		if k.Name == "flags" {
			flags = k.Value.Text
		}
	}
	if strings.Contains(flags, "I") {
		pat = "(?i)" + pat
	}
	switch fn {
	case "match":
		pat = `^(?:` + pat + `)`
	case "fullmatch":
		pat = `^(?:` + pat + `)$`
	case "search":
	default:
		return unk
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return unk
	}
	return cval{kind: cBool, b: re.MatchString(s.s), dep: s.dep || dep}
}

func (ev *condEval) comprehension(x *python.Expr) cval {
	// One for-clause over a constant sequence, optional ifs.
	n := x.Node
	c := ev.c
	var iterName string
	var seq cval
	var ifs []*python.Expr
	clauses := 0
	for _, k := range c.kids(n) {
		switch c.typ(k) {
		case "for_in_clause":
			clauses++
			left, right := c.fieldOf(k, "left"), c.fieldOf(k, "right")
			if left == nil || right == nil || c.typ(left) != "identifier" {
				return cval{kind: cUnknown, dep: ev.refsBound(x)}
			}
			iterName = ev.c.mi.m.NodeText(left)
			seq = ev.eval(ev.c.expr(right))
		case "if_clause":
			if len(c.kids(k)) > 0 {
				ifs = append(ifs, ev.c.expr(c.kids(k)[0]))
			}
		}
	}
	if clauses != 1 || seq.kind != cList || len(x.Elems) == 0 {
		return cval{kind: cUnknown, dep: ev.refsBound(x)}
	}
	out := cval{kind: cList}
	saved, had := ev.bind[iterName]
	defer func() {
		if had {
			ev.bind[iterName] = saved
		} else {
			delete(ev.bind, iterName)
		}
	}()
	for _, item := range seq.list {
		ev.bind[iterName] = item
		keep := true
		for _, f := range ifs {
			t := ev.truthOf(f)
			if t.unk {
				return cval{kind: cUnknown, dep: true}
			}
			if !t.t {
				keep = false
			}
		}
		if keep {
			v := ev.eval(x.Elems[0])
			out.list = append(out.list, v)
			out.dep = out.dep || v.dep
		}
	}
	return out
}

// constant resolves a module-level (or imported) constant for filter
// evaluation.
func (c *fctx) constant(name string, depth int) cval {
	if depth > 10 {
		return unknownIndep
	}
	key := c.mi.name + "|" + name
	if c.a.consts == nil {
		c.a.consts = map[string]cval{}
	}
	if v, ok := c.a.consts[key]; ok {
		return v
	}
	c.a.consts[key] = unknownIndep
	v := c.constant1(name, depth)
	c.a.consts[key] = v
	return v
}

func (c *fctx) constant1(name string, depth int) cval {
	first, rest := name, ""
	if i := strings.IndexByte(name, '.'); i >= 0 {
		first, rest = name[:i], name[i+1:]
	}
	if rest == "" {
		var last *python.Assign
		for _, as := range c.mi.m.Assigns {
			if as.Target == name && as.Value != nil {
				last = as
			}
		}
		if last != nil {
			mc := &fctx{a: c.a, mi: c.mi, filters: map[int]filterInfo{}}
			ev := &condEval{c: mc, bind: map[string]cval{}, depth: depth + 1}
			v := ev.eval(last.Value)
			v.dep = false
			return v
		}
	}
	if q, ok := c.mi.imports[first]; ok {
		full := q
		if rest != "" {
			full += "." + rest
		}
		r := c.a.resolve(full)
		if r.mod != nil && r.varName != "" {
			mc := &fctx{a: c.a, mi: c.a.mods[r.mod], filters: map[int]filterInfo{}}
			return mc.constant(r.varName, depth+1)
		}
		if r.cls != nil && strings.Contains(rest, ".") {
			return unknownIndep
		}
	}
	if cl := c.mi.classes[first]; cl != nil && rest != "" && !strings.Contains(rest, ".") {
		return c.classConstant(cl, rest, depth+1)
	}
	return unknownIndep
}

func (c *fctx) classConstant(cl *python.Class, name string, depth int) cval {
	for _, as := range cl.Assigns {
		if as.Target == name && as.Value != nil {
			mi := c.a.clsModule(cl)
			if mi == nil {
				break
			}
			mc := &fctx{a: c.a, mi: mi, cls: cl, filters: map[int]filterInfo{}}
			ev := &condEval{c: mc, bind: map[string]cval{}, depth: depth + 1}
			v := ev.eval(as.Value)
			v.dep = false
			return v
		}
	}
	return unknownIndep
}
