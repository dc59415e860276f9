package python

import (
	"testing"
)

// valueOf parses `v = <src>` and returns the assigned expression.
func valueOf(t *testing.T, src string) *Expr {
	t.Helper()
	m := parse(t, "v.py", "v = "+src+"\n")
	if len(m.Errors) != 0 {
		t.Fatalf("%s: syntax errors %v", src, m.Errors)
	}
	if len(m.Assigns) != 1 || m.Assigns[0].Value == nil {
		t.Fatalf("%s: no assignment", src)
	}
	return m.Assigns[0].Value
}

func TestStringLiterals(t *testing.T) {
	tests := []struct {
		src  string
		kind ExprKind
		str  string
	}{
		{`'plain'`, String, "plain"},
		{`"esc\n\t\\\'\"\a\b\f\v\r"`, String, "esc\n\t\\'\"\a\b\f\v\r"},
		{`r'raw\d\n'`, String, `raw\d\n`},
		{`R"raw\""`, String, `raw\"`},
		{`b'\x00\xff\101 bytes'`, Bytes, "\x00\xffA bytes"},
		{`rb'\x00'`, Bytes, `\x00`},
		{`b'\u00e9'`, Bytes, `\u00e9`},
		{`"\u00e9\U0001F389\x41\101\0"`, String, "é🎉AA\x00"},
		{`"\N{BULLET} \q \x4"`, String, `\N{BULLET} \q \x4`},
		{`"""triple
quoted 'inner' "inner\""""`, String, "triple\nquoted 'inner' \"inner\""},
		{`'''a\
b'''`, String, "ab"},
		{`"implicit" ' concat' """ three"""`, String, "implicit concat three"},
		{`("multi"
     "line")`, String, "multiline"},
		{`u"unicode"`, String, "unicode"},
		{`""`, String, ""},
		{`"日本語🎉"`, String, "日本語🎉"},
	}
	for _, tc := range tests {
		e := valueOf(t, tc.src)
		if e.Kind != tc.kind || e.Str != tc.str {
			t.Errorf("%s: %s %q, want %s %q", tc.src, e.Kind, e.Str, tc.kind, tc.str)
		}
	}
}

func TestDecodeStringCRLF(t *testing.T) {
	m := parse(t, "crlf.py", "v = '''a\r\nb'''\r\nw = 1\r\n")
	if got := m.Assigns[0].Value.Str; got != "a\nb" {
		t.Errorf("CRLF literal = %q", got)
	}
	if got := decodeString("a{{b}}\\n", false, false, true); got != "a{b}\n" {
		t.Errorf("f-string literal = %q", got)
	}
	if got := decodeString("x\\", false, false, false); got != "x\\" {
		t.Errorf("trailing backslash = %q", got)
	}
}

func TestStringPieces(t *testing.T) {
	tests := []struct {
		src    string
		kind   ExprKind
		pieces string
	}{
		// f-strings: conversions, format specs (nested fields too) and
		// doubled braces are formatting; `{z=}` adds its source text.
		{`f"https://x/cb?token={token}&a={b!r}"`, FString, "'https://x/cb?token=' {token} '&a=' {b}"},
		{`f'{x!r:>10} and {y:{w}.{p}} {{lit}} {z=}'`, FString, "{x} ' and ' {y} ' {lit} z=' {z}"},
		{`f'{ a = }'`, FString, "' a = ' {a}"},
		{`f"{d['k']}{obj.attr}"`, FString, "{d['k']} {obj.attr}"},
		{`f"{f'{inner}'}"`, FString, "{f'{inner}'}"},
		{`f""`, FString, "''"},
		{`rf"\d{x}"`, FString, `'\d' {x}`},
		{`"a" f"{b}" 'c'`, FString, "'a' {b} 'c'"},
		// %-formatting.
		{`"%s?t=%s" % (u, tok)`, BinOp, "{u} '?t=' {tok}"},
		{`"%(name)s is %(age)d; 100%%" % {"name": who, "age": years}`, BinOp, "{who} ' is ' {years} '; 100%'"},
		{`"%(name)s" % ctx`, BinOp, "{ctx}"},
		{`"value: %s" % val`, BinOp, "'value: ' {val}"},
		{`"%s %s" % args`, BinOp, "{args} ' ' {args}"},
		{`"%-10.3f|%*d|%.*s" % (a, w, b, p, c)`, BinOp, "{a} '|' {b} '|' {c}"},
		{`"%s and %s" % (only,)`, BinOp, "{only} ' and '"},
		{`"trailing %" % x`, BinOp, "'trailing %'"},
		{`b"%s" % x`, BinOp, "{x}"},
		// .format.
		{`"{}?t={t}".format(u, t=tok)`, CallExpr, "{u} '?t=' {tok}"},
		{`"{0} {1[key]} {name.attr!r:>{w}}".format(first, second, name=obj)`, CallExpr, "{first} ' ' {second} ' ' {obj}"},
		{`"{{literal}} {}".format(x)`, CallExpr, "'{literal} ' {x}"},
		{`"{} {}".format(*args)`, CallExpr, "{*args} ' ' {*args}"},
		{`"{a} {b}".format(a=1, **kw)`, CallExpr, "{1} ' ' {kw}"},
		{`"{missing}".format()`, CallExpr, "''"},
		{`("a" "{}").format(x)`, CallExpr, "'a' {x}"},
		// Concatenation with +.
		{`"a" + tok + "b"`, BinOp, "'a' {tok} 'b'"},
		{`"a" + "b" + c`, BinOp, "'ab' {c}"},
		{`base + "?next=" + f"{n}"`, BinOp, "{base} '?next=' {n}"},
		{`"prefix: " + "%s" % val + suffix`, BinOp, "'prefix: ' {val} {suffix}"},
	}
	for _, tc := range tests {
		e := valueOf(t, tc.src)
		if e.Kind != tc.kind || pieces(e.Pieces) != tc.pieces {
			t.Errorf("%s:\n got %s %s\nwant %s %s", tc.src, e.Kind, pieces(e.Pieces), tc.kind, tc.pieces)
		}
	}
	// No pieces for arithmetic, non-literal formats or other calls.
	for _, src := range []string{`a + b`, `1 + 2`, `[1] + [2]`, `fmt % args`, `s.format(x)`, `"x".upper()`, `f(x)`} {
		if e := valueOf(t, src); e.Pieces != nil {
			t.Errorf("%s: unexpected pieces %s", src, pieces(e.Pieces))
		}
	}
}

func TestNumbers(t *testing.T) {
	tests := []struct {
		src   string
		num   float64
		isInt bool
		c     string
	}{
		{"42", 42, true, "42"},
		{"1_000_000", 1e6, true, "1000000"},
		{"0x1F", 31, true, "31"},
		{"0o17", 15, true, "15"},
		{"0b101", 5, true, "5"},
		{"00", 0, true, "0"},
		{"2.5", 2.5, false, "2.5"},
		{"1e3", 1000, false, "1000.0"},
		{"1_0.5e-1", 1.05, false, "1.05"},
		{".5", 0.5, false, "0.5"},
		{"99999999999999999999", 1e20, true, "?"},
	}
	for _, tc := range tests {
		e := valueOf(t, tc.src)
		if e.Kind != Number || e.Num != tc.num || e.IsInt != tc.isInt || constOf(e) != tc.c {
			t.Errorf("%s: %s %v int=%v const %s", tc.src, e.Kind, e.Num, e.IsInt, constOf(e))
		}
	}
	if e := valueOf(t, "3j"); e.Kind != Other || e.Name != "complex" {
		t.Errorf("3j: %s %s", e.Kind, e.Name)
	}
}

func TestDottedNames(t *testing.T) {
	tests := []struct{ src, name, fn string }{
		{"a.b.c(x)", "a.b.c", "a.b.c"},
		{"a . b(x)", "a.b", "a.b"},
		{"a.\\\n    b(x)", "a.b", "a.b"},
		{"(a  # c\n .b)(x)", "a.b", "a.b"},
		{"a().b(x)", "", "a().b"},
		{"a[0].b(x)", "", "a[0].b"},
		{`"s t".join(x)`, "", `"s t".join`},
	}
	for _, tc := range tests {
		m := parse(t, "d.py", tc.src+"\n")
		if len(m.Calls) == 0 {
			t.Errorf("%s: no call", tc.src)
			continue
		}
		c := m.Calls[0]
		if c.FuncExpr.Name != tc.name || c.Func != tc.fn {
			t.Errorf("%q: FuncExpr.Name %q Func %q, want %q %q", tc.src, c.FuncExpr.Name, c.Func, tc.name, tc.fn)
		}
	}
	if !isDottedText("ä.b_1") || isDottedText("1.real") || isDottedText("a..b") || isDottedText("a.1") || isDottedText("a.") {
		t.Error("isDottedText")
	}
	if got := compact("f( a , # c\n b )"); got != "f(a,b)" {
		t.Errorf("compact = %q", got)
	}
}

// TestPieceFormat: an f-string field keeps its conversion and format spec.
func TestPieceFormat(t *testing.T) {
	for src, want := range map[string]string{
		`f"{x}"`: "", `f"{x!r}"`: "!r", `f"{x:>10}"`: ":>10", `f"{x!s:^5}"`: "!s:^5", `f"{x=}"`: "", `f"{x = !r}"`: "!r",
	} {
		e := valueOf(t, src)
		var got []string
		for _, p := range e.Pieces {
			if p.Expr != nil {
				got = append(got, p.Format)
			}
		}
		if len(got) != 1 || got[0] != want {
			t.Errorf("%s: formats %q, want %q", src, got, want)
		}
	}
}
