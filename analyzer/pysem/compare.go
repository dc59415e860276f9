package pysem

import (
	"math"
	"strconv"
	"strings"

	"github.com/djleak/djleak/parsers/python"
)

// Compare evaluates one comparison of two constants as Python does: ==,
// !=, <, <=, >, >=, in, not in, is, is not. ok is false where Python
// raises or the result is not a constant's property (`is` between two
// strings, ordering of containers).
func Compare(op string, l, r python.Value) (result, ok bool) {
	switch op {
	case "in", "not in":
		found, ok := contains(r, l)
		return found == (op == "in"), ok
	case "is", "is not":
		// Identity is only defined by value for the singletons True, False
		// and None.
		single := func(v python.Value) bool { return v.Kind == python.Bool || v.Kind == python.None }
		if !single(l) && !single(r) {
			return false, false
		}
		same := l.Kind == r.Kind && (l.Kind == python.None || l.Bool == r.Bool)
		return same == (op == "is"), true
	case "==", "!=":
		eq, ok := Equal(l, r)
		return eq == (op == "=="), ok
	}
	if !container(l) && !container(r) {
		return python.FoldCompare(op, l, r)
	}
	return false, false
}

func container(v python.Value) bool { return IsSeq(v) || v.Kind == python.Dict }

// Equal is Python ==.
func Equal(a, b python.Value) (eq, ok bool) {
	if a.Kind == python.Unknown || b.Kind == python.Unknown {
		return false, false
	}
	if !container(a) && !container(b) {
		return python.FoldCompare("==", a, b)
	}
	if a.Kind != b.Kind {
		return false, true // a list is never equal to a tuple, a set or a scalar
	}
	switch a.Kind {
	case python.List, python.Tuple:
		if len(a.Elems) != len(b.Elems) {
			return false, true
		}
		for i := range a.Elems {
			eq, ok := Equal(a.Elems[i], b.Elems[i])
			if !ok || !eq {
				return false, ok
			}
		}
		return true, true
	case python.Set:
		// Each holds every element of the other; order does not matter.
		for _, p := range [][2]python.Value{{a, b}, {b, a}} {
			for _, x := range p[0].Elems {
				in, ok := contains(p[1], x)
				if !ok || !in {
					return false, ok
				}
			}
		}
		return true, true
	case python.Dict:
		da, db := dedupe(a), dedupe(b)
		if len(da.Keys) != len(db.Keys) {
			return false, true
		}
		for i, k := range da.Keys {
			v, found, ok := Lookup(db, k)
			if !ok || !found {
				return false, ok
			}
			eq, ok := Equal(da.Elems[i], v)
			if !ok || !eq {
				return false, ok
			}
		}
		return true, true
	}
	return false, false
}

// dedupe keeps the last value of each key of a dict literal.
func dedupe(d python.Value) python.Value {
	out := python.Value{Kind: python.Dict}
	for i, k := range d.Keys {
		out = DictSet(out, k, d.Elems[i])
	}
	return out
}

// contains is `x in c`: a substring of a str or bytes, an element of a
// list, tuple or set, a key of a dict.
func contains(c, x python.Value) (found, ok bool) {
	switch c.Kind {
	case python.Str, python.Bytes:
		if x.Kind != c.Kind {
			return false, false // TypeError
		}
		return strings.Contains(c.Str, x.Str), true
	case python.List, python.Tuple, python.Set:
		undecided := false
		for _, e := range c.Elems {
			eq, ok := Equal(x, e)
			if eq && ok {
				return true, true
			}
			undecided = undecided || !ok
		}
		return false, !undecided
	case python.Dict:
		_, found, ok := Lookup(c, x)
		return found, ok
	}
	return false, false
}

// Lookup is d[k] for a dict constant: the value of the last entry whose
// key equals k.
func Lookup(d python.Value, k python.Value) (v python.Value, found, ok bool) {
	ok = true
	for i, kk := range d.Keys {
		eq, decided := Equal(kk, k)
		if !decided {
			ok = false
			continue
		}
		if eq && i < len(d.Elems) {
			v, found = d.Elems[i], true
		}
	}
	if found {
		return v, true, true
	}
	return python.Value{}, false, ok
}

// dictBuilder builds a dict entry by entry in linear time: scalar keys
// are found through an index (1, 1.0 and True are one key, as in
// Python), other keys by comparison.
type dictBuilder struct {
	d     python.Value
	index map[string]int
}

func (b *dictBuilder) set(k, v python.Value) {
	b.d.Kind = python.Dict
	if h, ok := scalarKey(k); ok {
		if b.index == nil {
			b.index = map[string]int{}
		}
		if i, found := b.index[h]; found {
			b.d.Elems[i] = v
			return
		}
		b.index[h] = len(b.d.Keys)
		b.d.Keys, b.d.Elems = append(b.d.Keys, k), append(b.d.Elems, v)
		return
	}
	for i, kk := range b.d.Keys {
		if eq, ok := Equal(kk, k); eq && ok {
			b.d.Elems[i] = v
			return
		}
	}
	b.d.Keys, b.d.Elems = append(b.d.Keys, k), append(b.d.Elems, v)
}

func (b *dictBuilder) value() python.Value {
	b.d.Kind = python.Dict
	return b.d
}

// scalarKey is the index key of a str, bytes, None or integral number.
func scalarKey(k python.Value) (string, bool) {
	switch k.Kind {
	case python.Str:
		return "s" + k.Str, true
	case python.Bytes:
		return "b" + k.Str, true
	case python.None:
		return "n", true
	case python.Int, python.Bool:
		n, _ := toInt64(k)
		return "i" + strconv.FormatInt(n, 10), true
	case python.Float:
		if k.Float == math.Trunc(k.Float) && math.Abs(k.Float) < 1<<62 {
			return "i" + strconv.FormatInt(int64(k.Float), 10), true
		}
		if !math.IsNaN(k.Float) {
			return "f" + strconv.FormatFloat(k.Float, 'g', -1, 64), true
		}
	}
	return "", false
}

// DictSet is d with d[k] = v (a new value; d is not changed).
func DictSet(d python.Value, k, v python.Value) python.Value {
	out := python.Value{Kind: python.Dict, Keys: append([]python.Value{}, d.Keys...), Elems: append([]python.Value{}, d.Elems...)}
	for i, kk := range out.Keys {
		if eq, ok := Equal(kk, k); eq && ok {
			out.Elems[i] = v
			return out
		}
	}
	out.Keys = append(out.Keys, k)
	out.Elems = append(out.Elems, v)
	return out
}

// Mutate is recv after recv.method(*args) for the list methods append,
// extend, insert and remove and dict.update, as Python runs them; ok is
// false where Python raises, for other methods, and for a result past
// MaxSize.
func Mutate(method string, recv python.Value, args []python.Value) (python.Value, bool) {
	if recv.Kind == python.Dict {
		if method != "update" || len(args) != 1 || args[0].Kind != python.Dict {
			return python.Value{}, false
		}
		for i, k := range args[0].Keys {
			recv = DictSet(recv, k, args[0].Elems[i])
		}
		return recv, Fits(recv)
	}
	if recv.Kind != python.List {
		return python.Value{}, false
	}
	elems := append([]python.Value{}, recv.Elems...)
	switch method {
	case "append":
		if len(args) != 1 {
			return python.Value{}, false
		}
		elems = append(elems, args[0])
	case "extend":
		if len(args) != 1 {
			return python.Value{}, false
		}
		items, ok := iterate(args[0])
		if !ok {
			return python.Value{}, false
		}
		if len(elems)+len(items) > MaxSize {
			return python.Value{}, false
		}
		elems = append(elems, items...)
	case "insert":
		if len(args) != 2 || args[0].Kind != python.Int {
			return python.Value{}, false
		}
		i, n := args[0].Int, int64(len(elems))
		if i < 0 {
			i = max(i+n, 0)
		}
		i = min(i, n)
		elems = append(elems[:i], append([]python.Value{args[1]}, elems[i:]...)...)
	case "remove":
		if len(args) != 1 {
			return python.Value{}, false
		}
		found := false
		for i, x := range elems {
			eq, ok := Equal(x, args[0])
			if !ok {
				return python.Value{}, false
			}
			if eq {
				elems = append(elems[:i], elems[i+1:]...)
				found = true
				break
			}
		}
		if !found {
			return python.Value{}, false // ValueError
		}
	default:
		return python.Value{}, false
	}
	out := python.Value{Kind: python.List, Elems: elems}
	return out, Fits(out)
}
