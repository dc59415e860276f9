package taint

import (
	"strings"

	"github.com/djleak/djleak/analyzer/pysem"
	"github.com/djleak/djleak/parsers/python"
)

// Filter conditions over header names (`k.lower() != 'authorization'`,
// `k not in SENSITIVE`, `not k.startswith('HTTP_')`,
// `any(s in k.lower() for s in (…))`, `re.match(r'(?i)auth', k)`) are
// evaluated by pysem with the iteration key bound to one concrete header
// key at a time. The key is free: a result derived from it that pysem
// cannot decide means the condition depends on the key in a way djleak
// cannot evaluate.

var unknownIndep = pysem.Value{}

// condTruth evaluates cond with name bound to key.
func (c *fctx) condTruth(cond *python.Expr, name string, key pysem.Value) pysem.Tri {
	ev := &condEval{c: c, bind: map[string]pysem.Value{name: key}}
	return pysem.TruthOf(cond, ev)
}

// condEval is the pysem scope of a filter condition: the bound names,
// then class and module constants.
type condEval struct {
	c     *fctx
	bind  map[string]pysem.Value
	depth int
}

func (ev *condEval) eval(x *python.Expr) pysem.Value { return pysem.Eval(x, ev) }

func (ev *condEval) Name(x *python.Expr) pysem.Value {
	switch x.Kind {
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
	}
	return ev.Other(x)
}

// Getenv: a filter's environment is the deployment's, not modelled.
func (*condEval) Getenv(string) (string, bool, bool) { return "", false, false }

func (*condEval) Read(*python.Expr) (pysem.Value, bool) { return pysem.Value{}, false }

func (ev *condEval) Other(x *python.Expr) pysem.Value {
	if x.Kind == python.Comprehension && (x.Name == "set" || x.Name == "list" || x.Name == "generator") {
		return ev.comprehension(x)
	}
	return pysem.Value{Free: ev.refsBound(x)}
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

func (ev *condEval) comprehension(x *python.Expr) pysem.Value {
	// One for-clause over a constant sequence, optional ifs.
	n := x.Node
	c := ev.c
	var iterName string
	var seq pysem.Value
	var ifs []*python.Expr
	clauses := 0
	for _, k := range c.kids(n) {
		switch c.typ(k) {
		case "for_in_clause":
			clauses++
			left, right := c.fieldOf(k, "left"), c.fieldOf(k, "right")
			if left == nil || right == nil || c.typ(left) != "identifier" {
				return pysem.Value{Free: ev.refsBound(x)}
			}
			iterName = ev.c.mi.m.NodeText(left)
			seq = ev.eval(ev.c.expr(right))
		case "if_clause":
			if len(c.kids(k)) > 0 {
				ifs = append(ifs, ev.c.expr(c.kids(k)[0]))
			}
		}
	}
	if clauses != 1 || !seq.OK || !pysem.IsSeq(seq.V) || len(x.Elems) == 0 {
		return pysem.Value{Free: ev.refsBound(x)}
	}
	saved, had := ev.bind[iterName]
	defer func() {
		if had {
			ev.bind[iterName] = saved
		} else {
			delete(ev.bind, iterName)
		}
	}()
	items := []pysem.Value{}
	for _, item := range seq.V.Elems {
		ev.bind[iterName] = pysem.Value{V: item, OK: true}
		keep := true
		for _, f := range ifs {
			t := pysem.TruthOf(f, ev)
			if t.Undecided {
				return pysem.Value{Free: true}
			}
			if !t.True {
				keep = false
			}
		}
		if keep {
			items = append(items, ev.eval(x.Elems[0]))
		}
	}
	// The elements' values; the sequence itself is not a constant.
	return pysem.Value{Items: items, Free: pysem.Unknown(items...).Free}
}

// constant resolves a module-level (or imported) constant for filter
// evaluation.
func (c *fctx) constant(name string, depth int) pysem.Value {
	if depth > 10 {
		return unknownIndep
	}
	key := c.mi.name + "|" + name
	if c.a.consts == nil {
		c.a.consts = map[string]memo[pysem.Value]{}
	}
	if v, ok := c.a.consts[key]; ok {
		c.a.usedMemo(v.deps)
		return v.v
	}
	c.a.consts[key] = memo[pysem.Value]{v: unknownIndep}
	var v pysem.Value
	d := c.a.memoDeps(func() { v = c.constant1(name, depth) })
	c.a.consts[key] = memo[pysem.Value]{v, d}
	return v
}

func (c *fctx) constant1(name string, depth int) pysem.Value {
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
			ev := &condEval{c: mc, bind: map[string]pysem.Value{}, depth: depth + 1}
			v := ev.eval(last.Value)
			v.Free = false
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
			mc := &fctx{a: c.a, mi: c.a.info(r.mod), filters: map[int]filterInfo{}}
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

func (c *fctx) classConstant(cl *python.Class, name string, depth int) pysem.Value {
	for _, as := range cl.Assigns {
		if as.Target == name && as.Value != nil {
			mi := c.a.clsModule(cl)
			if mi == nil {
				break
			}
			mc := &fctx{a: c.a, mi: mi, cls: cl, filters: map[int]filterInfo{}}
			ev := &condEval{c: mc, bind: map[string]pysem.Value{}, depth: depth + 1}
			v := ev.eval(as.Value)
			v.Free = false
			return v
		}
	}
	return unknownIndep
}
