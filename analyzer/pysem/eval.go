package pysem

import (
	"regexp"
	"sort"
	"strings"

	"github.com/djleak/djleak/parsers/python"
)

// Scope is what an expression's names mean where it is evaluated.
type Scope interface {
	// Name is the value of a Name or Attribute expression (e.Name is the
	// dotted name, "" when the object is not a dotted name).
	Name(e *python.Expr) Value
	// Getenv reads an environment variable; modelled is false when the
	// client does not model the environment, so that os.environ reads stay
	// unknown.
	Getenv(name string) (value string, set, modelled bool)
	// Read evaluates the calls and subscripts the client knows (library
	// readers of the environment, request lookups, project helpers);
	// handled false leaves them to the evaluator: builtins, str and bytes
	// methods, os.environ, subscripts of constants.
	Read(e *python.Expr) (v Value, handled bool)
	// Other is the value of an expression the evaluator does not model (a
	// comprehension, a lambda, …).
	Other(e *python.Expr) Value
}

// maxDepth bounds the nesting the evaluator follows.
const maxDepth = 500

type evaluator struct {
	sc    Scope
	depth int
}

// Eval evaluates e in sc the way Python would, as far as djleak models
// Python: constants, names through the scope, str/bytes methods,
// comparisons, and/or/not, conditional expressions, subscripts of
// constants, f-strings, % and str.format, bool(), int(), str(), list(),
// tuple(), set(), any(), all(), re.match/search/fullmatch, and reads of
// os.environ where the scope models the environment.
func Eval(e *python.Expr, sc Scope) Value {
	return (&evaluator{sc: sc}).eval(e)
}

// TruthOf is the truth of e as a condition: `a and b` is false when either
// side certainly is, even when the other is unknown.
func TruthOf(e *python.Expr, sc Scope) Tri {
	return (&evaluator{sc: sc}).truth(e)
}

func (ev *evaluator) truth(x *python.Expr) Tri {
	if x == nil {
		return Tri{True: true, False: true}
	}
	switch x.Kind {
	case python.BoolOp:
		if len(x.Elems) != 2 {
			break
		}
		a, b := ev.truth(x.Elems[0]), ev.truth(x.Elems[1])
		if x.Name == "and" {
			if a.Definitely(false) || b.Definitely(false) {
				return Tri{False: true}
			}
			if a.Undecided || b.Undecided {
				return Tri{Undecided: true}
			}
			return Tri{True: a.True && b.True, False: a.False || b.False}
		}
		if a.Definitely(true) || b.Definitely(true) {
			return Tri{True: true}
		}
		if a.Undecided || b.Undecided {
			return Tri{Undecided: true}
		}
		return Tri{True: a.True || b.True, False: a.False && b.False}
	case python.UnaryOp:
		if x.Name == "not" && len(x.Elems) == 1 {
			return ev.truth(x.Elems[0]).Not()
		}
	}
	return Truth(ev.eval(x))
}

func (ev *evaluator) eval(e *python.Expr) Value {
	if e == nil || ev.depth > maxDepth {
		return Value{}
	}
	ev.depth++
	defer func() { ev.depth-- }()
	switch e.Kind {
	case python.String, python.Number, python.Bool, python.None:
		if v, ok := e.Const(); ok {
			return Known(v)
		}
		return Value{}
	case python.Bytes:
		return Known(Bytes(e.Str))
	case python.FString:
		var sb strings.Builder
		var deps []Value
		for _, p := range e.Pieces {
			if p.Expr == nil {
				sb.WriteString(p.Literal)
				continue
			}
			x := ev.eval(p.Expr)
			deps = append(deps, x)
			if !x.OK {
				return Unknown(deps...)
			}
			var s string
			ok := true
			switch p.Format {
			case "", "!s":
				s, ok = StrOf(x.V)
			case "!r":
				s = x.V.String()
			default:
				ok = false // format specs are not modelled
			}
			if !ok {
				return Unknown(deps...)
			}
			sb.WriteString(s)
			if sb.Len() > MaxSize {
				return Unknown(deps...)
			}
		}
		return Known(Str(sb.String()), deps...)
	case python.Name, python.Attribute:
		return ev.sc.Name(e)
	case python.Subscript:
		return ev.subscript(e)
	case python.CallExpr:
		return ev.call(e)
	case python.List, python.Tuple, python.Set:
		out := python.Value{Kind: python.ValueKind(e.Kind)}
		var deps []Value
		ok := true
		for _, x := range e.Elems {
			if x.Kind == python.Starred && len(x.Elems) == 1 {
				xv := ev.eval(x.Elems[0])
				deps = append(deps, xv)
				if !xv.OK || !IsSeq(xv.V) {
					ok = false
					continue
				}
				out.Elems = append(out.Elems, xv.V.Elems...)
				continue
			}
			xv := ev.eval(x)
			deps = append(deps, xv)
			if !xv.OK {
				ok = false
				continue
			}
			out.Elems = append(out.Elems, xv.V)
		}
		if !ok {
			return Unknown(deps...)
		}
		return Known(out, deps...)
	case python.Dict:
		var d dictBuilder
		var deps []Value
		ok := true
		for i, k := range e.Keys {
			vv := ev.eval(e.Values[i])
			deps = append(deps, vv)
			if k == nil { // **x
				if !vv.OK || vv.V.Kind != python.Dict {
					ok = false
					continue
				}
				for j, kk := range vv.V.Keys {
					d.set(kk, vv.V.Elems[j])
				}
				continue
			}
			kv := ev.eval(k)
			deps = append(deps, kv)
			if !kv.OK || !vv.OK {
				ok = false
				continue
			}
			d.set(kv.V, vv.V)
		}
		if !ok {
			return Unknown(deps...)
		}
		return Known(d.value(), deps...)
	case python.UnaryOp:
		return ev.unary(e)
	case python.BoolOp:
		if len(e.Elems) != 2 {
			return ev.sc.Other(e)
		}
		l := ev.eval(e.Elems[0])
		if !l.OK {
			return Unknown(l, ev.eval(e.Elems[1]))
		}
		t, _ := l.V.Truthy()
		if (e.Name == "or") == t {
			return l
		}
		return ev.eval(e.Elems[1]).after(l)
	case python.BinOp:
		if len(e.Elems) != 2 {
			return ev.sc.Other(e)
		}
		l, r := ev.eval(e.Elems[0]), ev.eval(e.Elems[1])
		if !l.OK || !r.OK {
			return Unknown(l, r)
		}
		if v, ok := BinOp(e.Name, l.V, r.V); ok {
			return Known(v, l, r)
		}
		return Unknown(l, r)
	case python.Compare:
		return ev.compare(e)
	case python.Conditional:
		if len(e.Elems) != 3 {
			return ev.sc.Other(e)
		}
		test := ev.eval(e.Elems[1])
		t := Truth(test)
		var out Value
		switch {
		case t.Definitely(true):
			out = ev.eval(e.Elems[0])
		case t.Definitely(false):
			out = ev.eval(e.Elems[2])
		default:
			return Unknown(test, ev.eval(e.Elems[0]), ev.eval(e.Elems[2]))
		}
		out = out.after(test)
		out.Direct = ""
		return out
	}
	return ev.sc.Other(e)
}

func (ev *evaluator) unary(e *python.Expr) Value {
	if len(e.Elems) != 1 {
		return ev.sc.Other(e)
	}
	if e.Name == "not" {
		t := ev.truth(e.Elems[0]).Not()
		x := ev.eval(e.Elems[0])
		out := FromTri(t, x.Free)
		if !out.OK {
			return Unknown(x)
		}
		return Known(out.V, x)
	}
	x := ev.eval(e.Elems[0])
	if !x.OK {
		return Unknown(x)
	}
	if v, ok := python.FoldUnaryOp(e.Name, x.V); ok {
		return Known(v, x)
	}
	return Unknown(x)
}

// BinOp is a binary operator over constants as Python evaluates it: the
// arithmetic and concatenation of python.FoldBinOp, dict union and
// %-formatting of a str.
func BinOp(op string, l, r python.Value) (python.Value, bool) {
	switch {
	case op == "|" && l.Kind == python.Dict && r.Kind == python.Dict:
		out := l
		for i, k := range r.Keys {
			out = DictSet(out, k, r.Elems[i])
		}
		return out, true
	case op == "%" && l.Kind == python.Str:
		s, ok := Percent(l.Str, r)
		return Str(s), ok
	case op == "%" && l.Kind == python.Bytes:
		return python.Value{}, false
	}
	return python.FoldBinOp(op, l, r)
}

// IsEnviron reports whether e is os.environ (or environ after
// `from os import environ`).
func IsEnviron(e *python.Expr) bool {
	return e != nil && (e.Kind == python.Attribute || e.Kind == python.Name) &&
		(e.Name == "os.environ" || e.Name == "environ")
}

func (ev *evaluator) compare(e *python.Expr) Value {
	if len(e.Elems) != len(e.Ops)+1 || len(e.Ops) == 0 {
		return ev.sc.Other(e)
	}
	var deps []Value
	left := ev.eval(e.Elems[0])
	deps = append(deps, left)
	result, decided := true, true
	for i, op := range e.Ops {
		re := e.Elems[i+1]
		// `"X" in os.environ`
		if (op == "in" || op == "not in") && IsEnviron(re) && left.OK && left.V.Kind == python.Str {
			if _, set, modelled := ev.sc.Getenv(left.V.Str); modelled {
				deps = append(deps, Value{Env: []string{left.V.Str}})
				if set != (op == "in") {
					result = false
				}
				left = Value{}
				continue
			}
		}
		right := ev.eval(re)
		deps = append(deps, right)
		if !left.OK || !right.OK {
			decided = false
			left = right
			continue
		}
		res, ok := Compare(op, left.V, right.V)
		if !ok {
			decided = false
		} else if !res {
			result = false
		}
		left = right
	}
	// `a < b < c` is `a < b and b < c`: one comparison certainly false
	// decides it.
	if !decided && result {
		return Unknown(deps...)
	}
	return Known(Bool(result), deps...)
}

func (ev *evaluator) subscript(e *python.Expr) Value {
	if len(e.Elems) != 2 {
		return ev.sc.Other(e)
	}
	if v, ok := ev.sc.Read(e); ok {
		return v
	}
	if IsEnviron(e.Elems[0]) {
		k := ev.eval(e.Elems[1])
		if !k.OK || k.V.Kind != python.Str {
			return Unknown(k)
		}
		name := k.V.Str
		s, set, modelled := ev.sc.Getenv(name)
		if modelled {
			out := Value{Env: []string{name}, Direct: name, EnvStr: true}
			if set {
				out.V, out.OK = Str(s), true
				return out
			}
			out.Raises = "KeyError"
			return out
		}
	}
	base, idx := ev.eval(e.Elems[0]), ev.eval(e.Elems[1])
	if !base.OK || !idx.OK {
		return Unknown(base, idx)
	}
	switch base.V.Kind {
	case python.Dict:
		if v, found, ok := Lookup(base.V, idx.V); found && ok {
			return Known(v, base, idx)
		}
	case python.List, python.Tuple:
		if idx.V.Kind != python.Int {
			break
		}
		i := idx.V.Int
		if i < 0 {
			i += int64(len(base.V.Elems))
		}
		if i >= 0 && i < int64(len(base.V.Elems)) {
			return Known(base.V.Elems[i], base, idx)
		}
	}
	return Unknown(base, idx)
}

// Arg returns the positional argument i (not a *x) or the keyword argument
// name.
func Arg(c *python.Call, i int, name string) *python.Expr {
	if name != "" {
		if v, ok := c.Kwarg(name); ok {
			return v
		}
	}
	if i >= 0 && i < len(c.Args()) && c.Args()[i].Kind != python.Starred {
		return c.Args()[i]
	}
	return nil
}

// args evaluates a call's arguments; ok is false when one is unknown or
// is *x or **x.
func (ev *evaluator) args(c *python.Call) (pos []python.Value, kw map[string]python.Value, deps []Value, ok bool) {
	ok = true
	for _, a := range c.Args() {
		v := ev.eval(a)
		deps = append(deps, v)
		ok = ok && v.OK && a.Kind != python.Starred
		pos = append(pos, v.V)
	}
	for _, k := range c.Kwargs() {
		v := ev.eval(k.Value)
		deps = append(deps, v)
		ok = ok && v.OK && k.Name != ""
		if kw == nil {
			kw = map[string]python.Value{}
		}
		kw[k.Name] = v.V
	}
	return pos, kw, deps, ok
}

func (ev *evaluator) call(e *python.Expr) Value {
	c := e.Call
	if c == nil {
		return ev.sc.Other(e)
	}
	if v, ok := ev.sc.Read(e); ok {
		return v
	}
	switch c.Func {
	case "os.environ.get", "environ.get", "os.getenv", "getenv":
		if v, ok := ev.envGet(c); ok {
			return v
		}
	case "re.match", "re.search", "re.fullmatch":
		return ev.regex(c)
	}
	fe := c.FuncExpr
	if fe != nil && fe.Kind == python.Attribute && len(fe.Elems) == 1 {
		obj := ev.eval(fe.Elems[0])
		pos, kw, deps, ok := ev.args(c)
		deps = append(deps, obj)
		if !obj.OK || !ok {
			return Unknown(deps...)
		}
		if v, ok := Method(fe.Attr, obj.V, pos, kw); ok {
			return Known(v, deps...)
		}
		return Unknown(deps...)
	}
	if fe != nil && fe.Kind == python.Name && (fe.Name == "any" || fe.Name == "all") && len(c.Args()) == 1 && len(c.Kwargs()) == 0 {
		return ev.anyAll(fe.Name, c.Args()[0])
	}
	pos, kw, deps, ok := ev.args(c)
	if !ok || fe == nil || fe.Kind != python.Name {
		return Unknown(deps...)
	}
	if v, ok := Builtin(fe.Name, pos, kw); ok {
		return Known(v, deps...)
	}
	return Unknown(deps...)
}

// anyAll evaluates any() and all() over a sequence whose elements may be
// unknown (Items): any is true as soon as one element certainly is, all
// false as soon as one certainly is.
func (ev *evaluator) anyAll(fn string, arg *python.Expr) Value {
	seq := ev.eval(arg)
	items := seq.Items
	switch {
	case seq.OK:
		elems, ok := iterate(seq.V)
		if seq.V.Kind == python.Set {
			elems, ok = seq.V.Elems, true // the order does not matter here
		}
		if !ok {
			return Unknown(seq)
		}
		items = make([]Value, 0, len(elems))
		for _, x := range elems {
			items = append(items, Value{V: x, OK: true, Free: seq.Free})
		}
	case seq.Items == nil:
		return Unknown(seq)
	}
	want := fn == "any" // the element truth that decides
	r := Tri{True: !want, False: want}
	for _, x := range items {
		t := Truth(x)
		if t.Undecided {
			return Value{Free: true}
		}
		if t.Definitely(want) {
			return Known(Bool(want), seq)
		}
		if want && t.True || !want && t.False {
			r = Tri{True: true, False: true}
		}
	}
	out := FromTri(r, seq.Free)
	if !out.OK {
		return Unknown(seq)
	}
	return Known(out.V, seq)
}

// envGet evaluates os.environ.get('X', d) and os.getenv('X', d).
func (ev *evaluator) envGet(c *python.Call) (Value, bool) {
	ke := Arg(c, 0, "key")
	if ke == nil {
		return Value{}, false
	}
	k := ev.eval(ke)
	if !k.OK || k.V.Kind != python.Str {
		return Unknown(k), true
	}
	name := k.V.Str
	s, set, modelled := ev.sc.Getenv(name)
	if !modelled {
		return Value{}, false
	}
	out := Value{Env: []string{name}, Direct: name, EnvStr: true}
	if set {
		out.V, out.OK = Str(s), true
		return out, true
	}
	d := Arg(c, 1, "default")
	if d == nil {
		out.V, out.OK = None, true
		return out, true
	}
	dv := ev.eval(d)
	out.V, out.OK = dv.V, dv.OK
	out.Env = MergeEnv(out.Env, dv.Env)
	out.Free = dv.Free
	return out, true
}

// regex evaluates re.match, re.search and re.fullmatch with a constant
// pattern as a truth value (whether there is a match), with Go's RE2
// standing in for Python's re where the two agree.
func (ev *evaluator) regex(c *python.Call) Value {
	if len(c.Args()) < 2 {
		return Unknown()
	}
	p, s := ev.eval(c.Args()[0]), ev.eval(c.Args()[1])
	if !p.OK || !s.OK || p.V.Kind != python.Str || s.V.Kind != python.Str {
		return Unknown(p, s)
	}
	pat := p.V.Str
	flags := ""
	if len(c.Args()) > 2 {
		flags = c.Args()[2].Text
	}
	for _, k := range c.Kwargs() {
		if k.Name == "flags" {
			flags = k.Value.Text
		}
	}
	if strings.Contains(flags, "I") {
		pat = "(?i)" + pat
	}
	switch c.Func {
	case "re.match":
		pat = `^(?:` + pat + `)`
	case "re.fullmatch":
		pat = `^(?:` + pat + `)$`
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return Unknown(p, s)
	}
	return Known(Bool(re.MatchString(s.V.Str)), p, s)
}

// Builtin evaluates a call of a builtin over constants: bool(), int(),
// str(), list(), tuple(), set(), frozenset(), sorted() of strings or
// numbers.
func Builtin(name string, args []python.Value, kw map[string]python.Value) (python.Value, bool) {
	if len(kw) != 0 {
		return python.Value{}, false
	}
	switch name {
	case "bool":
		switch len(args) {
		case 0:
			return Bool(false), true
		case 1:
			t, ok := args[0].Truthy()
			return Bool(t), ok
		}
	case "int":
		if len(args) == 1 {
			return IntOf(args[0])
		}
	case "str":
		switch len(args) {
		case 0:
			return Str(""), true
		case 1:
			s, ok := StrOf(args[0])
			return Str(s), ok
		}
	case "list", "tuple", "set", "frozenset", "sorted":
		kind := python.ValueKind(python.List)
		switch name {
		case "tuple":
			kind = python.Tuple
		case "set", "frozenset":
			kind = python.Set
		}
		if len(args) == 0 && name != "sorted" {
			return python.Value{Kind: kind}, true
		}
		if len(args) != 1 {
			break
		}
		elems, ok := iterate(args[0])
		if args[0].Kind == python.Set && (kind == python.Set || name == "sorted") {
			elems, ok = args[0].Elems, true // the order does not matter here
		}
		if !ok {
			break
		}
		out := python.Value{Kind: kind}
		for _, x := range elems {
			if kind == python.Set {
				if in, ok := contains(out, x); !ok {
					return python.Value{}, false // unhashable or undecided
				} else if in {
					continue
				}
			}
			out.Elems = append(out.Elems, x)
		}
		if name == "sorted" && !sortValues(out.Elems) {
			return python.Value{}, false
		}
		return out, true
	}
	return python.Value{}, false
}

// iterate lists what iterating over a constant yields, in order (so not
// for a set of several elements).
func iterate(v python.Value) ([]python.Value, bool) {
	switch v.Kind {
	case python.Set:
		return v.Elems, len(v.Elems) <= 1
	case python.List, python.Tuple:
		return v.Elems, true
	case python.Dict:
		return dedupe(v).Keys, true
	case python.Str:
		var out []python.Value
		for _, r := range v.Str {
			out = append(out, Str(string(r)))
		}
		return out, true
	case python.Bytes:
		var out []python.Value
		for i := 0; i < len(v.Str); i++ {
			out = append(out, Int(int64(v.Str[i])))
		}
		return out, true
	}
	return nil, false
}

// sortValues sorts strings or numbers in place; false for anything else.
func sortValues(vs []python.Value) bool {
	for _, v := range vs {
		if _, ok := python.FoldCompare("<", v, vs[0]); !ok {
			return false
		}
	}
	sort.SliceStable(vs, func(i, j int) bool {
		lt, _ := python.FoldCompare("<", vs[i], vs[j])
		return lt
	})
	return true
}
