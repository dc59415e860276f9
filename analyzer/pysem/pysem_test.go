package pysem_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer/pysem"
	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
)

// scope binds a few names and an environment; `k` is free.
type scope struct {
	names map[string]pysem.Value
	env   map[string]string
}

func (s scope) Name(e *python.Expr) pysem.Value {
	if v, ok := s.names[e.Name]; ok {
		return v
	}
	return pysem.Value{}
}

func (s scope) Getenv(name string) (string, bool, bool) {
	if s.env == nil {
		return "", false, false
	}
	v, ok := s.env[name]
	return v, ok, true
}

func (scope) Read(*python.Expr) (pysem.Value, bool) { return pysem.Value{}, false }
func (scope) Other(*python.Expr) pysem.Value        { return pysem.Value{} }

func exprOf(t *testing.T, src string) *python.Expr {
	t.Helper()
	m, err := python.Parse(source.NewFile("v.py", []byte("v = "+src+"\n")))
	if err != nil || len(m.Errors) != 0 || len(m.Assigns) != 1 {
		t.Fatalf("%s: does not parse (%v %v)", src, err, m.Errors)
	}
	return m.Assigns[0].Value
}

func render(v pysem.Value) string {
	if !v.OK {
		return "?"
	}
	return v.V.String()
}

// table lists expressions with Python's result (its repr), or "?" where
// djleak does not know the value (Python raises, or the value is not
// modelled). Rows marked py are run through the real python3 too.
var table = []struct {
	src, want string
	py        bool
}{
	{`"AbC".lower()`, `'abc'`, true},
	{`"AbC".upper()`, `'ABC'`, true},
	{`"straße".upper()`, `'STRASSE'`, true},
	{`"Straße".casefold()`, `'strasse'`, true},
	{`"İ".lower()`, `'i̇'`, true},
	{`"they're bill's".title()`, `"They'Re Bill'S"`, true},
	{`"a1b c".title()`, `'A1B C'`, true},
	{`"hello world".capitalize()`, `'Hello world'`, true},
	{`"aBc".swapcase()`, `'AbC'`, true},
	{`b"AbC".lower()`, `b'abc'`, true},
	{`b"\xc3\x89t\xc3\xa9".upper()`, `b'\xc3\x89T\xc3\xa9'`, true},
	{`"  x \t\n".strip()`, `'x'`, true},
	{`"\x1c\x85x\u2003".strip()`, `'x'`, true},
	{`"\u200bx".strip()`, `'\u200bx'`, true},
	{`"  x  ".lstrip()`, `'x  '`, true},
	{`"  x  ".rstrip()`, `'  x'`, true},
	{`"xxhixy".strip("xy")`, `'hi'`, true},
	{`"xxhixy".lstrip("x")`, `'hixy'`, true},
	{`"xxhixy".rstrip("yx")`, `'xxhi'`, true},
	{`"  x ".strip(None)`, `'x'`, true},
	{`b" \x1cx ".strip()`, `b'\x1cx'`, true},
	{`b"xxhixy".strip(b"xy")`, `b'hi'`, true},
	{`"x".strip(b"x")`, `?`, false},
	{`"Success".startswith("Suc")`, `True`, true},
	{`"Success".startswith(("x", "S"))`, `True`, true},
	{`"Success".startswith(("x", "y"))`, `False`, true},
	{`"Success".endswith("ess")`, `True`, true},
	{`"Success".startswith(["S"])`, `?`, false},
	{`"Success".startswith("S", 1)`, `?`, false},
	{`b"ab".startswith(b"a")`, `True`, true},
	{`b"ab".startswith("a")`, `?`, false},
	{`"a,b,,c".split(",")`, `['a', 'b', '', 'c']`, true},
	{`"a,b,,c".split(",", 1)`, `['a', 'b,,c']`, true},
	{`"a,b,,c".rsplit(",", 1)`, `['a,b,', 'c']`, true},
	{`"a,b,,c".rsplit(",")`, `['a', 'b', '', 'c']`, true},
	{`"  a  b c ".split()`, `['a', 'b', 'c']`, true},
	{`"  a  b c ".split(None, 1)`, `['a', 'b c ']`, true},
	{`"  a  b c ".rsplit(None, 1)`, `['  a  b', 'c']`, true},
	{`"  a  b c ".split(maxsplit=0)`, `['a  b c ']`, true},
	{`"   ".split()`, `[]`, true},
	{`"".split(",")`, `['']`, true},
	{`"a".split("")`, `?`, false},
	{`b"a b".split()`, `[b'a', b'b']`, true},
	{`"a-b-c".replace("-", "_")`, `'a_b_c'`, true},
	{`"a-b-c".replace("-", "_", 1)`, `'a_b-c'`, true},
	{`"abc".replace("", "-")`, `'-a-b-c-'`, true},
	{`b"ab".replace(b"", b"-")`, `b'-a-b-'`, true},
	{`"abc".replace("", "-", 2)`, `'-a-bc'`, true},
	{`", ".join(["a", "b"])`, `'a, b'`, true},
	{`"".join(("x", "y"))`, `'xy'`, true},
	{`"-".join({"k": 1, "j": 2})`, `'k-j'`, true},
	{`"-".join(["a", 1])`, `?`, false},
	{`"{} {}".format("a", 1)`, `'a 1'`, true},
	{`"{1}{0}".format("a", "b")`, `'ba'`, true},
	{`"{x}!".format(x=None)`, `'None!'`, true},
	{`"{{}}{}".format(True)`, `'{}True'`, true},
	{`"{:>3}".format("a")`, `?`, false},
	{`"{}{0}".format("a")`, `?`, false},
	{`f"v={1 + 1}"`, `'v=2'`, true},
	{`f"{'x'!r}-{'y'!s}-{b'z'}"`, `"'x'-y-b'z'"`, true},
	{`f"{'x':>3}"`, `?`, false},
	{`"%s-%d" % ("a", 3)`, `'a-3'`, true},
	{`"%s" % "x"`, `'x'`, true},
	{`"%r" % ("x",)`, `"'x'"`, true},
	{`"100%%" % ()`, `'100%'`, true},
	{`"%s %s" % ("x",)`, `?`, false},
	{`"%d" % "1"`, `?`, false},
	{`"%5s" % "x"`, `?`, false},
	{`"é".encode()`, `b'\xc3\xa9'`, true},
	{`b"\xc3\xa9".decode("utf-8")`, `'é'`, true},
	{`b"\xff".decode()`, `?`, false},
	{`"x".encode("latin-1")`, `?`, false},
	{`"ab" in "cabd"`, `True`, true},
	{`"x" not in "cabd"`, `True`, true},
	{`b"a" in b"ab"`, `True`, true},
	{`"a" in b"ab"`, `?`, false},
	{`"a" in ("a", "b")`, `True`, true},
	{`1 in [True]`, `True`, true},
	{`"k" in {"k": 1}`, `True`, true},
	{`"SUCCESS" == "SUCCESS"`, `True`, true},
	{`"SUCCESS" != "success"`, `True`, true},
	{`b"a" == "a"`, `False`, true},
	{`1 == True`, `True`, true},
	{`1.0 == 1`, `True`, true},
	{`[1, "a"] == [1, "a"]`, `True`, true},
	{`[1] == (1,)`, `False`, true},
	{`{1, 2} == {2, 1}`, `True`, true},
	{`{"a": 1, "b": 2} == {"b": 2, "a": 1}`, `True`, true},
	{`"a" < "b" < "c"`, `True`, true},
	{`1 < "a"`, `?`, false},
	{`k < "b" < "a"`, `False`, false},
	{`"a" < "b" < k`, `?`, false},
	{`None is None`, `True`, true},
	{`1 is True`, `False`, true},
	{`False is not None`, `True`, true},
	{`"a" is "a"`, `?`, false},
	{`not ""`, `True`, true},
	{`not "NONE"`, `False`, true},
	{`"" or "d"`, `'d'`, true},
	{`"a" and 0`, `0`, true},
	{`0 or None`, `None`, true},
	{`[] and x`, `[]`, true},
	{`"x" if "" else "y"`, `'y'`, true},
	{`bool("False")`, `True`, true},
	{`bool()`, `False`, true},
	{`bool([])`, `False`, true},
	{`str(1.5)`, `'1.5'`, true},
	{`str(None)`, `'None'`, true},
	{`str([1, "a"])`, `"[1, 'a']"`, true},
	{`str(b"x")`, `"b'x'"`, true},
	{`str()`, `''`, true},
	{`int(" 1_000 ")`, `1000`, true},
	{`int("-7")`, `-7`, true},
	{`int(2.9)`, `2`, true},
	{`int(True)`, `1`, true},
	{`int("1_")`, `?`, false},
	{`int("0x10")`, `?`, false},
	{`list("ab")`, `['a', 'b']`, true},
	{`tuple(["a"])`, `('a',)`, true},
	{`sorted(["b", "a"])`, `['a', 'b']`, true},
	{`set(["a", "a"])`, `{'a'}`, true},
	{`str({"a", "b"})`, `?`, false},
	{`list({"a", "b"})`, `?`, false},
	{`"-".join({"a", "b"})`, `?`, false},
	{`sorted({"b", "a"})`, `['a', 'b']`, true},
	{`"b" in frozenset({"a", "b"})`, `True`, true},
	{`any({"", "x"})`, `True`, true},
	{`str({"a"})`, `"{'a'}"`, true},
	{`any(["", "x"])`, `True`, true},
	{`all(["", "x"])`, `False`, true},
	{`any([])`, `False`, true},
	{`any("ab")`, `True`, true},
	{`all({"": 1})`, `False`, true},
	{`any(1)`, `?`, false},
	{`{"a": 1}["a"]`, `1`, true},
	{`("a", "b")[-1]`, `'b'`, true},
	{`{"a": 1} | {"b": 2}`, `{'a': 1, 'b': 2}`, true},
	{`[*("a",), "b"]`, `['a', 'b']`, true},
	{`{**{"a": 1}, "a": 2}`, `{'a': 2}`, true},
	{`{1: "a", 1.0: "b", True: "c", (1,): "d", (1,): "e"}`, `{1: 'c', (1,): 'e'}`, true},
	{`{1.0: "a", 1: "b", 0.5: "c", 0.5: "d"}`, `{1.0: 'b', 0.5: 'd'}`, true},
	{`b"ab" + b"c"`, `b'abc'`, true},
	{`b"it's\x00\x7f\xff\t"`, `b"it's\x00\x7f\xff\t"`, true},
	{`'a"b\'c\n\x01é\x85\u200b'`, `'a"b\'c\n\x01é\x85\u200b'`, true},
	{`b"ab" + "c"`, `?`, false},
	{`"x" * 3`, `'xxx'`, true},
	{`-0.0`, `-0.0`, true},
	{`-(1)`, `-1`, true},
	{`+True`, `1`, true},
	{`~5`, `-6`, true},
	{`-"s"`, `?`, false},
	{`re.match(r"auth", "authorization")`, `True`, false},
	{`re.fullmatch("auth", "authorization")`, `False`, false},
	{`re.search("(?i)COOKIE", "x-cookie")`, `True`, false},
	// Names, free values and the environment.
	{`V.strip().upper() == "SUCCESS"`, `True`, false},
	{`k.lower()`, `?`, false},
	{`unknown_name.lower()`, `?`, false},
	{`os.environ.get("SET", "d")`, `'yes'`, false},
	{`os.environ.get("UNSET", "d")`, `'d'`, false},
	{`os.getenv("UNSET")`, `None`, false},
	{`os.environ["UNSET"]`, `?`, false},
	{`"SET" in os.environ`, `True`, false},
	{`"x" * (1 << 21)`, `?`, false},
}

func testScope() scope {
	return scope{
		names: map[string]pysem.Value{
			"V": pysem.Known(pysem.Str(" success\n")),
			"k": {Free: true},
		},
		env: map[string]string{"SET": "yes"},
	}
}

func TestEval(t *testing.T) {
	sc := testScope()
	for _, tc := range table {
		if got := render(pysem.Eval(exprOf(t, tc.src), sc)); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.src, got, tc.want)
		}
	}
}

// TestEvalMatchesPython runs the rows marked py through python3 and checks
// that Python prints the result the table expects.
func TestEvalMatchesPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3 is required in CI (run .ci/install-deps): %v", err)
		}
		t.Skip("python3 is not installed")
	}
	var prog strings.Builder
	var rows []string
	for _, tc := range table {
		if !tc.py {
			continue
		}
		rows = append(rows, tc.src)
		prog.WriteString("x = []\nprint(repr(" + tc.src + "))\n")
	}
	if len(rows) < 100 {
		t.Fatalf("only %d rows checked against Python", len(rows))
	}
	cmd := exec.Command(py, "-I", "-c", prog.String())
	cmd.Env = append(os.Environ(), "PYTHONIOENCODING=utf-8")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(rows) {
		t.Fatalf("python3 printed %d lines for %d rows", len(lines), len(rows))
	}
	want := map[string]string{}
	for _, tc := range table {
		want[tc.src] = tc.want
	}
	for i, src := range rows {
		if lines[i] != want[src] {
			t.Errorf("python3: %s = %s; the table says %s", src, lines[i], want[src])
		}
	}
}

func TestTruthOf(t *testing.T) {
	sc := testScope()
	cases := []struct {
		src  string
		want pysem.Tri
	}{
		{`k and ""`, pysem.Tri{False: true}},
		{`k or "x"`, pysem.Tri{True: true}},
		{`k and "x"`, pysem.Tri{Undecided: true}},
		{`not k.startswith("a")`, pysem.Tri{Undecided: true}},
		{`unknown_name`, pysem.Tri{True: true, False: true}},
		{`not unknown_name`, pysem.Tri{True: true, False: true}},
		{`V`, pysem.Tri{True: true}},
		{`any(x for x in y)`, pysem.Tri{True: true, False: true}},
	}
	for _, tc := range cases {
		if got := pysem.TruthOf(exprOf(t, tc.src), sc); got != tc.want {
			t.Errorf("truth of %s = %+v, want %+v", tc.src, got, tc.want)
		}
	}
}

// TestEnvDependence: a value read from the environment names the variable
// and its default.
func TestEnvDependence(t *testing.T) {
	v := pysem.Eval(exprOf(t, `os.environ.get("UNSET", "d").upper()`), testScope())
	if !v.OK || v.V.Str != "D" || len(v.Env) != 1 || v.Env[0] != "UNSET" || v.Direct != "" {
		t.Errorf("computed from an env read: %+v", v)
	}
	d := pysem.Eval(exprOf(t, `os.environ.get("UNSET", "d")`), testScope())
	if d.Direct != "UNSET" || !d.EnvStr || d.V.Str != "d" {
		t.Errorf("env read: %+v", d)
	}
	r := pysem.Eval(exprOf(t, `os.environ["UNSET"]`), testScope())
	if r.Raises != "KeyError" || r.OK {
		t.Errorf("unset subscript: %+v", r)
	}
	// A scope that does not model the environment leaves reads unknown.
	u := pysem.Eval(exprOf(t, `os.environ.get("SET", "d")`), scope{})
	if u.OK || len(u.Env) != 0 {
		t.Errorf("unmodelled environment: %+v", u)
	}
}

// TestCap: no value grows past MaxSize.
func TestCap(t *testing.T) {
	sc := scope{names: map[string]pysem.Value{"X": pysem.Known(pysem.Str(strings.Repeat("x", pysem.MaxSize/2+1)))}}
	for _, src := range []string{`X + X`, `f"{X}{X}"`, `"{}{}".format(X, X)`, `"%s%s" % (X, X)`, `"-".join([X, X])`, `X.replace("x", "xx")`, `[X, X]`} {
		if v := pysem.Eval(exprOf(t, src), sc); v.OK {
			t.Errorf("%s: a %d-byte value is known", src, pysem.Size(v.V, 1<<30))
		}
	}
}

// TestMutate: list and dict methods that change their receiver, each
// checked against python3's result.
func TestMutate(t *testing.T) {
	cases := []struct{ recv, method, args, want string }{
		{`["a"]`, "append", `"b"`, `['a', 'b']`},
		{`["a"]`, "extend", `("b", "c")`, `['a', 'b', 'c']`},
		{`["a"]`, "extend", `"bc"`, `['a', 'b', 'c']`},
		{`["a", "c"]`, "insert", `1, "b"`, `['a', 'b', 'c']`},
		{`["a"]`, "insert", `-5, "z"`, `['z', 'a']`},
		{`["a"]`, "insert", `9, "z"`, `['a', 'z']`},
		{`["a", "b", "a"]`, "remove", `"a"`, `['b', 'a']`},
		{`["a"]`, "remove", `"x"`, `?`},
		{`{"a": 1}`, "update", `{"a": 2, "b": 3}`, `{'a': 2, 'b': 3}`},
		{`("a",)`, "append", `"b"`, `?`},
		{`["a"]`, "extend", ``, `?`},
	}
	var prog strings.Builder
	for _, tc := range cases {
		recv := pysem.Eval(exprOf(t, tc.recv), scope{})
		var args []python.Value
		if tc.args != "" {
			for _, a := range exprOf(t, "("+tc.args+",)").Elems {
				args = append(args, pysem.Eval(a, scope{}).V)
			}
		}
		got := "?"
		if v, ok := pysem.Mutate(tc.method, recv.V, args); ok {
			got = v.String()
		}
		if got != tc.want {
			t.Errorf("%s.%s(%s) leaves %s, want %s", tc.recv, tc.method, tc.args, got, tc.want)
		}
		if tc.want != "?" {
			prog.WriteString("x = " + tc.recv + "\nx." + tc.method + "(" + tc.args + ")\nprint(repr(x))\n")
		}
	}
	if py, err := exec.LookPath("python3"); err == nil {
		out, err := exec.Command(py, "-I", "-c", prog.String()).Output()
		if err != nil {
			t.Fatalf("python3: %v", err)
		}
		var want []string
		for _, tc := range cases {
			if tc.want != "?" {
				want = append(want, tc.want)
			}
		}
		if got := strings.TrimSuffix(string(out), "\n"); got != strings.Join(want, "\n") {
			t.Errorf("python3 prints:\n%s\nthe table says:\n%s", got, strings.Join(want, "\n"))
		}
	}
}
