package settings

import (
	"strings"

	"github.com/djleak/djleak/analyzer/pysem"
	"github.com/djleak/djleak/parsers/python"
)

// val is the result of evaluating an expression in a settings module:
// pysem's lattice, with the environment variables it depends on.
type val = pysem.Value

func unknown(deps ...val) val                   { return pysem.Unknown(deps...) }
func known(v python.Value, deps ...val) val     { return pysem.Known(v, deps...) }
func mergeEnv(a, b []string) []string           { return pysem.MergeEnv(a, b) }
func boolV(b bool) python.Value                 { return pysem.Bool(b) }
func strV(s string) python.Value                { return pysem.Str(s) }
func intV(i int64) python.Value                 { return pysem.Int(i) }
func isSeq(v python.Value) bool                 { return pysem.IsSeq(v) }
func dictSet(d, k, v python.Value) python.Value { return pysem.DictSet(d, k, v) }

// maxValueSize bounds the size of any value the evaluator holds.
const maxValueSize = pysem.MaxSize

// valueEqual is Python ==.
func valueEqual(a, b python.Value) bool {
	eq, ok := pysem.Equal(a, b)
	return eq && ok
}

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

// semScope is a settings scope as pysem sees it: names are the settings
// assigned so far, the environment is modelled, and the readers of
// python-decouple, django-environ and strtobool are library calls it
// knows.
type semScope struct{ sc scope }

func (s semScope) Name(e *python.Expr) val {
	if e.Name == "" {
		return val{}
	}
	st := s.sc.lookup(e.Name)
	if st == nil || st.Unset {
		return val{}
	}
	if st.Undecided || st.Raises != "" {
		return val{Env: st.EnvVars}
	}
	return val{V: st.Value, OK: st.Known, Env: st.EnvVars, EnvStr: st.EnvString}
}

func (s semScope) Getenv(name string) (string, bool, bool) {
	v, set := s.sc.getenv(name)
	return v, set, true
}

func (s semScope) Read(e *python.Expr) (val, bool) {
	c := e.Call
	if c == nil {
		return val{}, false
	}
	switch c.Func {
	case "strtobool", "distutils.util.strtobool", "util.strtobool":
		if len(c.Args()) == 1 {
			x := eval(c.Args()[0], s.sc)
			if x.OK && x.V.Kind == python.Str {
				switch strings.ToLower(x.V.Str) {
				case "y", "yes", "t", "true", "on", "1":
					return known(intV(1), x), true
				case "n", "no", "f", "false", "off", "0":
					return known(intV(0), x), true
				}
			}
			return unknown(x), true
		}
	}
	if v, ok := evalDecouple(c, s.sc); ok {
		return v, true
	}
	return evalEnviron(c, s.sc)
}

func (semScope) Other(*python.Expr) val { return val{} }

// eval evaluates e the way Python would in the scope, as far as it can.
func eval(e *python.Expr, sc scope) val { return pysem.Eval(e, semScope{sc}) }

// argAt returns the positional argument i or the keyword argument name.
func argAt(c *python.Call, i int, name string) *python.Expr { return pysem.Arg(c, i, name) }

// evalDecouple evaluates python-decouple's config('X', default=…, cast=…).
// decouple casts the default too.
func evalDecouple(c *python.Call, sc scope) (val, bool) {
	if !(c.Func == "config" || c.Func == "decouple.config") || len(c.Args()) == 0 {
		return val{}, false
	}
	if c.Func == "config" && !sc.importsDecouple() {
		return val{}, false
	}
	k := eval(c.Args()[0], sc)
	if !k.OK || k.V.Kind != python.Str {
		return unknown(k), true
	}
	name := k.V.Str
	out := val{Env: []string{name}, Direct: name}
	var raw python.Value
	if s, ok := sc.getenv(name); ok {
		raw = strV(s)
	} else if d := argAt(c, -1, "default"); d != nil {
		dv := eval(d, sc)
		if !dv.OK {
			return unknown(out, dv), true
		}
		raw = dv.V
	} else {
		out.Raises = "UndefinedValueError"
		return out, true
	}
	cast := argAt(c, -1, "cast")
	switch {
	case cast == nil:
		out.V, out.OK = raw, true
		out.EnvStr = true
	case cast.Text == "bool":
		s, ok := pyStr(val{V: raw, OK: true})
		if !ok {
			return unknown(out), true
		}
		switch strings.ToLower(s) {
		case "1", "yes", "true", "on":
			out.V, out.OK = boolV(true), true
		case "0", "no", "false", "off", "":
			out.V, out.OK = boolV(false), true
		default:
			out.Raises = "ValueError"
		}
	case cast.Text == "int":
		if v, ok := toInt(raw); ok {
			out.V, out.OK = v, true
		}
	case cast.Text == "str":
		if s, ok := pyStr(val{V: raw, OK: true}); ok {
			out.V, out.OK = strV(s), true
		}
	case cast.Kind == python.CallExpr && cast.Call != nil && strings.HasSuffix(cast.Call.Func, "Csv") && len(cast.Call.Args()) == 0 && len(cast.Call.Kwargs()) == 0:
		if raw.Kind == python.Str {
			l := python.Value{Kind: python.List}
			for _, p := range strings.Split(raw.Str, ",") {
				if p = strings.TrimSpace(p); p != "" {
					l.Elems = append(l.Elems, strV(p))
				}
			}
			out.V, out.OK = l, true
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
	if len(c.Args()) == 0 {
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
	k := eval(c.Args()[0], sc)
	if !k.OK || k.V.Kind != python.Str {
		return unknown(k), true
	}
	name := k.V.Str
	out := val{Env: []string{name}, Direct: name}
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
			out.Raises = "ImproperlyConfigured"
			return out, true
		}
		dv := eval(def, sc)
		out.V, out.OK = dv.V, dv.OK
		out.Env = mergeEnv(out.Env, dv.Env)
		if cast == "" || cast == "str" {
			out.EnvStr = true
		}
		return out, true
	}
	switch cast {
	case "", "str":
		out.V, out.OK, out.EnvStr = strV(s), true, true
	case "bool":
		out.V, out.OK = boolV(djangoEnvironTrue[strings.ToLower(s)]), true
	case "int":
		if v, ok := toInt(strV(s)); ok {
			out.V, out.OK = v, true
		}
	case "list":
		l := python.Value{Kind: python.List}
		if s != "" {
			for _, p := range strings.Split(s, ",") {
				l.Elems = append(l.Elems, strV(p))
			}
		}
		out.V, out.OK = l, true
	}
	return out, true
}

// pyStr is str(v).
func pyStr(x val) (string, bool) {
	if !x.OK {
		return "", false
	}
	return pysem.StrOf(x.V)
}

func toInt(v python.Value) (python.Value, bool) { return pysem.IntOf(v) }
