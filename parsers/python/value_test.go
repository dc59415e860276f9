package python

import (
	"testing"
)

func TestConst(t *testing.T) {
	tests := []struct {
		src  string
		want string // Value.String(), or "?" for not constant
	}{
		{`"s"`, `'s'`},
		{`"it's"`, `"it's"`},
		{`'a"b\'c\n\x01é'`, `'a"b\'c\n\x01é'`},
		{`b"x"`, "?"},
		{`f"x{{}}"`, `'x{}'`},
		{`f"x{y}"`, "?"},
		{`True`, "True"},
		{`None`, "None"},
		{`-1`, "-1"},
		{`+2.5`, "2.5"},
		{`~5`, "-6"},
		{`not 0`, "True"},
		{`not x`, "?"},
		{`-True`, "-1"},
		{`-"s"`, "?"},
		{`[1, "a", (2,), {3}]`, `[1, 'a', (2,), {3}]`},
		{`()`, "()"},
		{`[*a]`, "?"},
		{`{"a": 1, "b": [None]}`, `{'a': 1, 'b': [None]}`},
		{`{**a}`, "?"},
		{`"a" + "b"`, `'ab'`},
		{`"-" * 3`, `'---'`},
		{`2 * "ab"`, `'abab'`},
		{`"x" * -1`, `''`},
		{`"x" * 10**9`, "?"},
		{`[1] + [2]`, "[1, 2]"},
		{`(1,) + (2,)`, "(1, 2)"},
		{`[1] + (2,)`, "?"},
		{`60 * 60 * 24 * 365`, "31536000"},
		{`7 // 2`, "3"},
		{`-7 // 2`, "-4"},
		{`7 // -2`, "-4"},
		{`7 % -2`, "-1"},
		{`-7 % 2`, "1"},
		{`7 / 2`, "3.5"},
		{`1 / 0`, "?"},
		{`1 % 0`, "?"},
		{`2 ** 10`, "1024"},
		{`2 ** -1`, "0.5"},
		{`2 ** 100`, "?"},
		{`(-1) ** 101`, "-1"},
		{`1 << 4`, "16"},
		{`1 << 70`, "?"},
		{`-16 >> 2`, "-4"},
		{`6 & 3 | 8 ^ 1`, "11"},
		{`9223372036854775807 + 1`, "?"},
		{`1.5 + 1`, "2.5"},
		{`1.5 + 1.5`, "3.0"},
		{`1e16`, "1e+16"},
		{`1.5e-7`, "1.5e-07"},
		{`0.1 + 0.2`, "0.30000000000000004"},
		{`-7.5 % 2`, "0.5"},
		{`True + True`, "2"},
		{`0 or "default"`, `'default'`},
		{`"set" or x`, `'set'`},
		{`1 and 2`, "2"},
		{`0 and x`, "0"},
		{`x or 1`, "?"},
		{`"a" if True else b`, `'a'`},
		{`a if 0 else "b"`, `'b'`},
		{`a if b else c`, "?"},
		{`1 < 2 <= 2`, "True"},
		{`1 < 2 > 3`, "False"},
		{`"a" == "a"`, "True"},
		{`"a" != 1`, "True"},
		{`None == None`, "True"},
		{`1 == 1.0`, "True"},
		{`1 in [1]`, "?"},
		{`x`, "?"},
		{`f()`, "?"},
	}
	for _, tc := range tests {
		e := valueOf(t, tc.src)
		if got := constOf(e); got != tc.want {
			t.Errorf("%s: Const = %s, want %s", tc.src, got, tc.want)
		}
	}
	var nilExpr *Expr
	if _, ok := nilExpr.Const(); ok {
		t.Error("nil Expr is constant")
	}
}

func TestConstKinds(t *testing.T) {
	tests := []struct {
		src  string
		kind ValueKind
	}{
		{`"s"`, Str}, {`1`, Int}, {`1.0`, Float}, {`False`, Bool}, {`None`, None},
		{`[1]`, List}, {`(1,)`, Tuple}, {`{1: 2}`, Dict}, {`{1}`, Set},
	}
	for _, tc := range tests {
		v, ok := valueOf(t, tc.src).Const()
		if !ok || v.Kind != tc.kind {
			t.Errorf("%s: kind %v ok %v, want %v", tc.src, v.Kind, ok, tc.kind)
		}
	}
	v, _ := valueOf(t, `{"a": 1}`).Const()
	if v.Keys[0].Str != "a" || v.Elems[0].Int != 1 {
		t.Errorf("dict value = %+v", v)
	}
}

func TestTruthy(t *testing.T) {
	tests := []struct {
		v            Value
		truthy, know bool
	}{
		{Value{Kind: Str, Str: "x"}, true, true},
		{Value{Kind: Str}, false, true},
		{Value{Kind: Int, Int: 2}, true, true},
		{Value{Kind: Int}, false, true},
		{Value{Kind: Float, Float: 0.1}, true, true},
		{Value{Kind: Bool, Bool: true}, true, true},
		{Value{Kind: Bool}, false, true},
		{Value{Kind: None}, false, true},
		{Value{Kind: List}, false, true},
		{Value{Kind: Tuple, Elems: []Value{{Kind: None}}}, true, true},
		{Value{Kind: Dict, Keys: []Value{{Kind: Int}}, Elems: []Value{{Kind: Int}}}, true, true},
		{Value{}, false, false},
	}
	for _, tc := range tests {
		tr, ok := tc.v.Truthy()
		if tr != tc.truthy || ok != tc.know {
			t.Errorf("%v.Truthy() = %v, %v; want %v, %v", tc.v, tr, ok, tc.truthy, tc.know)
		}
	}
	if s := (Value{}).String(); s != "<unknown>" {
		t.Errorf("unknown = %s", s)
	}
	if s := (Value{Kind: Set}).String(); s != "set()" {
		t.Errorf("empty set = %s", s)
	}
}
