package python

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Value is a constant-folded value.
type Value struct {
	Kind  ValueKind
	Str   string // Str, and Bytes byte for byte
	Int   int64
	Float float64
	Bool  bool
	// Elems holds List, Tuple and Set elements and Dict values.
	Elems []Value
	// Keys holds Dict keys; Keys[i] goes with Elems[i].
	Keys []Value
}

// maxConstLen bounds the strings and sequences constant folding builds, so
// that `"x" * 10**9` is not evaluated.
const maxConstLen = 1 << 20

// Const evaluates e when it is a literal: strings (not bytes), f-strings
// without replacement fields, numbers, True/False/None, unary - + ~ and
// not, lists, tuples, sets and dicts of constants, string and sequence
// concatenation, string repetition, int and float arithmetic, and/or,
// comparisons and conditional expressions of constants. It reports false
// for anything else and for results Python would raise on or that overflow
// int64.
func (e *Expr) Const() (Value, bool) {
	if e == nil {
		return Value{}, false
	}
	switch e.Kind {
	case String:
		return Value{Kind: Str, Str: e.Str}, true
	case FString:
		var sb strings.Builder
		for _, p := range e.Pieces {
			if p.Expr != nil {
				return Value{}, false
			}
			sb.WriteString(p.Literal)
		}
		return Value{Kind: Str, Str: sb.String()}, true
	case Number:
		if e.IsInt {
			return Value{Kind: Int, Int: e.ival}, e.ivalOK
		}
		if math.IsInf(e.Num, 0) || math.IsNaN(e.Num) {
			return Value{}, false
		}
		return Value{Kind: Float, Float: e.Num}, true
	case Bool:
		return Value{Kind: Bool, Bool: e.Bool}, true
	case None:
		return Value{Kind: None}, true
	case List, Tuple, Set:
		v := Value{Kind: ValueKind(e.Kind), Elems: make([]Value, 0, len(e.Elems))}
		for _, x := range e.Elems {
			xv, ok := x.Const()
			if !ok {
				return Value{}, false
			}
			v.Elems = append(v.Elems, xv)
		}
		return v, true
	case Dict:
		v := Value{Kind: Dict, Elems: make([]Value, 0, len(e.Values)), Keys: make([]Value, 0, len(e.Keys))}
		for i, k := range e.Keys {
			kv, ok := k.Const()
			if !ok {
				return Value{}, false
			}
			vv, ok := e.Values[i].Const()
			if !ok {
				return Value{}, false
			}
			v.Keys, v.Elems = append(v.Keys, kv), append(v.Elems, vv)
		}
		return v, true
	case UnaryOp:
		if len(e.Elems) != 1 {
			return Value{}, false
		}
		x, ok := e.Elems[0].Const()
		if !ok {
			return Value{}, false
		}
		return unaryOp(e.Name, x)
	case BinOp:
		if len(e.Elems) != 2 {
			return Value{}, false
		}
		l, ok := e.Elems[0].Const()
		if !ok {
			return Value{}, false
		}
		r, ok := e.Elems[1].Const()
		if !ok {
			return Value{}, false
		}
		return FoldBinOp(e.Name, l, r)
	case BoolOp:
		if len(e.Elems) != 2 {
			return Value{}, false
		}
		l, ok := e.Elems[0].Const()
		if !ok {
			return Value{}, false
		}
		t, ok := l.Truthy()
		if !ok {
			return Value{}, false
		}
		if (e.Name == "or") == t {
			return l, true
		}
		return e.Elems[1].Const()
	case Conditional:
		if len(e.Elems) != 3 {
			return Value{}, false
		}
		test, ok := e.Elems[1].Const()
		if !ok {
			return Value{}, false
		}
		t, ok := test.Truthy()
		switch {
		case !ok:
			return Value{}, false
		case t:
			return e.Elems[0].Const()
		}
		return e.Elems[2].Const()
	case Compare:
		if len(e.Elems) != len(e.Ops)+1 || len(e.Ops) == 0 {
			return Value{}, false
		}
		l, ok := e.Elems[0].Const()
		if !ok {
			return Value{}, false
		}
		for i, op := range e.Ops {
			r, ok := e.Elems[i+1].Const()
			if !ok {
				return Value{}, false
			}
			res, ok := FoldCompare(op, l, r)
			if !ok {
				return Value{}, false
			}
			if !res {
				return Value{Kind: Bool}, true
			}
			l = r
		}
		return Value{Kind: Bool, Bool: true}, true
	}
	return Value{}, false
}

// Truthy reports Python truthiness when the value is known.
func (v Value) Truthy() (truthy, known bool) {
	switch v.Kind {
	case Str, Bytes:
		return v.Str != "", true
	case Int:
		return v.Int != 0, true
	case Float:
		return v.Float != 0, true
	case Bool:
		return v.Bool, true
	case None:
		return false, true
	case List, Tuple, Set, Dict:
		return len(v.Elems) > 0, true
	}
	return false, false
}

// String renders v as a Python literal (its repr), "<unknown>" for Unknown.
func (v Value) String() string {
	var sb strings.Builder
	v.write(&sb)
	return sb.String()
}

func (v Value) write(sb *strings.Builder) {
	switch v.Kind {
	case Str:
		sb.WriteString(pyRepr(v.Str))
	case Bytes:
		sb.WriteString(bytesRepr(v.Str))
	case Int:
		sb.WriteString(strconv.FormatInt(v.Int, 10))
	case Float:
		sb.WriteString(floatRepr(v.Float))
	case Bool:
		if v.Bool {
			sb.WriteString("True")
		} else {
			sb.WriteString("False")
		}
	case None:
		sb.WriteString("None")
	case List, Tuple, Set:
		open, close := "[", "]"
		switch v.Kind {
		case Tuple:
			open, close = "(", ")"
		case Set:
			if len(v.Elems) == 0 {
				sb.WriteString("set()")
				return
			}
			open, close = "{", "}"
		}
		sb.WriteString(open)
		for i, x := range v.Elems {
			if i > 0 {
				sb.WriteString(", ")
			}
			x.write(sb)
		}
		if v.Kind == Tuple && len(v.Elems) == 1 {
			sb.WriteByte(',')
		}
		sb.WriteString(close)
	case Dict:
		sb.WriteByte('{')
		for i, k := range v.Keys {
			if i > 0 {
				sb.WriteString(", ")
			}
			k.write(sb)
			sb.WriteString(": ")
			if i < len(v.Elems) {
				v.Elems[i].write(sb)
			}
		}
		sb.WriteByte('}')
	default:
		sb.WriteString("<unknown>")
	}
}

// pyRepr quotes s the way Python's repr does.
func pyRepr(s string) string { return quoteRepr(s, false) }

// bytesRepr quotes b the way Python's repr of a bytes value does.
func bytesRepr(b string) string { return "b" + quoteRepr(b, true) }

// quoteRepr quotes the code points of s (its bytes when bytes is set) with
// Python repr's escapes.
func quoteRepr(s string, bytes bool) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	var sb strings.Builder
	sb.WriteByte(q)
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if !bytes {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		switch {
		case bytes && r >= 0x7f, !bytes && r == utf8.RuneError && size == 1:
			sb.WriteString(`\x` + strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case r == rune(q) || r == '\\':
			sb.WriteByte('\\')
			sb.WriteRune(r)
		case r == '\n':
			sb.WriteString(`\n`)
		case r == '\r':
			sb.WriteString(`\r`)
		case r == '\t':
			sb.WriteString(`\t`)
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0:
			sb.WriteString(`\x` + strconv.FormatUint(uint64(r)|0x100, 16)[1:])
		case !unicode.IsPrint(r) && r != ' ':
			if r > 0xffff {
				sb.WriteString(`\U` + strconv.FormatUint(uint64(r)|0x100000000, 16)[1:])
			} else {
				sb.WriteString(`\u` + strconv.FormatUint(uint64(r)|0x10000, 16)[1:])
			}
		default:
			sb.WriteRune(r)
		}
		i += size
	}
	sb.WriteByte(q)
	return sb.String()
}

// floatRepr formats f like Python's repr: the shortest round-trip digits,
// positional for exponents in [-4, 16), always with a '.' or an exponent.
func floatRepr(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}

// asNumber converts Int, Bool and Float values for arithmetic.
func asNumber(v Value) (i int64, f float64, isInt, ok bool) {
	switch v.Kind {
	case Int:
		return v.Int, float64(v.Int), true, true
	case Bool:
		if v.Bool {
			return 1, 1, true, true
		}
		return 0, 0, true, true
	case Float:
		return 0, v.Float, false, true
	}
	return 0, 0, false, false
}

// FoldUnaryOp folds a unary operator (-, +, ~, not) over a constant as
// Python does.
func FoldUnaryOp(op string, x Value) (Value, bool) { return unaryOp(op, x) }

func unaryOp(op string, x Value) (Value, bool) {
	if op == "not" {
		t, ok := x.Truthy()
		return Value{Kind: Bool, Bool: !t}, ok
	}
	i, f, isInt, ok := asNumber(x)
	if !ok {
		return Value{}, false
	}
	switch {
	case op == "+" && isInt:
		return Value{Kind: Int, Int: i}, true
	case op == "+":
		return Value{Kind: Float, Float: f}, true
	case op == "-" && isInt:
		if i == math.MinInt64 {
			return Value{}, false
		}
		return Value{Kind: Int, Int: -i}, true
	case op == "-":
		return Value{Kind: Float, Float: -f}, true
	case op == "~" && isInt:
		return Value{Kind: Int, Int: ^i}, true
	}
	return Value{}, false
}

// FoldBinOp folds a binary operator over constants as Python does: string and
// list/tuple concatenation, string repetition, exact integer arithmetic
// (bounded to int64), float arithmetic. ok is false when the result is
// not a constant djleak keeps (an error in Python, an overflow, a huge
// string, an operator it does not fold).
func FoldBinOp(op string, l, r Value) (Value, bool) {
	switch {
	case op == "+" && l.Kind == r.Kind && (l.Kind == Str || l.Kind == Bytes):
		if len(l.Str)+len(r.Str) > maxConstLen {
			return Value{}, false
		}
		return Value{Kind: l.Kind, Str: l.Str + r.Str}, true
	case op == "+" && l.Kind == r.Kind && (l.Kind == List || l.Kind == Tuple):
		if len(l.Elems)+len(r.Elems) > maxConstLen {
			return Value{}, false
		}
		elems := append(append(make([]Value, 0, len(l.Elems)+len(r.Elems)), l.Elems...), r.Elems...)
		return Value{Kind: l.Kind, Elems: elems}, true
	case op == "*" && (l.Kind == Str || r.Kind == Str || l.Kind == Bytes || r.Kind == Bytes):
		s, n := l, r
		if r.Kind == Str || r.Kind == Bytes {
			s, n = r, l
		}
		count, _, isInt, ok := asNumber(n)
		if !ok || !isInt || s.Kind != Str && s.Kind != Bytes {
			return Value{}, false
		}
		if count <= 0 {
			return Value{Kind: s.Kind}, true
		}
		if count > maxConstLen || int(count)*len(s.Str) > maxConstLen {
			return Value{}, false
		}
		return Value{Kind: s.Kind, Str: strings.Repeat(s.Str, int(count))}, true
	}
	li, lf, lInt, ok1 := asNumber(l)
	ri, rf, rInt, ok2 := asNumber(r)
	if !ok1 || !ok2 {
		return Value{}, false
	}
	if lInt && rInt {
		return intOp(op, li, ri)
	}
	return floatOp(op, lf, rf)
}

func intOp(op string, a, b int64) (Value, bool) {
	x, y := big.NewInt(a), big.NewInt(b)
	z := new(big.Int)
	switch op {
	case "+":
		z.Add(x, y)
	case "-":
		z.Sub(x, y)
	case "*":
		z.Mul(x, y)
	case "/":
		if b == 0 {
			return Value{}, false
		}
		return Value{Kind: Float, Float: float64(a) / float64(b)}, true
	case "//", "%":
		if b == 0 {
			return Value{}, false
		}
		q, m := new(big.Int), new(big.Int)
		q.DivMod(x, y, m) // Euclidean: 0 <= m < |y|
		if m.Sign() != 0 && y.Sign() < 0 {
			// Python floors: the remainder takes the divisor's sign.
			q.Sub(q, big.NewInt(1))
			m.Add(m, y)
		}
		if op == "//" {
			z = q
		} else {
			z = m
		}
	case "**":
		switch {
		case b < 0:
			if a == 0 {
				return Value{}, false
			}
			return Value{Kind: Float, Float: math.Pow(float64(a), float64(b))}, true
		case a == 0 || a == 1 || b == 0:
			z.Exp(x, y, nil)
		case a == -1:
			z.SetInt64(1 - 2*(b&1))
		case b > 64:
			return Value{}, false
		default:
			z.Exp(x, y, nil)
		}
	case "<<":
		if b < 0 {
			return Value{}, false
		}
		if a == 0 {
			return Value{Kind: Int}, true
		}
		if b > 64 {
			return Value{}, false
		}
		z.Lsh(x, uint(b))
	case ">>":
		if b < 0 {
			return Value{}, false
		}
		if b > 64 {
			b = 64
		}
		z.Rsh(x, uint(b))
	case "&":
		z.And(x, y)
	case "|":
		z.Or(x, y)
	case "^":
		z.Xor(x, y)
	default:
		return Value{}, false
	}
	if !z.IsInt64() {
		return Value{}, false
	}
	return Value{Kind: Int, Int: z.Int64()}, true
}

func floatOp(op string, a, b float64) (Value, bool) {
	var z float64
	switch op {
	case "+":
		z = a + b
	case "-":
		z = a - b
	case "*":
		z = a * b
	case "/":
		if b == 0 {
			return Value{}, false
		}
		z = a / b
	case "//":
		if b == 0 {
			return Value{}, false
		}
		z = math.Floor(a / b)
	case "%":
		if b == 0 {
			return Value{}, false
		}
		z = math.Mod(a, b)
		if z != 0 && (z < 0) != (b < 0) {
			z += b
		}
	case "**":
		z = math.Pow(a, b)
	default:
		return Value{}, false
	}
	if math.IsInf(z, 0) || math.IsNaN(z) {
		return Value{}, false
	}
	return Value{Kind: Float, Float: z}, true
}

// FoldCompare evaluates one comparison (==, !=, <, <=, >, >=) of scalar
// constants as Python does; ok is false where Python raises (ordering None,
// or values of different kinds) or the operands are not scalars.
func FoldCompare(op string, l, r Value) (result, ok bool) {
	var c int // -1, 0, 1
	li, lf, lInt, ok1 := asNumber(l)
	ri, rf, rInt, ok2 := asNumber(r)
	switch {
	case ok1 && ok2 && lInt && rInt:
		c = cmpOrdered(li, ri)
	case ok1 && ok2:
		if math.IsNaN(lf) || math.IsNaN(rf) {
			return op == "!=", op == "==" || op == "!="
		}
		c = cmpOrdered(lf, rf)
	case l.Kind == r.Kind && (l.Kind == Str || l.Kind == Bytes):
		c = strings.Compare(l.Str, r.Str) // code points compare in UTF-8 byte order
	case l.Kind == None && r.Kind == None:
		c = 0
		if op != "==" && op != "!=" {
			return false, false
		}
	case (op == "==" || op == "!=") && isScalar(l) && isScalar(r):
		return op == "!=", true // different kinds are never equal
	default:
		return false, false
	}
	switch op {
	case "==":
		return c == 0, true
	case "!=":
		return c != 0, true
	case "<":
		return c < 0, true
	case "<=":
		return c <= 0, true
	case ">":
		return c > 0, true
	case ">=":
		return c >= 0, true
	}
	return false, false
}

func isScalar(v Value) bool {
	switch v.Kind {
	case Str, Bytes, Int, Float, Bool, None:
		return true
	}
	return false
}

func cmpOrdered[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
