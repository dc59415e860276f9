// Package pysem is djleak's one model of Python values: a value lattice
// (constants, unknown, values that depend on environment variables) and
// one evaluator of Python's string, comparison and truth semantics. The
// taint pass, the settings evaluator and the identity guards are its
// clients; each supplies a Scope saying what names mean where it
// evaluates.
package pysem

import (
	"sort"

	"github.com/djleak/djleak/parsers/python"
)

// Value is one point of the lattice: a known constant (V, when OK) or
// unknown, with what it depends on.
type Value struct {
	// V is the constant when OK: str, bytes, int, float, bool, None, and
	// lists, tuples, sets and dicts of them.
	V  python.Value
	OK bool
	// Env lists, sorted, the environment variables the value depends on.
	Env []string
	// EnvStr: the value is an environment variable's raw string when the
	// variable is set (os.environ.get without a cast).
	EnvStr bool
	// Direct is the variable read when the expression itself is an
	// environment read (not something computed from one); with Env and V
	// it says "depends on environment variable Direct, default V".
	Direct string
	// Raises names the exception evaluation certainly raises in the
	// environment evaluated ("KeyError" for os.environ['X'] when X is
	// unset).
	Raises string
	// Free: the value is derived from a name the scope binds to a value
	// that varies (Scope.Free); an unknown free value is one whose truth
	// cannot be decided without knowing that name's value.
	Free bool
	// Items, when V is unknown, are the elements of a sequence whose
	// length is known but not every element (a comprehension over a
	// constant sequence).
	Items []Value
}

// MaxSize bounds the size of any value the evaluator holds (string bytes
// plus one per element and key, counted through nesting).
const MaxSize = 1 << 20

// Unknown is an unknown value depending on what deps depend on; it
// raises what the first raising dependency raises.
func Unknown(deps ...Value) Value {
	out := Value{}
	for _, d := range deps {
		out.Env = MergeEnv(out.Env, d.Env)
		out.Free = out.Free || d.Free
		if out.Raises == "" {
			out.Raises = d.Raises
		}
	}
	return out
}

// Known is the constant v, depending on what deps depend on. Every
// value-building operation ends here, so this is where the size cap is
// applied: a value larger than MaxSize is unknown rather than built
// further, so that `X = f"{X}{X}"` repeated cannot exhaust memory.
func Known(v python.Value, deps ...Value) Value {
	out := Unknown(deps...)
	if !Fits(v) {
		return out
	}
	out.V, out.OK = v, true
	out.Raises = ""
	return out
}

// after is v computed once d was evaluated: v also depends on what d
// depends on.
func (v Value) after(d Value) Value {
	v.Env = MergeEnv(v.Env, d.Env)
	v.Free = v.Free || d.Free
	return v
}

// Fits reports whether v is within MaxSize.
func Fits(v python.Value) bool { return Size(v, MaxSize) <= MaxSize }

// Size measures v (string bytes, one per element and key, nested values
// included), stopping as soon as the count passes budget, so that a value
// sharing sub-values many times over costs at most budget steps.
func Size(v python.Value, budget int) int {
	n := len(v.Str) + 1
	for _, list := range [][]python.Value{v.Elems, v.Keys} {
		for _, e := range list {
			if n > budget {
				return n
			}
			n += Size(e, budget-n)
		}
	}
	return n
}

// MergeEnv is the sorted union of two sorted variable lists.
func MergeEnv(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
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

// Constant constructors.
func Str(s string) python.Value   { return python.Value{Kind: python.Str, Str: s} }
func Bytes(s string) python.Value { return python.Value{Kind: python.Bytes, Str: s} }
func Int(i int64) python.Value    { return python.Value{Kind: python.Int, Int: i} }
func Bool(b bool) python.Value    { return python.Value{Kind: python.Bool, Bool: b} }

// None is Python's None.
var None = python.Value{Kind: python.None}

// IsSeq reports whether v is a list, tuple or set.
func IsSeq(v python.Value) bool {
	return v.Kind == python.List || v.Kind == python.Tuple || v.Kind == python.Set
}

// IsText reports whether v is a str or bytes value.
func IsText(v python.Value) bool { return v.Kind == python.Str || v.Kind == python.Bytes }

// Tri is a three-valued truth: which outcomes are possible, or Undecided
// when the outcome depends on a free name in a way the evaluator cannot
// follow.
type Tri struct{ True, False, Undecided bool }

// Definitely reports whether t is certainly b.
func (t Tri) Definitely(b bool) bool {
	if t.Undecided {
		return false
	}
	if b {
		return t.True && !t.False
	}
	return t.False && !t.True
}

// Not negates t.
func (t Tri) Not() Tri { return Tri{True: t.False, False: t.True, Undecided: t.Undecided} }

// Truth is the truth of a value: decided for constants, either outcome for
// an unknown value that is not free, undecided for an unknown free value.
func Truth(v Value) Tri {
	if v.OK {
		if t, ok := v.V.Truthy(); ok {
			return Tri{True: t, False: !t}
		}
	}
	if v.Free {
		return Tri{Undecided: true}
	}
	return Tri{True: true, False: true}
}

// FromTri is the bool a decided truth gives (free when free is), unknown
// otherwise.
func FromTri(t Tri, free bool) Value {
	switch {
	case t.Undecided:
		return Value{Free: true}
	case t.Definitely(true):
		return Value{V: Bool(true), OK: true, Free: free}
	case t.Definitely(false):
		return Value{V: Bool(false), OK: true, Free: free}
	}
	return Value{}
}
