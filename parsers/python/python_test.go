package python

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/djleak/djleak/parsers/source"
)

// parse parses src as path, failing the test on an internal error.
func parse(t testing.TB, path, src string) *Module {
	t.Helper()
	m, err := Parse(source.NewFile(path, []byte(src)))
	if err != nil {
		t.Fatalf("Parse(%s): %v", path, err)
	}
	return m
}

// parseFixture parses testdata/name.
func parseFixture(t testing.TB, name string) *Module {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return parse(t, "testdata/"+name, string(data))
}

// pieces renders pieces compactly: literals quoted, expressions in braces.
func pieces(ps []Piece) string {
	var parts []string
	for _, p := range ps {
		if p.Expr != nil {
			parts = append(parts, "{"+p.Expr.Text+"}")
		} else {
			parts = append(parts, "'"+p.Literal+"'")
		}
	}
	return strings.Join(parts, " ")
}

// constOf returns e's constant value rendered as Python, or "?".
func constOf(e *Expr) string {
	if v, ok := e.Const(); ok {
		return v.String()
	}
	return "?"
}

// pos renders a location's start as line:column.
func pos(l source.Location) string {
	return strings.Join([]string{itoa(l.Start.Line), itoa(l.Start.Column)}, ":")
}

func itoa(i int) string {
	if i < 0 {
		return "-" + itoa(-i)
	}
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func findCall(t *testing.T, m *Module, fn string) *Call {
	t.Helper()
	for _, c := range m.Calls {
		if c.Func == fn {
			return c
		}
	}
	t.Fatalf("no call to %s; calls: %v", fn, callNames(m))
	return nil
}

func callNames(m *Module) []string {
	var out []string
	for _, c := range m.Calls {
		out = append(out, c.Func)
	}
	return out
}

func TestSettingsModule(t *testing.T) {
	m := parseFixture(t, "settings.py")
	if len(m.Errors) != 0 {
		t.Fatalf("unexpected errors: %v", m.Errors)
	}

	type imp struct {
		Module      string
		Level       int
		Star        bool
		Conditional bool
		Line        int
	}
	var imps []imp
	for _, i := range m.Imports {
		imps = append(imps, imp{i.Module, i.Level, i.Star, i.Conditional, i.Loc.Start.Line})
	}
	wantImps := []imp{
		{"os", 0, false, false, 2},
		{"base", 1, true, false, 3},
		{"local", 1, true, true, 17},
	}
	if !reflect.DeepEqual(imps, wantImps) {
		t.Errorf("imports:\n got %+v\nwant %+v", imps, wantImps)
	}

	type asg struct {
		Target, Op, Value string
		Conditional       bool
		Line              int
	}
	var got []asg
	for _, a := range m.Assigns {
		v := "<nil>"
		if a.Value != nil {
			v = constOf(a.Value)
		}
		got = append(got, asg{a.Target, a.Op, v, a.Conditional, a.Loc.Start.Line})
	}
	want := []asg{
		{"DEBUG", "=", "False", false, 5},
		{"SESSION_COOKIE_SECURE", "=", "True", false, 6},
		{"CSRF_COOKIE_SECURE", ":", "True", false, 7},
		{"MIDDLEWARE", "+=", "['myapp.middleware.MtlsClientInfoMiddleware']", false, 8},
		{"ALLOWED_HOSTS", "=", "['example.com', 'www.example.com']", false, 11},
		{"SECURE_HSTS_SECONDS", "=", "31536000", false, 12},
		{"SESSION_COOKIE_AGE", "=", "-1", false, 13},
		{"DATABASES", "=", "{'default': {'ENGINE': 'django.db.backends.postgresql', 'PORT': 5432}}", false, 14},
		{"DEBUG", "=", "True", true, 22},
		{"SESSION_COOKIE_SECURE", "=", "?", true, 23},
		{"LOG_LEVEL", "=", "'INFO'", true, 25},
		{"A", "=", "1", false, 27},
		{"B", "=", "'two'", false, 27},
		{"C", "=", "None", false, 28},
		{"D", "=", "None", false, 28},
		{"X", "=", "<nil>", false, 29},
		{"Y", "=", "<nil>", false, 29},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("assigns:\n got %+v\nwant %+v", got, want)
	}

	// The whole statement is the location, with exact columns.
	mw := m.Assigns[3]
	if mw.Loc.Start.Line != 8 || mw.Loc.Start.Column != 1 || mw.Loc.End.Line != 10 || mw.Loc.End.Column != 2 {
		t.Errorf("MIDDLEWARE loc = %+v", mw.Loc)
	}
	if nodeType(mw.Node) != "augmented_assignment" {
		t.Errorf("MIDDLEWARE node type = %s", nodeType(mw.Node))
	}
	// The environment read in the if condition is a module-level call.
	get := findCall(t, m, "os.environ.get")
	if get.Enclosing != nil || pos(get.Loc()) != "21:4" || constOf(get.Args()[0]) != "'X'" {
		t.Errorf("os.environ.get call: enclosing %v at %s arg %s", get.Enclosing, pos(get.Loc()), constOf(get.Args()[0]))
	}
	sec := m.Assigns[9].Value
	if sec.Kind != Compare || sec.Name != "==" || len(sec.Elems) != 2 || sec.Elems[0].Kind != CallExpr ||
		sec.Elems[0].Call.Func != "os.environ.get" || sec.Elems[0].Call != m.Calls[1] {
		t.Errorf("SESSION_COOKIE_SECURE value = %+v", sec)
	}
}

func TestViewModule(t *testing.T) {
	m := parseFixture(t, "views.py")
	if len(m.Errors) != 0 {
		t.Fatalf("unexpected errors: %v", m.Errors)
	}
	info := findCall(t, m, "logger.info")
	if info.Enclosing == nil || info.Enclosing.Name != "issue_token" {
		t.Errorf("logger.info enclosing = %v", info.Enclosing)
	}
	if pos(info.Loc()) != "12:5" {
		t.Errorf("logger.info at %s", pos(info.Loc()))
	}
	if len(info.Args()) != 2 || constOf(info.Args()[0]) != "'Token issued for client_dn=%s'" ||
		info.Args()[1].Kind != Name || info.Args()[1].Name != "client_dn" {
		t.Fatalf("logger.info args = %+v", info.Args())
	}
	extra, ok := info.Kwarg("extra")
	if !ok || extra.Kind != Dict || len(extra.Keys) != 1 || constOf(extra.Keys[0]) != "'headers'" {
		t.Fatalf("extra = %+v", extra)
	}
	comp := extra.Values[0]
	if comp.Kind != Comprehension || comp.Name != "dict" || len(comp.Keys) != 1 || comp.Keys[0].Name != "k" || comp.Values[0].Name != "v" {
		t.Errorf("extra['headers'] = %+v", comp)
	}
	if _, ok := info.Kwarg("missing"); ok {
		t.Error("Kwarg(missing) found")
	}
	// Calls nested in the comprehension are calls of the module too.
	items := findCall(t, m, "request.headers.items")
	if items.Enclosing != info.Enclosing || !(info.Loc().Start.Offset < items.Loc().Start.Offset) {
		t.Errorf("request.headers.items: %+v", items)
	}
	findCall(t, m, "k.lower")

	fn := info.Enclosing
	values := map[string]*Expr{}
	for _, a := range fn.Assigns {
		values[a.Target] = a.Value
	}
	tests := []struct {
		target string
		kind   ExprKind
		pieces string
	}{
		{"url", FString, "'https://x/cb?token=' {token} '&a=' {b}"},
		{"legacy", BinOp, "{u} '?t=' {tok}"},
		{"fmt", CallExpr, "{u} '?t=' {tok}"},
		{"plus", BinOp, "'a' {tok} 'b'"},
		{"implicit", FString, "'https://example.com/cb?token=' {token}"},
	}
	for _, tc := range tests {
		v := values[tc.target]
		if v == nil {
			t.Errorf("%s: no assignment", tc.target)
			continue
		}
		if v.Kind != tc.kind || pieces(v.Pieces) != tc.pieces {
			t.Errorf("%s = %s %s, want %s %s", tc.target, v.Kind, pieces(v.Pieces), tc.kind, tc.pieces)
		}
	}
	// The piece expressions are full Exprs with positions.
	url := values["url"]
	if tok := url.Pieces[1].Expr; tok.Kind != Name || tok.Name != "token" || pos(tok.Loc()) != "13:33" {
		t.Errorf("url token piece = %+v at %s", tok, pos(tok.Loc()))
	}
	if b := url.Pieces[3].Expr; b.Text != "b" || pos(b.Loc()) != "13:43" {
		t.Errorf("url b piece = %q at %s", b.Text, pos(b.Loc()))
	}
	if fm := values["fmt"]; fm.Call == nil || fm.Call.Func != `"{}?t={t}".format` {
		t.Errorf("format call = %+v", fm.Call)
	}

	cookie := findCall(t, m, "response.set_cookie")
	if v, ok := cookie.Kwarg("secure"); !ok || constOf(v) != "False" {
		t.Errorf("secure kwarg = %v", v)
	}
	if last := cookie.Kwargs()[len(cookie.Kwargs())-1]; last.Name != "" || last.Value.Name != "extra_opts" || pos(last.Loc) != "20:74" {
		t.Errorf("**extra_opts kwarg = %+v", last)
	}

	cb := m.Functions[1]
	if cb.Name != "callback" || !cb.Async {
		t.Fatalf("second function = %+v", cb)
	}
	wantParams := []string{"request", "*args", "scope='read'", "**kwargs"}
	var params []string
	for _, p := range cb.Params {
		s := p.Kind + p.Name
		if p.Default != nil {
			s += "=" + constOf(p.Default)
		}
		params = append(params, s)
	}
	if !reflect.DeepEqual(params, wantParams) {
		t.Errorf("callback params = %v, want %v", params, wantParams)
	}
	fetch := findCall(t, m, "fetch")
	if fetch.Enclosing != cb {
		t.Errorf("fetch enclosing = %v", fetch.Enclosing)
	}
	// Calls are in source order, outer before inner.
	wantOrder := []string{"logging.getLogger", "make_token", "logger.info", "request.headers.items", "k.lower",
		`"{}?t={t}".format`, "redirect", "response.set_cookie", "HttpResponseRedirect", "urlencode", "fetch"}
	if got := callNames(m); !reflect.DeepEqual(got, wantOrder) {
		t.Errorf("calls = %v\nwant %v", got, wantOrder)
	}
}

func TestMiddlewareClass(t *testing.T) {
	m := parseFixture(t, "middleware.py")
	if len(m.Classes) != 3 {
		t.Fatalf("classes = %d", len(m.Classes))
	}
	c := m.Classes[0]
	if c.Name != "MtlsClientInfoMiddleware" || !reflect.DeepEqual(c.Bases, []string{"MiddlewareMixin"}) || pos(c.NameLoc) != "4:7" {
		t.Errorf("class = %+v", c)
	}
	if len(c.Assigns) != 1 || c.Assigns[0].Target != "header" || constOf(c.Assigns[0].Value) != "'HTTP_X_SSL_CLIENT_DN'" {
		t.Errorf("class assigns = %+v", c.Assigns)
	}
	if len(c.Methods) != 2 {
		t.Fatalf("methods = %d", len(c.Methods))
	}
	pr := c.Methods[0]
	if pr.Name != "process_request" || pr.Class != c || pr.Outer != nil {
		t.Errorf("process_request = %+v", pr)
	}
	if pr.NameLoc.Start.Line != 7 || pr.NameLoc.Start.Column != 9 || pr.NameLoc.End.Column != 24 {
		t.Errorf("NameLoc = %+v", pr.NameLoc)
	}
	if pr.Loc.Start.Line != 7 || pr.Loc.Start.Column != 5 || pr.Loc.End.Line != 11 || nodeType(pr.Node) != "function_definition" {
		t.Errorf("Loc = %+v", pr.Loc)
	}
	if len(pr.Params) != 2 || pr.Params[0].Name != "self" || pr.Params[1].Name != "request" {
		t.Errorf("params = %+v", pr.Params)
	}
	var targets []string
	for _, a := range pr.Assigns {
		targets = append(targets, a.Target+" "+a.Op+" "+a.Value.Text)
		if a.Target == "self.seen" != a.Conditional {
			t.Errorf("%s conditional = %v", a.Target, a.Conditional)
		}
	}
	if want := []string{"request.client_dn = request.META.get(self.header)", "self.seen = True"}; !reflect.DeepEqual(targets, want) {
		t.Errorf("method assigns = %v", targets)
	}
	get := findCall(t, m, "request.META.get")
	if get.Enclosing != pr || m.EnclosingFunction(get.Node) != pr {
		t.Errorf("request.META.get enclosing = %v", get.Enclosing)
	}

	helper := c.Methods[1]
	if helper.Name != "helper" || !reflect.DeepEqual(helper.Decorators, []string{"staticmethod", "decorators.cache"}) {
		t.Errorf("helper = %+v", helper)
	}
	if len(helper.Params) != 2 || helper.Params[0].Default.Kind != CallExpr || constOf(helper.Params[1].Default) != "False" {
		t.Errorf("helper params = %+v", helper.Params)
	}
	// Decorator and default-value calls run in the class body, not in helper.
	for _, fn := range []string{"decorators.cache", "default_value"} {
		if c := findCall(t, m, fn); c.Enclosing != nil || m.EnclosingFunction(c.Node) != nil {
			t.Errorf("%s enclosing = %v", fn, c.Enclosing)
		}
	}
	inner := m.Functions[2]
	if inner.Name != "inner" || inner.Outer != helper || inner.Class != nil {
		t.Errorf("inner = %+v", inner)
	}
	if c := findCall(t, m, "value.strip"); c.Enclosing != inner {
		t.Errorf("value.strip enclosing = %v", c.Enclosing)
	}
	if c := findCall(t, m, "inner"); c.Enclosing != helper {
		t.Errorf("inner() enclosing = %v", c.Enclosing)
	}

	outer, meta := m.Classes[1], m.Classes[2]
	if outer.Name != "Outer" || !reflect.DeepEqual(outer.Decorators, []string{"dataclass"}) || outer.Outer != nil {
		t.Errorf("Outer = %+v", outer)
	}
	if meta.Name != "Meta" || meta.Outer != outer || len(meta.Assigns) != 1 || len(outer.Assigns) != 0 {
		t.Errorf("Meta = %+v", meta)
	}
	if len(m.Assigns) != 0 {
		t.Errorf("module assigns = %+v", m.Assigns)
	}
}

func TestUnicodePositions(t *testing.T) {
	m := parseFixture(t, "unicode.py")
	c := findCall(t, m, "call_after")
	// Line 2 is `name = "日本語🎉"; call_after(name)`: 15 code points
	// (16 UTF-16 units, the emoji being a surrogate pair) and 24 bytes
	// before the call.
	want := source.Pos{Offset: len("# ünïcödé 🎉 comment\n") + 24, Line: 2, Column: 16, UTF16Col: 17}
	if c.Loc().Start != want {
		t.Errorf("call start = %+v, want %+v", c.Loc().Start, want)
	}
	if c.Loc().End.Column != 32 || c.Loc().End.UTF16Col != 33 {
		t.Errorf("call end = %+v", c.Loc().End)
	}
	if got := m.NodeText(c.Node); got != "call_after(name)" {
		t.Errorf("NodeText = %q", got)
	}
	if a := m.Assigns[0]; constOf(a.Value) != "'日本語🎉'" {
		t.Errorf("name = %s", constOf(a.Value))
	}
}

func TestSyntaxErrors(t *testing.T) {
	m := parseFixture(t, "syntax_error.py")
	type e struct {
		Msg  string
		Line int
		Col  int
	}
	var got []e
	for _, x := range m.Errors {
		got = append(got, e{x.Message, x.Loc.Start.Line, x.Loc.Start.Column})
	}
	want := []e{
		{"syntax error: unexpected '='", 3, 5},
		{"syntax error: missing ')'", 5, 12},
		{"syntax error: unexpected '$'", 9, 12},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n got %+v\nwant %+v", got, want)
	}
	// The rest is still modelled.
	var targets []string
	for _, a := range m.Assigns {
		targets = append(targets, a.Target+"="+constOf(a.Value))
	}
	if want := []string{"x=1", "SESSION_COOKIE_SECURE=True", "DEBUG=False"}; !reflect.DeepEqual(targets, want) {
		t.Errorf("assigns = %v, want %v", targets, want)
	}
	if len(m.Functions) != 2 || m.Functions[1].Name != "view" {
		t.Errorf("functions = %+v", m.Functions)
	}
	if c := findCall(t, m, "redirect"); c.Enclosing != m.Functions[1] || pos(c.Loc()) != "12:12" {
		t.Errorf("redirect = %+v", c)
	}
	if len(m.Imports) != 1 {
		t.Errorf("imports = %+v", m.Imports)
	}
}

func TestSyntaxErrorMessages(t *testing.T) {
	tests := []struct {
		src  string
		want []string // "line:col message"
	}{
		{"x = (1, 2\n", []string{"1:5 syntax error: '(' was never closed"}},
		{"foo(a, [1, 2\nz = 3\n", []string{"1:8 syntax error: '[' was never closed"}},
		{"y = foo(1, 2\n\nz = 3\n", []string{"1:8 syntax error: '(' was never closed"}},
		{"def f(:\n    pass\n", []string{"1:7 syntax error: missing ')'"}},
		{"a = 1\nb = 2 +* 3\nc = 3\n", []string{"2:3 syntax error: unexpected '='"}},
		{"x = 1\n@@@abc\n", []string{"2:1 syntax error: unexpected '@'"}},
		{"x = 'abcdefghijklmnopqrstuvwxyz' 'q' $$\n", []string{"1:38 syntax error: unexpected '$$'"}},
		{"if True:\nreturn 1\n", nil},
		{"", nil},
	}
	for _, tc := range tests {
		m := parse(t, "t.py", tc.src)
		var got []string
		for _, e := range m.Errors {
			got = append(got, pos(e.Loc)+" "+e.Message)
		}
		if len(got) == 0 && len(tc.want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: errors = %q, want %q", tc.src, got, tc.want)
		}
	}
	// A long unexpected token is cut to 20 characters.
	m := parse(t, "t.py", "x = 1\n$abcdefghijklmnopqrstuvwxyz\n")
	if len(m.Errors) != 1 || !strings.HasPrefix(m.Errors[0].Message, "syntax error: unexpected '") {
		t.Errorf("long token: %+v", m.Errors)
	}
	if got := truncate("abcdefghijklmnopqrstuvwxyz", 20); got != "abcdefghijklmnopqrst…" {
		t.Errorf("truncate = %q", got)
	}
	if got := truncate("日本語", 20); got != "日本語" {
		t.Errorf("truncate = %q", got)
	}
}

func TestImports(t *testing.T) {
	m := parse(t, "imp.py", `from . import x
from ..a.b import c as d, e
import a.b as c, d
from m import (p,
    q as r)
from __future__ import annotations
if TYPE_CHECKING:
    import typing
def f():
    from django.conf import settings
`)
	type imp struct {
		Module string
		Level  int
		Names  []ImportName
		Alias  string
		Cond   bool
		Func   string
	}
	var got []imp
	for _, i := range m.Imports {
		fn := ""
		if i.Enclosing != nil {
			fn = i.Enclosing.Name
		}
		got = append(got, imp{i.Module, i.Level, i.Names, i.Alias, i.Conditional, fn})
	}
	want := []imp{
		{"", 1, []ImportName{{"x", ""}}, "", false, ""},
		{"a.b", 2, []ImportName{{"c", "d"}, {"e", ""}}, "", false, ""},
		{"a.b", 0, nil, "c", false, ""},
		{"d", 0, nil, "", false, ""},
		{"m", 0, []ImportName{{"p", ""}, {"q", "r"}}, "", false, ""},
		{"__future__", 0, []ImportName{{"annotations", ""}}, "", false, ""},
		{"typing", 0, nil, "", true, ""},
		{"django.conf", 0, []ImportName{{"settings", ""}}, "", true, "f"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("imports:\n got %+v\nwant %+v", got, want)
	}
	if l := m.Imports[4].Loc; l.Start.Line != 4 || l.End.Line != 5 {
		t.Errorf("multi-line import loc = %+v", l)
	}
}

func TestAssignments(t *testing.T) {
	m := parse(t, "a.py", `x: int
y: int = 1
a, (b, *c) = 1, (2, 3)
[d, e] = f, g = 4, 5
h = i = j()
os.environ['K'] = v
self . attr = 1
k |= {1}
if (n := len(z)) > 1:
    for q in z:
        w = q
with open(p) as fh:
    data = fh.read()
match cmd:
    case 1:
        mc = True
while True:
    break
else:
    we = 1
`)
	var got []string
	for _, a := range m.Assigns {
		v := "nil"
		if a.Value != nil {
			v = a.Value.Text
		}
		s := a.Target + " " + a.Op + " " + v
		if a.Conditional {
			s += " (cond)"
		}
		got = append(got, s)
	}
	want := []string{
		"y : 1",
		"a = 1", "b = nil", "c = nil",
		"d = 4", "e = 5", "f = 4", "g = 5",
		"h = j()", "i = j()",
		"os.environ['K'] = v",
		"self.attr = 1",
		"k |= {1}",
		"n := len(z)",
		"w = q (cond)",
		"data = fh.read() (cond)",
		"mc = True (cond)",
		"we = 1 (cond)",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("assigns:\n got %q\nwant %q", got, want)
	}
	if m.Assigns[8].Value != m.Assigns[9].Value {
		t.Error("chained assignment should share its value")
	}
	if m.Assigns[1].Loc != m.Assigns[3].Loc || m.Assigns[1].Loc.End.Column != 23 {
		t.Errorf("tuple assignment loc = %+v", m.Assigns[1].Loc)
	}
}

func TestExprKinds(t *testing.T) {
	m := parse(t, "e.py", `v = [
    "s", b"b", f"{x}", 1, 2.5, True, None, name, a.b.c, a[1], f(1), [1], (1,), {1}, {1: 2},
    a + b, a and b, a < b <= c, not a, -a, lambda q: q, a if b else c, [i for i in y],
    *s, await g(), a().b, a[1:2, ::3], (yield), x.y[0].z, ...,
]
a().b(1)
`)
	if len(m.Assigns) != 1 {
		t.Fatal("no assignment")
	}
	list := m.Assigns[0].Value
	want := []struct {
		kind ExprKind
		name string
	}{
		{String, ""}, {Bytes, ""}, {FString, ""}, {Number, ""}, {Number, ""}, {Bool, ""}, {None, ""},
		{Name, "name"}, {Attribute, "a.b.c"}, {Subscript, ""}, {CallExpr, ""}, {List, ""}, {Tuple, ""},
		{Set, ""}, {Dict, ""}, {BinOp, "+"}, {BoolOp, "and"}, {Compare, "<"}, {UnaryOp, "not"},
		{UnaryOp, "-"}, {Lambda, ""}, {Conditional, ""}, {Comprehension, "list"}, {Starred, "*"},
		{Other, "await"}, {Attribute, ""}, {Subscript, ""}, {Other, "yield"}, {Attribute, ""}, {Other, "ellipsis"},
	}
	if list.Kind != List || len(list.Elems) != len(want) {
		t.Fatalf("list = %s with %d elements, want %d", list.Kind, len(list.Elems), len(want))
	}
	for i, w := range want {
		e := list.Elems[i]
		if e.Kind != w.kind || e.Name != w.name {
			t.Errorf("%q: kind %s name %q, want %s %q", e.Text, e.Kind, e.Name, w.kind, w.name)
		}
	}
	cmp := list.Elems[17]
	if !reflect.DeepEqual(cmp.Ops, []string{"<", "<="}) || len(cmp.Elems) != 3 {
		t.Errorf("compare = %+v", cmp)
	}
	cond := list.Elems[21]
	if cond.Elems[0].Text != "a" || cond.Elems[1].Text != "b" || cond.Elems[2].Text != "c" {
		t.Errorf("conditional elems = %q %q %q", cond.Elems[0].Text, cond.Elems[1].Text, cond.Elems[2].Text)
	}
	attr := list.Elems[25]
	if attr.Attr != "b" || attr.Elems[0].Kind != CallExpr {
		t.Errorf("a().b = %+v", attr)
	}
	sub := list.Elems[26]
	if sub.Elems[0].Name != "a" || sub.Elems[1].Kind != Tuple || sub.Elems[1].Text != "1:2, ::3" || len(sub.Elems[1].Elems) != 2 {
		t.Errorf("a[1:2, ::3] = %+v / %+v", sub, sub.Elems[1])
	}
	if x := list.Elems[28]; x.Name != "" || x.Attr != "z" {
		t.Errorf("x.y[0].z name = %q attr %q", x.Name, x.Attr)
	}
	if c := findCall(t, m, "a().b"); c.FuncExpr.Kind != Attribute {
		t.Errorf("a().b call = %+v", c)
	}
	if c := findCall(t, m, "a"); c.Func != "a" || c.FuncExpr.Kind != Name {
		t.Errorf("a() call = %+v", c)
	}
}

func TestExprOfAndHelpers(t *testing.T) {
	m := parseFixture(t, "views.py")
	info := findCall(t, m, "logger.info")
	e := m.ExprOf(info.Node)
	if e.Kind != CallExpr || e.Call != info {
		t.Errorf("ExprOf(call) = %+v, want the module's call", e)
	}
	// Parenthesized expressions are unwrapped.
	m2 := parse(t, "p.py", "x = ((a + 'b'))\n")
	v := m2.Assigns[0].Value
	if v.Kind != BinOp || v.Text != "a + 'b'" || pieces(v.Pieces) != "{a} 'b'" {
		t.Errorf("parenthesized = %+v", v)
	}
	if m2.ExprOf(nil) != nil || m2.NodeText(nil) != "" || m2.EnclosingFunction(nil) != nil || !m2.Loc(nil).IsZero() {
		t.Error("nil node helpers")
	}
	// EnclosingFunction agrees with Call.Enclosing for every call.
	for _, fix := range []string{"views.py", "middleware.py", "syntax_error.py"} {
		mod := parseFixture(t, fix)
		for _, c := range mod.Calls {
			if got := mod.EnclosingFunction(c.Node); got != c.Enclosing {
				t.Errorf("%s: %s: EnclosingFunction = %v, Enclosing = %v", fix, c.Func, got, c.Enclosing)
			}
		}
	}
}

// TestConcurrentTreeReads checks that after Parse, traversing the tree from
// several goroutines writes nothing shared (run with -race).
func TestConcurrentTreeReads(t *testing.T) {
	m := parseFixture(t, "views.py")
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			var visit func(n *Node)
			visit = func(n *Node) {
				switch g % 2 {
				case 0:
					for i := 0; i < int(n.ChildCount()); i++ {
						c := n.Child(i)
						if p := c.Parent(); p == nil || p.StartByte() != n.StartByte() {
							t.Errorf("parent mismatch")
						}
						visit(c)
					}
				default:
					for i := 0; i < int(n.NamedChildCount()); i++ {
						visit(n.NamedChild(i))
					}
					if nodeType(n) == "call" {
						_ = n.ChildByFieldName("function")
						_ = m.ExprOf(n)
					}
				}
			}
			visit(m.Root)
		}(g)
	}
	wg.Wait()
}

// TestParseConcurrently parses different files at once.
func TestParseConcurrently(t *testing.T) {
	files := fixtures(t)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			f := files[i%len(files)]
			if _, err := Parse(f); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
}
