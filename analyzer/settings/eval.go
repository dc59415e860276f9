package settings

import (
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/djleak/djleak/parsers/python"
)

// val is the result of evaluating an expression in a settings module.
type val struct {
	v  python.Value
	ok bool // v is known
	// env lists the environment variables the value depends on.
	env []string
	// envStr: the value is an environment variable's raw string when the
	// variable is set (os.environ.get without a cast).
	envStr bool
	// direct is the variable read when the expression itself is an
	// environment read (not something computed from one).
	direct string
	// raises names the exception evaluation certainly raises in the
	// environment evaluated ("KeyError" for os.environ['X'] when X is unset).
	raises string
}

func unknown(deps ...val) val {
	out := val{}
	for _, d := range deps {
		out.env = mergeEnv(out.env, d.env)
		if out.raises == "" {
			out.raises = d.raises
		}
	}
	return out
}

// known is a value evaluation produced. Every value-building operation
// (f-strings, concatenation, unpacking into lists and dicts, joins, calls)
// ends here, so this is where the size cap is applied: a value larger than
// maxValueSize (string bytes plus elements, counted through nesting) is
// unknown rather than built further, so `X = f"{X}{X}"` repeated cannot
// exhaust memory.
func known(v python.Value, deps ...val) val {
	out := unknown(deps...)
	if valueSize(v, maxValueSize) > maxValueSize {
		return out
	}
	out.v, out.ok = v, true
	out.raises = ""
	return out
}

// maxValueSize bounds the size of any value the evaluator holds.
const maxValueSize = 1 << 20

// valueSize measures v (string bytes, one per element and key, nested
// values included), stopping as soon as the count passes budget, so that a
// value sharing sub-values many times over costs at most budget steps.
func valueSize(v python.Value, budget int) int {
	n := len(v.Str) + 1
	for _, list := range [][]python.Value{v.Elems, v.Keys} {
		for _, e := range list {
			if n > budget {
				return n
			}
			n += valueSize(e, budget-n)
		}
	}
	return n
}

func mergeEnv(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	seen := map[string]bool{}
	var out []string
	for _, s := range append(append([]string{}, a...), b...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func boolV(b bool) python.Value  { return python.Value{Kind: python.Bool, Bool: b} }
func strV(s string) python.Value { return python.Value{Kind: python.Str, Str: s} }
func intV(i int64) python.Value  { return python.Value{Kind: python.Int, Int: i} }

var noneV = python.Value{Kind: python.None}

// scope is what expressions can refer to: the module's names so far and
// the environment (nil: every variable unset).
type scope interface {
	lookup(name string) *Setting
	getenv(name string) (string, bool)
	envFactory(name string) *envScheme
	importsDecouple() bool
}

// envScheme is a django-environ Env(...) instance's scheme:
// environ.Env(DEBUG=(bool, False)).
type envScheme struct {
	casts    map[string]string
	defaults map[string]*python.Expr
}

// eval evaluates e the way Python would in the scope, as far as it can.
func eval(e *python.Expr, sc scope) val {
	if e == nil {
		return val{}
	}
	switch e.Kind {
	case python.String, python.Number, python.Bool, python.None:
		if v, ok := e.Const(); ok {
			return known(v)
		}
		return val{}
	case python.FString:
		var sb strings.Builder
		var deps []val
		for _, p := range e.Pieces {
			if p.Expr == nil {
				sb.WriteString(p.Literal)
				continue
			}
			x := eval(p.Expr, sc)
			deps = append(deps, x)
			s, ok := pyStr(x)
			if !ok {
				return unknown(deps...)
			}
			sb.WriteString(s)
		}
		return known(strV(sb.String()), deps...)
	case python.Name, python.Attribute:
		if e.Name == "" {
			return val{}
		}
		s := sc.lookup(e.Name)
		if s == nil || s.Unset {
			return val{}
		}
		if s.Undecided || s.Raises != "" {
			return val{env: s.EnvVars}
		}
		out := val{v: s.Value, ok: s.Known, env: s.EnvVars, envStr: s.EnvString}
		return out
	case python.Subscript:
		return evalSubscript(e, sc)
	case python.CallExpr:
		return evalCall(e, sc)
	case python.List, python.Tuple, python.Set:
		out := python.Value{Kind: python.ValueKind(e.Kind)}
		var deps []val
		ok := true
		for _, x := range e.Elems {
			if x.Kind == python.Starred && len(x.Elems) == 1 {
				xv := eval(x.Elems[0], sc)
				deps = append(deps, xv)
				if !xv.ok || !isSeq(xv.v) {
					ok = false
					continue
				}
				out.Elems = append(out.Elems, xv.v.Elems...)
				continue
			}
			xv := eval(x, sc)
			deps = append(deps, xv)
			if !xv.ok {
				ok = false
				continue
			}
			out.Elems = append(out.Elems, xv.v)
		}
		if !ok {
			return unknown(deps...)
		}
		return known(out, deps...)
	case python.Dict:
		out := python.Value{Kind: python.Dict}
		var deps []val
		ok := true
		for i, k := range e.Keys {
			vv := eval(e.Values[i], sc)
			deps = append(deps, vv)
			if k == nil { // **x
				if !vv.ok || vv.v.Kind != python.Dict {
					ok = false
					continue
				}
				for j, kk := range vv.v.Keys {
					out = dictSet(out, kk, vv.v.Elems[j])
				}
				continue
			}
			kv := eval(k, sc)
			deps = append(deps, kv)
			if !kv.ok || !vv.ok {
				ok = false
				continue
			}
			out = dictSet(out, kv.v, vv.v)
		}
		if !ok {
			return unknown(deps...)
		}
		return known(out, deps...)
	case python.UnaryOp:
		if len(e.Elems) != 1 {
			return val{}
		}
		x := eval(e.Elems[0], sc)
		if !x.ok {
			return unknown(x)
		}
		switch e.Name {
		case "not":
			t, ok := x.v.Truthy()
			if !ok {
				return unknown(x)
			}
			return known(boolV(!t), x)
		case "-", "+":
			switch x.v.Kind {
			case python.Int:
				if e.Name == "-" {
					return known(intV(-x.v.Int), x)
				}
				return known(x.v, x)
			case python.Float:
				if e.Name == "-" {
					return known(python.Value{Kind: python.Float, Float: -x.v.Float}, x)
				}
				return known(x.v, x)
			case python.Bool:
				n := int64(0)
				if x.v.Bool {
					n = 1
				}
				if e.Name == "-" {
					n = -n
				}
				return known(intV(n), x)
			}
		}
		return unknown(x)
	case python.BoolOp:
		if len(e.Elems) != 2 {
			return val{}
		}
		l := eval(e.Elems[0], sc)
		if !l.ok {
			return unknown(l, eval(e.Elems[1], sc))
		}
		t, ok := l.v.Truthy()
		if !ok {
			return unknown(l)
		}
		if (e.Name == "or") == t {
			return l
		}
		r := eval(e.Elems[1], sc)
		r.env = mergeEnv(r.env, l.env)
		return r
	case python.BinOp:
		if len(e.Elems) != 2 {
			return val{}
		}
		l, r := eval(e.Elems[0], sc), eval(e.Elems[1], sc)
		if !l.ok || !r.ok {
			return unknown(l, r)
		}
		if v, ok := binOp(e.Name, l.v, r.v); ok {
			return known(v, l, r)
		}
		return unknown(l, r)
	case python.Compare:
		if len(e.Elems) != len(e.Ops)+1 || len(e.Ops) == 0 {
			return val{}
		}
		var deps []val
		left := eval(e.Elems[0], sc)
		deps = append(deps, left)
		result := true
		for i, op := range e.Ops {
			re := e.Elems[i+1]
			// `"X" in os.environ`
			if (op == "in" || op == "not in") && isEnviron(re) && left.ok && left.v.Kind == python.Str {
				_, set := sc.getenv(left.v.Str)
				dep := val{env: []string{left.v.Str}}
				deps = append(deps, dep)
				res := set
				if op == "not in" {
					res = !res
				}
				if !res {
					result = false
				}
				left = val{}
				continue
			}
			right := eval(re, sc)
			deps = append(deps, right)
			if !left.ok || !right.ok {
				return unknown(deps...)
			}
			res, ok := compare(op, left.v, right.v)
			if !ok {
				return unknown(deps...)
			}
			if !res {
				result = false
			}
			left = right
		}
		return known(boolV(result), deps...)
	case python.Conditional:
		if len(e.Elems) != 3 {
			return val{}
		}
		test := eval(e.Elems[1], sc)
		if !test.ok {
			return unknown(test, eval(e.Elems[0], sc), eval(e.Elems[2], sc))
		}
		t, ok := test.v.Truthy()
		if !ok {
			return unknown(test)
		}
		var out val
		if t {
			out = eval(e.Elems[0], sc)
		} else {
			out = eval(e.Elems[2], sc)
		}
		out.env = mergeEnv(out.env, test.env)
		out.direct = ""
		return out
	}
	return val{}
}

// isEnviron reports whether e is os.environ (or environ after
// `from os import environ`).
func isEnviron(e *python.Expr) bool {
	return e != nil && (e.Kind == python.Attribute || e.Kind == python.Name) &&
		(e.Name == "os.environ" || e.Name == "environ")
}

func evalSubscript(e *python.Expr, sc scope) val {
	if len(e.Elems) != 2 {
		return val{}
	}
	if isEnviron(e.Elems[0]) {
		k := eval(e.Elems[1], sc)
		if !k.ok || k.v.Kind != python.Str {
			return unknown(k)
		}
		name := k.v.Str
		out := val{env: []string{name}, direct: name, envStr: true}
		if s, ok := sc.getenv(name); ok {
			out.v, out.ok = strV(s), true
			return out
		}
		out.raises = "KeyError"
		return out
	}
	base, idx := eval(e.Elems[0], sc), eval(e.Elems[1], sc)
	if !base.ok || !idx.ok {
		return unknown(base, idx)
	}
	switch base.v.Kind {
	case python.Dict:
		for i, k := range base.v.Keys {
			if valueEqual(k, idx.v) {
				return known(base.v.Elems[i], base, idx)
			}
		}
		return unknown(base, idx)
	case python.List, python.Tuple:
		if idx.v.Kind != python.Int {
			return unknown(base, idx)
		}
		i := idx.v.Int
		if i < 0 {
			i += int64(len(base.v.Elems))
		}
		if i < 0 || i >= int64(len(base.v.Elems)) {
			return unknown(base, idx)
		}
		return known(base.v.Elems[i], base, idx)
	}
	return unknown(base, idx)
}

// argAt returns the positional argument i or the keyword argument name.
func argAt(c *python.Call, i int, name string) *python.Expr {
	if name != "" {
		if v, ok := c.Kwarg(name); ok {
			return v
		}
	}
	if i >= 0 && i < len(c.Args) && c.Args[i].Kind != python.Starred {
		return c.Args[i]
	}
	return nil
}

func evalCall(e *python.Expr, sc scope) val {
	c := e.Call
	if c == nil {
		return val{}
	}
	f := c.Func
	var args []val
	evalArgs := func() []val {
		if args == nil {
			args = []val{}
			for _, a := range c.Args {
				args = append(args, eval(a, sc))
			}
			for _, k := range c.Kwargs {
				args = append(args, eval(k.Value, sc))
			}
		}
		return args
	}
	// os.environ.get / os.getenv
	switch f {
	case "os.environ.get", "environ.get", "os.getenv", "getenv":
		return envGet(c, sc)
	case "bool":
		if len(c.Args) == 1 {
			x := eval(c.Args[0], sc)
			if t, ok := x.v.Truthy(); x.ok && ok {
				return known(boolV(t), x)
			}
			return unknown(x)
		}
		if len(c.Args) == 0 {
			return known(boolV(false))
		}
	case "int":
		if len(c.Args) == 1 {
			x := eval(c.Args[0], sc)
			if v, ok := toInt(x.v); x.ok && ok {
				return known(v, x)
			}
			return unknown(x)
		}
	case "str":
		if len(c.Args) == 1 {
			x := eval(c.Args[0], sc)
			if s, ok := pyStr(x); ok {
				return known(strV(s), x)
			}
			return unknown(x)
		}
	case "strtobool", "distutils.util.strtobool", "util.strtobool":
		if len(c.Args) == 1 {
			x := eval(c.Args[0], sc)
			if x.ok && x.v.Kind == python.Str {
				switch strings.ToLower(x.v.Str) {
				case "y", "yes", "t", "true", "on", "1":
					return known(intV(1), x)
				case "n", "no", "f", "false", "off", "0":
					return known(intV(0), x)
				}
			}
			return unknown(x)
		}
	}
	if v, ok := evalDecouple(c, sc); ok {
		return v
	}
	if v, ok := evalEnviron(c, sc); ok {
		return v
	}
	// String methods.
	if c.FuncExpr != nil && c.FuncExpr.Kind == python.Attribute && len(c.FuncExpr.Elems) == 1 {
		obj := eval(c.FuncExpr.Elems[0], sc)
		if obj.ok && obj.v.Kind == python.Str {
			s := obj.v.Str
			switch c.FuncExpr.Attr {
			case "lower", "casefold":
				return known(strV(strings.ToLower(s)), obj)
			case "upper":
				return known(strV(strings.ToUpper(s)), obj)
			case "strip":
				if len(c.Args) == 0 {
					return known(strV(strings.TrimSpace(s)), obj)
				}
			case "split":
				sep := argAt(c, 0, "sep")
				var parts []string
				if sep == nil {
					parts = strings.Fields(s)
				} else if sv := eval(sep, sc); sv.ok && sv.v.Kind == python.Str && sv.v.Str != "" {
					parts = strings.Split(s, sv.v.Str)
				} else {
					return unknown(obj, sv)
				}
				out := python.Value{Kind: python.List}
				for _, p := range parts {
					out.Elems = append(out.Elems, strV(p))
				}
				return known(out, obj)
			case "startswith", "endswith":
				if len(c.Args) == 1 {
					x := eval(c.Args[0], sc)
					if x.ok && x.v.Kind == python.Str {
						if c.FuncExpr.Attr == "startswith" {
							return known(boolV(strings.HasPrefix(s, x.v.Str)), obj, x)
						}
						return known(boolV(strings.HasSuffix(s, x.v.Str)), obj, x)
					}
				}
			}
		}
		if !obj.ok {
			return unknown(append(evalArgs(), obj)...)
		}
	}
	return unknown(evalArgs()...)
}

// envGet evaluates os.environ.get('X', d) and os.getenv('X', d).
func envGet(c *python.Call, sc scope) val {
	ke := argAt(c, 0, "key")
	if ke == nil {
		return val{}
	}
	k := eval(ke, sc)
	if !k.ok || k.v.Kind != python.Str {
		return unknown(k)
	}
	name := k.v.Str
	out := val{env: []string{name}, direct: name, envStr: true}
	if s, ok := sc.getenv(name); ok {
		out.v, out.ok = strV(s), true
		return out
	}
	d := argAt(c, 1, "default")
	if d == nil {
		out.v, out.ok = noneV, true
		return out
	}
	dv := eval(d, sc)
	out.v, out.ok = dv.v, dv.ok
	out.env = mergeEnv(out.env, dv.env)
	return out
}

// evalDecouple evaluates python-decouple's config('X', default=…, cast=…).
// decouple casts the default too.
func evalDecouple(c *python.Call, sc scope) (val, bool) {
	if !(c.Func == "config" || c.Func == "decouple.config") || len(c.Args) == 0 {
		return val{}, false
	}
	if c.Func == "config" && !sc.importsDecouple() {
		return val{}, false
	}
	k := eval(c.Args[0], sc)
	if !k.ok || k.v.Kind != python.Str {
		return unknown(k), true
	}
	name := k.v.Str
	out := val{env: []string{name}, direct: name}
	var raw python.Value
	if s, ok := sc.getenv(name); ok {
		raw = strV(s)
	} else if d := argAt(c, -1, "default"); d != nil {
		dv := eval(d, sc)
		if !dv.ok {
			return unknown(out, dv), true
		}
		raw = dv.v
	} else {
		out.raises = "UndefinedValueError"
		return out, true
	}
	cast := argAt(c, -1, "cast")
	switch {
	case cast == nil:
		out.v, out.ok = raw, true
		out.envStr = true
	case cast.Text == "bool":
		s, ok := pyStr(val{v: raw, ok: true})
		if !ok {
			return unknown(out), true
		}
		switch strings.ToLower(s) {
		case "1", "yes", "true", "on":
			out.v, out.ok = boolV(true), true
		case "0", "no", "false", "off", "":
			out.v, out.ok = boolV(false), true
		default:
			out.raises = "ValueError"
		}
	case cast.Text == "int":
		if v, ok := toInt(raw); ok {
			out.v, out.ok = v, true
		}
	case cast.Text == "str":
		if s, ok := pyStr(val{v: raw, ok: true}); ok {
			out.v, out.ok = strV(s), true
		}
	case cast.Kind == python.CallExpr && cast.Call != nil && strings.HasSuffix(cast.Call.Func, "Csv") && len(cast.Call.Args) == 0 && len(cast.Call.Kwargs) == 0:
		if raw.Kind == python.Str {
			l := python.Value{Kind: python.List}
			for _, p := range strings.Split(raw.Str, ",") {
				if p = strings.TrimSpace(p); p != "" {
					l.Elems = append(l.Elems, strV(p))
				}
			}
			out.v, out.ok = l, true
		}
	}
	return out, true
}

// envObject reports whether name is a django-environ Env instance: a name
// bound to environ.Env(...), or the conventional `env`.
func envObject(name string, sc scope) (*envScheme, bool) {
	if s := sc.envFactory(name); s != nil {
		return s, true
	}
	return nil, name == "env"
}

// djangoEnvironTrue are django-environ's BOOLEAN_TRUE_STRINGS.
var djangoEnvironTrue = map[string]bool{"true": true, "on": true, "ok": true, "y": true, "yes": true, "1": true}

// evalEnviron evaluates django-environ reads: env('X', default=…),
// env.bool('X', default=…), env.int(…), env.str(…), env.list(…) where env
// is an environ.Env() instance (its scheme gives casts and defaults).
// django-environ returns a default unchanged (it does not cast it).
func evalEnviron(c *python.Call, sc scope) (val, bool) {
	if len(c.Args) == 0 {
		return val{}, false
	}
	f := c.Func
	method := ""
	scheme, ok := envObject(f, sc)
	if !ok {
		i := strings.LastIndexByte(f, '.')
		if i < 0 {
			return val{}, false
		}
		method = f[i+1:]
		if scheme, ok = envObject(f[:i], sc); !ok {
			return val{}, false
		}
	}
	k := eval(c.Args[0], sc)
	if !k.ok || k.v.Kind != python.Str {
		return unknown(k), true
	}
	name := k.v.Str
	out := val{env: []string{name}, direct: name}
	cast := method
	var def *python.Expr
	if method == "" {
		// env(var, cast=None, default=NOTSET)
		if ce := argAt(c, 1, "cast"); ce != nil {
			cast = ce.Text
		}
		def = argAt(c, 2, "default")
	} else {
		def = argAt(c, 1, "default")
	}
	if scheme != nil {
		if cast == "" {
			cast = scheme.casts[name]
		}
		if def == nil {
			def = scheme.defaults[name]
		}
	}
	s, set := sc.getenv(name)
	if !set {
		if def == nil {
			out.raises = "ImproperlyConfigured"
			return out, true
		}
		dv := eval(def, sc)
		out.v, out.ok = dv.v, dv.ok
		out.env = mergeEnv(out.env, dv.env)
		if cast == "" || cast == "str" {
			out.envStr = true
		}
		return out, true
	}
	switch cast {
	case "", "str":
		out.v, out.ok, out.envStr = strV(s), true, true
	case "bool":
		out.v, out.ok = boolV(djangoEnvironTrue[strings.ToLower(s)]), true
	case "int":
		if v, ok := toInt(strV(s)); ok {
			out.v, out.ok = v, true
		}
	case "list":
		l := python.Value{Kind: python.List}
		if s != "" {
			for _, p := range strings.Split(s, ",") {
				l.Elems = append(l.Elems, strV(p))
			}
		}
		out.v, out.ok = l, true
	}
	return out, true
}

func isSeq(v python.Value) bool {
	return v.Kind == python.List || v.Kind == python.Tuple || v.Kind == python.Set
}

// pyStr is str(v).
func pyStr(x val) (string, bool) {
	if !x.ok {
		return "", false
	}
	switch x.v.Kind {
	case python.Str:
		return x.v.Str, true
	case python.Int, python.Float, python.Bool, python.None:
		return x.v.String(), true
	}
	return "", false
}

func toInt(v python.Value) (python.Value, bool) {
	switch v.Kind {
	case python.Int:
		return v, true
	case python.Bool:
		if v.Bool {
			return intV(1), true
		}
		return intV(0), true
	case python.Float:
		if math.IsInf(v.Float, 0) || math.IsNaN(v.Float) {
			return python.Value{}, false
		}
		return intV(int64(v.Float)), true
	case python.Str:
		n, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(v.Str), "_", ""), 10, 64)
		if err != nil {
			return python.Value{}, false
		}
		return intV(n), true
	}
	return python.Value{}, false
}

func dictSet(d python.Value, k, v python.Value) python.Value {
	out := python.Value{Kind: python.Dict, Keys: append([]python.Value{}, d.Keys...), Elems: append([]python.Value{}, d.Elems...)}
	for i, kk := range out.Keys {
		if valueEqual(kk, k) {
			out.Elems[i] = v
			return out
		}
	}
	out.Keys = append(out.Keys, k)
	out.Elems = append(out.Elems, v)
	return out
}

// valueEqual is Python ==.
func valueEqual(a, b python.Value) bool {
	if r, ok := compare("==", a, b); ok {
		return r
	}
	return false
}

// binOp is python.FoldBinOp plus the operations on containers settings use:
// dict union and %-formatting (left unknown).
func binOp(op string, l, r python.Value) (python.Value, bool) {
	switch {
	case op == "|" && l.Kind == python.Dict && r.Kind == python.Dict:
		out := l
		for i, k := range r.Keys {
			out = dictSet(out, k, r.Elems[i])
		}
		return out, true
	case op == "%" && l.Kind == python.Str:
		return python.Value{}, false
	}
	return python.FoldBinOp(op, l, r)
}

// compare evaluates one comparison.
func compare(op string, l, r python.Value) (bool, bool) {
	switch op {
	case "in", "not in":
		var found bool
		switch r.Kind {
		case python.Str:
			if l.Kind != python.Str {
				return false, false
			}
			found = strings.Contains(r.Str, l.Str)
		case python.List, python.Tuple, python.Set:
			for _, x := range r.Elems {
				if valueEqual(l, x) {
					found = true
				}
			}
		case python.Dict:
			for _, x := range r.Keys {
				if valueEqual(l, x) {
					found = true
				}
			}
		default:
			return false, false
		}
		return found == (op == "in"), true
	case "is", "is not":
		// Identity of the singletons True, False and None.
		single := func(v python.Value) bool { return v.Kind == python.Bool || v.Kind == python.None }
		if !single(l) && !single(r) {
			return false, false
		}
		same := l.Kind == r.Kind && (l.Kind == python.None || l.Bool == r.Bool)
		return same == (op == "is"), true
	}
	if (isSeq(l) && l.Kind == r.Kind) || (l.Kind == python.Dict && r.Kind == python.Dict) {
		if op != "==" && op != "!=" {
			return false, false
		}
		eq := len(l.Elems) == len(r.Elems) && len(l.Keys) == len(r.Keys)
		for i := 0; eq && i < len(l.Elems); i++ {
			eq = valueEqual(l.Elems[i], r.Elems[i])
		}
		for i := 0; eq && i < len(l.Keys); i++ {
			eq = valueEqual(l.Keys[i], r.Keys[i])
		}
		return eq == (op == "=="), true
	}
	if res, ok := python.FoldCompare(op, l, r); ok {
		return res, true
	}
	// Values of different kinds (a list and a string, …) are never equal;
	// numbers of different kinds were compared by value above.
	if (op == "==" || op == "!=") && l.Kind != r.Kind {
		return op == "!=", true
	}
	return false, false
}
