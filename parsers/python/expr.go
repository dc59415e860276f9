package python

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/djleak/djleak/parsers/source"
)

// ExprKind classifies an expression.
type ExprKind uint8

// ValueKind classifies a constant-folded Value.
type ValueKind int

// Kinds that exist both for expressions and for values are untyped
// constants with the same number in both enumerations, so that python.Bool
// or python.List can be compared with an Expr's Kind and with a Value's Kind.
const (
	Bool  = 4  // True, False
	None  = 5  // None
	List  = 6  // [a, b]
	Tuple = 7  // (a, b), a, b
	Dict  = 8  // {k: v}
	Set   = 9  // {a, b}
	Bytes = 11 // b"…" (a bytes literal; a bytes value)
)

// Expression kinds (see also Bool, None, List, Tuple, Dict, Set and Bytes).
const (
	Other         ExprKind = 0  // anything else; Name holds the node type ("await", "yield", ":=", "slice", …)
	String        ExprKind = 10 // str literal, implicit concatenation included
	FString       ExprKind = 12 // f-string, or a concatenation holding one
	Number        ExprKind = 13 // int or float literal
	Name          ExprKind = 14 // identifier
	Attribute     ExprKind = 15 // x.attr
	Subscript     ExprKind = 16 // x[i]
	CallExpr      ExprKind = 17 // f(…); the Call field holds the call
	BinOp         ExprKind = 18 // a + b
	BoolOp        ExprKind = 19 // a and b
	Compare       ExprKind = 20 // a < b
	UnaryOp       ExprKind = 21 // -a, not a
	Lambda        ExprKind = 22 // lambda x: …
	Conditional   ExprKind = 23 // a if c else b
	Comprehension ExprKind = 24 // [x for x in y], {…}, (…), {k: v for …}
	Starred       ExprKind = 25 // *x, **x
)

// Value kinds (see also Bool, None, List, Tuple, Dict, Set and Bytes).
const (
	Unknown ValueKind = 0
	Str     ValueKind = 1
	Int     ValueKind = 2
	Float   ValueKind = 3
)

var exprKindNames = map[ExprKind]string{
	Other: "Other", String: "String", Bytes: "Bytes", FString: "FString", Number: "Number",
	Bool: "Bool", None: "None", Name: "Name", Attribute: "Attribute", Subscript: "Subscript",
	CallExpr: "Call", List: "List", Tuple: "Tuple", Set: "Set", Dict: "Dict", BinOp: "BinOp",
	BoolOp: "BoolOp", Compare: "Compare", UnaryOp: "UnaryOp", Lambda: "Lambda",
	Conditional: "Conditional", Comprehension: "Comprehension", Starred: "Starred",
}

func (k ExprKind) String() string {
	if s, ok := exprKindNames[k]; ok {
		return s
	}
	return "ExprKind(" + strconv.Itoa(int(k)) + ")"
}

var valueKindNames = map[ValueKind]string{
	Unknown: "Unknown", Str: "Str", Int: "Int", Float: "Float", Bool: "Bool", None: "None",
	List: "List", Tuple: "Tuple", Dict: "Dict", Set: "Set", Bytes: "Bytes",
}

func (k ValueKind) String() string {
	if s, ok := valueKindNames[k]; ok {
		return s
	}
	return "ValueKind(" + strconv.Itoa(int(k)) + ")"
}

// Expr is one expression.
type Expr struct {
	Text string // exact source text
	Node *Node

	// Str is the decoded value of a String or Bytes literal: escapes,
	// raw strings, triple quotes and implicit concatenation ("a" "b")
	// handled. Bytes are stored byte for byte.
	Str string
	Num float64 // Number
	// Name is the dotted name of a Name or Attribute
	// ("settings.SESSION_COOKIE_SECURE"; "" when the object is not a dotted
	// name), the operator of BinOp, BoolOp, UnaryOp and Compare ("+",
	// "and", "not", "!="; the first one of a chained comparison), "*" or
	// "**" for Starred, the comprehension's kind ("list", "set", "dict",
	// "generator") and the node type for Other.
	Name string
	// Attr is the attribute name of an Attribute (`x.attr` → "attr").
	Attr string
	// Ops lists a Compare's operators in order ("not in", "is not", …).
	Ops []string
	// Elems holds List, Tuple and Set elements; BinOp, BoolOp and Compare
	// operands; Subscript [value, index]; UnaryOp and Starred [operand];
	// Attribute [object]; Conditional [body, test, orelse]; the element of
	// a list, set or generator Comprehension; Other's sub-expressions
	// where there are some (await/yield operand, := [target, value]).
	Elems []*Expr
	// Keys and Values hold Dict entries (Keys[i] is nil for `**x`, whose
	// Values[i] is x) and a dict Comprehension's key and value.
	Keys, Values []*Expr
	// Call is the call of a CallExpr.
	Call *Call
	// Pieces is the literal text and interpolated expressions, in order,
	// of an FString and of string building: a BinOp "+" with a string
	// operand, a BinOp "%" whose left operand is a string literal, and a
	// `"…".format(…)` call.
	Pieces []Piece

	ival int64 // exact value of an int literal
	// The location is the byte range [start, end) of file, resolved to
	// lines and columns by Loc.
	file       *source.File
	start, end uint32

	Kind   ExprKind
	IsInt  bool // Number is an int literal
	Bool   bool // Bool
	ivalOK bool // ival holds the value (the literal fits in int64)
}

// Loc is the expression's location, resolved from its byte range.
func (e *Expr) Loc() source.Location {
	if e.file == nil {
		return source.Location{}
	}
	return e.file.Span(int(e.start), int(e.end))
}

// ExprAt is an expression a client builds (a synthetic attribute read),
// with the given text, at the place of the parsed expression at.
func ExprAt(kind ExprKind, text string, at *Expr) *Expr {
	return &Expr{Kind: kind, Text: text, file: at.file, start: at.start, end: at.end}
}

// Piece is one part of a built string: exactly one of Literal and Expr is
// set (an empty Literal only when the whole string is empty).
type Piece struct {
	Literal string
	Expr    *Expr
	// Format is an f-string field's conversion and format spec as written
	// ("!r", ":>10", "!s:^5"); "" when there is none.
	Format string
}

// expr builds the Expr for an expression node.
func (b *builder) expr(n *Node) *Expr {
	defer b.release(b.mark())
	t := nodeType(n)
	for t == "parenthesized_expression" {
		in := b.named(n)
		if len(in) != 1 {
			break
		}
		n, t = in[0].n, in[0].t
	}
	start, end := int(n.StartByte()), int(n.EndByte())
	e := &Expr{Node: n, file: b.m.File, start: uint32(start), end: uint32(end)}
	if start <= end && end <= len(b.src) {
		e.Text = b.src[start:end]
	}
	switch t {
	case "string":
		b.stringExpr(e, []*Node{n})
	case "concatenated_string":
		var parts []*Node
		for _, k := range b.kids(n) {
			if k.t == "string" {
				parts = append(parts, k.n)
			}
		}
		b.stringExpr(e, parts)
	case "integer", "float":
		b.number(e)
	case "true", "false":
		e.Kind, e.Bool = Bool, t == "true"
	case "none":
		e.Kind = None
	case "identifier":
		e.Kind, e.Name = Name, e.Text
	case "attribute":
		e.Kind = Attribute
		ks := b.named(n)
		if len(ks) > 0 {
			e.Elems = []*Expr{b.expr(ks[0].n)}
		}
		if len(ks) > 1 {
			e.Attr = b.text(ks[len(ks)-1].n)
		}
		switch {
		case isDottedText(e.Text):
			e.Name = e.Text
		case len(e.Elems) == 1 && e.Attr != "" && (e.Elems[0].Kind == Name || e.Elems[0].Kind == Attribute && e.Elems[0].Name != ""):
			e.Name = e.Elems[0].Name + "." + e.Attr // spaces or comments in the chain
		}
	case "subscript":
		e.Kind = Subscript
		b.subscript(e, n)
	case "call":
		e.Kind = CallExpr
		e.Call = b.call(n)
		b.formatPieces(e)
	case "list", "tuple", "set", "expression_list", "pattern_list", "tuple_pattern", "list_pattern":
		switch t {
		case "list", "list_pattern":
			e.Kind = List
		case "set":
			e.Kind = Set
		default:
			e.Kind = Tuple
		}
		for _, k := range b.named(n) {
			e.Elems = append(e.Elems, b.expr(k.n))
		}
	case "dictionary":
		e.Kind = Dict
		b.dict(e, n)
	case "binary_operator":
		e.Kind = BinOp
		b.binary(e, n)
	case "boolean_operator":
		e.Kind = BoolOp
		b.binary(e, n)
	case "comparison_operator":
		e.Kind = Compare
		for _, k := range b.kids(n) {
			if k.named {
				e.Elems = append(e.Elems, b.expr(k.n))
			} else {
				e.Ops = append(e.Ops, strings.Join(strings.Fields(b.text(k.n)), " "))
			}
		}
		if len(e.Ops) > 0 {
			e.Name = e.Ops[0]
		}
	case "not_operator", "unary_operator":
		e.Kind = UnaryOp
		for _, k := range b.kids(n) {
			if k.named {
				e.Elems = append(e.Elems, b.expr(k.n))
			} else if e.Name == "" {
				e.Name = b.text(k.n)
			}
		}
	case "lambda":
		e.Kind = Lambda
	case "conditional_expression":
		e.Kind = Conditional
		for _, k := range b.named(n) {
			e.Elems = append(e.Elems, b.expr(k.n))
		}
	case "list_comprehension", "set_comprehension", "generator_expression", "dictionary_comprehension":
		e.Kind = Comprehension
		switch t {
		case "list_comprehension":
			e.Name = "list"
		case "set_comprehension":
			e.Name = "set"
		case "dictionary_comprehension":
			e.Name = "dict"
		default:
			e.Name = "generator"
		}
		b.comprehension(e, n)
	case "list_splat", "dictionary_splat", "list_splat_pattern", "dictionary_splat_pattern", "parenthesized_list_splat":
		e.Kind, e.Name = Starred, "*"
		if strings.HasPrefix(t, "dictionary") {
			e.Name = "**"
		}
		for _, k := range b.named(n) {
			e.Elems = append(e.Elems, b.expr(k.n))
		}
	case "named_expression":
		e.Kind, e.Name = Other, ":="
		for _, k := range b.named(n) {
			e.Elems = append(e.Elems, b.expr(k.n))
		}
	case "await", "yield":
		e.Kind, e.Name = Other, t
		for _, k := range b.named(n) {
			e.Elems = append(e.Elems, b.expr(k.n))
		}
	default:
		e.Kind, e.Name = Other, t
	}
	return e
}

// number decodes an integer or float literal.
func (b *builder) number(e *Expr) {
	txt := strings.ReplaceAll(e.Text, "_", "")
	if strings.HasSuffix(txt, "j") || strings.HasSuffix(txt, "J") {
		e.Kind, e.Name = Other, "complex"
		return
	}
	e.Kind = Number
	if nodeType(e.Node) == "integer" {
		e.IsInt = true
		s := strings.TrimRight(txt, "lL") // Python 2 long suffix
		if v, err := strconv.ParseInt(pyIntSyntax(s), 0, 64); err == nil {
			e.ival, e.ivalOK, e.Num = v, true, float64(v)
			return
		}
		if v, ok := new(big.Int).SetString(pyIntSyntax(s), 0); ok {
			e.Num, _ = new(big.Float).SetInt(v).Float64()
			return
		}
		e.Num = math.NaN()
		return
	}
	if v, err := strconv.ParseFloat(txt, 64); err == nil {
		e.Num = v
	} else {
		e.Num = math.Inf(1) // out of range
	}
}

// pyIntSyntax adapts a Python int literal for strconv base 0: a decimal
// literal with leading zeros ("00") must not be read as octal.
func pyIntSyntax(s string) string {
	if len(s) > 1 && s[0] == '0' && s[1] >= '0' && s[1] <= '9' {
		if t := strings.TrimLeft(s, "0"); t != "" {
			return t
		}
		return "0"
	}
	return s
}

// subscript fills [value, index]; several indexes (`a[1, 2]`) make a Tuple
// index spanning them.
func (b *builder) subscript(e *Expr, n *Node) {
	defer b.release(b.mark())
	ks := b.named(n)
	if len(ks) == 0 {
		return
	}
	e.Elems = []*Expr{b.expr(ks[0].n)}
	switch idx := ks[1:]; len(idx) {
	case 0:
	case 1:
		e.Elems = append(e.Elems, b.expr(idx[0].n))
	default:
		start, end := int(idx[0].n.StartByte()), int(idx[len(idx)-1].n.EndByte())
		t := &Expr{Kind: Tuple, Node: idx[0].n, file: b.m.File, start: uint32(start), end: uint32(end), Text: b.src[start:end]}
		for _, k := range idx {
			t.Elems = append(t.Elems, b.expr(k.n))
		}
		e.Elems = append(e.Elems, t)
	}
}

// dict fills a dictionary's Keys and Values.
func (b *builder) dict(e *Expr, n *Node) {
	defer b.release(b.mark())
	for _, k := range b.named(n) {
		switch k.t {
		case "pair":
			kv := b.named(k.n)
			if len(kv) < 2 {
				continue
			}
			e.Keys = append(e.Keys, b.expr(kv[0].n))
			e.Values = append(e.Values, b.expr(kv[len(kv)-1].n))
		case "dictionary_splat":
			in := b.named(k.n)
			if len(in) == 0 {
				continue
			}
			e.Keys = append(e.Keys, nil)
			e.Values = append(e.Values, b.expr(in[0].n))
		}
	}
}

// binary fills a binary or boolean operator's operands and operator, and
// the pieces of string building with "+" and "%".
func (b *builder) binary(e *Expr, n *Node) {
	defer b.release(b.mark())
	for _, k := range b.kids(n) {
		if k.named {
			e.Elems = append(e.Elems, b.expr(k.n))
		} else if e.Name == "" {
			e.Name = b.text(k.n)
		}
	}
	if e.Kind != BinOp || len(e.Elems) != 2 {
		return
	}
	l, r := e.Elems[0], e.Elems[1]
	switch e.Name {
	case "+":
		if stringish(l) || stringish(r) {
			e.Pieces = concatPieces(piecesOf(l), piecesOf(r))
		}
	case "%":
		if l.Kind == String || l.Kind == Bytes {
			e.Pieces = percentPieces(l.Str, r)
		}
	}
}

// comprehension fills the element (or key and value) of a comprehension.
func (b *builder) comprehension(e *Expr, n *Node) {
	defer b.release(b.mark())
	ks := b.named(n)
	if len(ks) == 0 {
		return
	}
	if ks[0].t == "pair" {
		kv := b.named(ks[0].n)
		if len(kv) >= 2 {
			e.Keys = []*Expr{b.expr(kv[0].n)}
			e.Values = []*Expr{b.expr(kv[len(kv)-1].n)}
		}
		return
	}
	e.Elems = []*Expr{b.expr(ks[0].n)}
}

// stringish reports whether e is a string literal or a built string.
func stringish(e *Expr) bool {
	return e.Kind == String || e.Kind == FString || e.Pieces != nil
}

// piecesOf returns e as pieces of a built string.
func piecesOf(e *Expr) []Piece {
	switch {
	case e.Kind == String:
		return []Piece{{Literal: e.Str}}
	case e.Pieces != nil:
		return e.Pieces
	}
	return []Piece{{Expr: e}}
}

// concatPieces is mergePieces(append(a, b...)) for a and b merged
// already. The result shares a's array when it extends a: in a chain
// `"a" + x + "b" + …`, parsed left-leaning, each "+" adds its right
// operand to the pieces of its left, and copying them at every level
// would cost the square of the chain's length. Only the sum's own
// length of a is visible to the left operand, and each operand has one
// parent, so no one else appends to it.
func concatPieces(a, b []Piece) []Piece {
	empty := func(ps []Piece) bool { return len(ps) == 1 && ps[0].Expr == nil && ps[0].Literal == "" }
	switch {
	case empty(b):
		return a
	case empty(a):
		return b
	}
	if last, first := a[len(a)-1], b[0]; last.Expr == nil && first.Expr == nil {
		out := make([]Piece, 0, len(a)+len(b)-1)
		out = append(out, a[:len(a)-1]...)
		out = append(out, Piece{Literal: last.Literal + first.Literal})
		return append(out, b[1:]...)
	}
	return append(a, b...)
}

// mergePieces joins adjacent literals and drops empty ones (keeping one
// empty literal for an empty string).
func mergePieces(ps []Piece) []Piece {
	out := make([]Piece, 0, len(ps))
	for _, p := range ps {
		if p.Expr == nil {
			if p.Literal == "" {
				continue
			}
			if n := len(out); n > 0 && out[n-1].Expr == nil {
				out[n-1].Literal += p.Literal
				continue
			}
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		out = append(out, Piece{})
	}
	return out
}
