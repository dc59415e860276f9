package python

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/djleak/djleak/parsers/source"
)

// stmtTree renders statements as `Kind@line(parts){body} except{…}
// cases{…} else{…} finally{…}`, with the parts each kind has as
// name=text.
func stmtTree(m *Module, list []*Stmt) string {
	var sb strings.Builder
	writeStmts(&sb, m, list)
	return sb.String()
}

func writeStmts(sb *strings.Builder, m *Module, list []*Stmt) {
	for i, s := range list {
		if i > 0 {
			sb.WriteString("; ")
		}
		sb.WriteString(s.Kind.String())
		if s.Async {
			sb.WriteString(" async")
		}
		if s.Star {
			sb.WriteString("*")
		}
		sb.WriteString("@" + strconv.Itoa(m.File.Pos(int(s.Start)).Line))
		var parts []string
		part := func(name string, n *Node) {
			if n != nil {
				parts = append(parts, name+"="+m.NodeText(n))
			}
		}
		part("test", s.Test())
		part("msg", s.Msg())
		part("target", s.Target())
		for _, t := range s.Targets() {
			part("targets", t)
		}
		part("ann", s.Annotation())
		part("op", s.Op())
		part("value", s.Value())
		part("cause", s.Cause())
		part("name", s.Name())
		for _, d := range s.Decorators() {
			part("deco", d)
		}
		for _, it := range s.Items() {
			part("ctx", it.Context)
			part("as", it.Vars)
		}
		if len(parts) > 0 {
			sb.WriteString("(" + strings.Join(parts, " ") + ")")
		}
		lists := []struct {
			name string
			list []*Stmt
		}{{"", s.Body()}, {" except", s.Handlers()}, {" cases", s.Cases()}, {" else", s.Orelse()}, {" finally", s.Finalbody()}}
		for _, l := range lists {
			if len(l.list) > 0 {
				sb.WriteString(l.name + "{")
				writeStmts(sb, m, l.list)
				sb.WriteString("}")
			}
		}
	}
}

func parseAST(t *testing.T, src string) *Module {
	t.Helper()
	m, err := Parse(source.NewFile("t.py", []byte(src)))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestAST(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"empty", "", ""},
		{"expr", "f(x)\na, b\nyield x\n", "Expr@1(value=f(x)); Expr@2(value=a, b); Expr@3(value=yield x)"},
		{"assign", "a = 1\na = b = f()\nx, y = p\n",
			"Assign@1(targets=a value=1); Assign@2(targets=a targets=b value=f()); Assign@3(targets=x, y value=p)"},
		{"augassign", "n += 1\nd['k'] |= {}\n", "AugAssign@1(target=n op=+= value=1); AugAssign@2(target=d['k'] op=|= value={})"},
		{"annassign", "x: int = 2\ny: 'T'\n", "AnnAssign@1(target=x ann=int value=2); AnnAssign@2(target=y ann='T')"},
		{"simple", "pass\nglobal g; nonlocal h\nimport a.b as c, d\nfrom . import x\nfrom __future__ import annotations\n",
			"Pass@1; Global@2; Nonlocal@2; Import@3; ImportFrom@4; ImportFrom@5"},
		{"loop control", "while 1:\n    break\n    continue\n", "While@1(test=1){Break@2; Continue@3}"},
		{"return raise", "def f():\n    return\n    return a, b\n    raise\n    raise E('x') from err\n",
			"Def@1(name=f){Return@2; Return@3(value=a, b); Raise@4; Raise@5(value=E('x') cause=err)}"},
		{"del assert", "del a, b[0]\ndel c\nassert x\nassert y, 'msg'\n",
			"Delete@1(targets=a targets=b[0]); Delete@2(targets=c); Assert@3(test=x); Assert@4(test=y msg='msg')"},
		{"if elif else", "if a:\n    p()\nelif b:\n    q()\nelif c:\n    pass\nelse:\n    r()\n",
			"If@1(test=a){Expr@2(value=p())} else{If@3(test=b){Expr@4(value=q())} else{If@5(test=c){Pass@6} else{Expr@8(value=r())}}}"},
		{"if else", "if a: pass\nelse: x = 1\n", "If@1(test=a){Pass@1} else{Assign@2(targets=x value=1)}"},
		{"walrus in test", "if (m := rx.match(s)) is not None:\n    use(m)\n",
			"If@1(test=(m := rx.match(s)) is not None){Expr@2(value=use(m))}"},
		{"for else", "for i, x in enumerate(xs):\n    if x: break\nelse:\n    done()\n",
			"For@1(target=i, x value=enumerate(xs)){If@2(test=x){Break@2}} else{Expr@4(value=done())}"},
		{"while else", "while n > 0:\n    n -= 1\nelse:\n    pass\n", "While@1(test=n > 0){AugAssign@2(target=n op=-= value=1)} else{Pass@4}"},
		{"try", "try:\n    a()\nexcept (A, B) as e:\n    log(e)\nexcept C:\n    pass\nexcept:\n    raise\nelse:\n    b()\nfinally:\n    c()\n",
			"Try@1{Expr@2(value=a())} except{Except@3(value=(A, B) name=e){Expr@4(value=log(e))}; Except@5(value=C){Pass@6}; Except@7{Raise@8}} else{Expr@10(value=b())} finally{Expr@12(value=c())}"},
		{"try finally", "try:\n    pass\nfinally:\n    close()\n", "Try@1{Pass@2} finally{Expr@4(value=close())}"},
		{"try star", "try:\n    pass\nexcept* ValueError as eg:\n    pass\nexcept* (TypeError, KeyError):\n    pass\n",
			"Try*@1{Pass@2} except{Except*@3(value=ValueError name=eg){Pass@4}; Except*@5(value=(TypeError, KeyError)){Pass@6}}"},
		{"match", "match cmd.split():\n    case [\"go\", d] if d in dirs:\n        go(d)\n    case {\"x\": x}:\n        pass\n    case _:\n        pass\n",
			"Match@1(value=cmd.split()) cases{Case@2(test=d in dirs){Expr@3(value=go(d))}; Case@4{Pass@5}; Case@6{Pass@7}}"},
		{"with", "with open(p) as f, lock:\n    f.read()\n", "With@1(ctx=open(p) as=f ctx=lock){Expr@2(value=f.read())}"},
		{"with parenthesized", "with (a() as b, c() as (d, e)):\n    pass\n", "With@1(ctx=a() as=b ctx=c() as=(d, e)){Pass@2}"},
		{"async", "async def f():\n    async for x in aiter():\n        pass\n    async with s as t:\n        await t\n",
			"Def async@1(name=f){For async@2(target=x value=aiter()){Pass@3}; With async@4(ctx=s as=t){Expr@5(value=await t)}}"},
		{"decorated", "@app.route('/')\n@login_required\ndef view(request):\n    return x\n\n@dataclass\nclass P(B):\n    x: int\n    def m(self): pass\n",
			"Def@1(name=view deco=@app.route('/') deco=@login_required){Return@4(value=x)}; Class@6(name=P deco=@dataclass){AnnAssign@8(target=x ann=int); Def@9(name=m){Pass@9}}"},
		{"nested defs", "class A:\n    class B:\n        def f(self):\n            def g():\n                return 1\n            return g\n",
			"Class@1(name=A){Class@2(name=B){Def@3(name=f){Def@4(name=g){Return@5(value=1)}; Return@6(value=g)}}}"},
		{"semicolons", "a = 1; b = 2; pass\n", "Assign@1(targets=a value=1); Assign@1(targets=b value=2); Pass@1"},
		{"comments", "# c\nif x:  # c\n    # c\n    pass  # c\n# c\n", "If@2(test=x){Pass@4}"},
		{"type alias", "type Point = tuple[float, float]\n", "TypeAlias@1(value=tuple[float, float] name=Point)"},
		{"print statement", "print 'x'\n", "Expr@1(value='x')"},
		{"syntax error", ")\nif a: pass\n", "Bad@1; If@2(test=a){Pass@2}"},
		{"syntax error recovered", "print(1))\nfor x in y:\n    pass\n", "Bad@1{Expr@1(value=(1))}; For@2(target=x value=y){Pass@3}"},
		{"syntax error in class", "class C(:\n    def f(self): pass\nz = 3\n",
			"Class@1(name=C){Bad@1; Def@2(name=f){Pass@2}}; Assign@3(targets=z value=3)"},
		{"syntax error in match", "match x:\n    case 1:\n        pass\n    foo bar\n", "Match@1(value=x) cases{Case@2{Pass@3}; Bad@4}"},
		{"decorator alone", "@d\n", "Bad@1"},
		{"missing block", "if x\n    y = 1\n", "Bad@1"},
		// An ERROR inside an expression or a header is a Bad statement in
		// the Body of the statement or clause holding it, before its block.
		{"syntax error in condition", "if x(:\n    y = 1\n", "If@1(test=x){Bad@1; Assign@2(targets=y value=1)}"},
		{"syntax error in operand", "match 0:\n    case:0\n    case 0%    A0",
			"Bad@1{Expr@1(value=match 0:\n    case:0\n    case 0%    A0){Bad@1{Expr@2(value=0)}}}"},
		{"syntax error in finally", "try:\nfinally:\n A,0!", "Try@1 finally{Bad@3{Expr@3(value=A,0)}}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := parseAST(t, tt.src)
			if got := stmtTree(m, m.AST().Body); got != tt.want {
				t.Errorf("source:\n%s\ngot:  %s\nwant: %s", tt.src, got, tt.want)
			}
		})
	}
}

// TestASTEnds checks that a compound statement ends with its last
// statement, not with the comments after it that tree-sitter puts in its
// block, and that an elif ends with its own part of the chain.
func TestASTEnds(t *testing.T) {
	src := "if a:\n    x = 1\n    # trailing\nelif b:\n    y = 2\n    # trailing\nelse:\n    z = 3\n    # trailing\n"
	m := parseAST(t, src)
	body := m.AST().Body
	if len(body) != 1 {
		t.Fatalf("got %s", stmtTree(m, body))
	}
	top := body[0]
	elif := top.Orelse()[0]
	for _, c := range []struct {
		s    *Stmt
		want string
	}{{top, "z = 3"}, {elif, "z = 3"}, {top.Body()[0], "x = 1"}} {
		if got := src[:c.s.End]; !strings.HasSuffix(got, c.want) {
			t.Errorf("%s@%d ends after %q, want after %q", c.s.Kind, c.s.Start, got[max(0, len(got)-10):], c.want)
		}
	}
	if elif.Start != uint32(strings.Index(src, "elif")) {
		t.Errorf("elif starts at %d", elif.Start)
	}
}

// TestASTDefs checks the lookup of a function's statements from the
// model's Function and that decorated definitions keep their decorators in
// their range.
func TestASTDefs(t *testing.T) {
	src := "@d\ndef f():\n    return 1\n\nclass C:\n    @property\n    def g(self):\n        def h():\n            pass\n        return h\n"
	m := parseAST(t, src)
	var got []string
	for _, f := range m.Functions {
		def := m.AST().Def(f.Node)
		if def == nil || def.Kind != StmtDef || m.NodeText(def.Name()) != f.Name {
			t.Fatalf("%s: Def = %+v", f.Name, def)
		}
		got = append(got, f.Name+":"+stmtTree(m, m.FuncBody(f)))
	}
	want := "f:Return@3(value=1) g:Def@8(name=h){Pass@9}; Return@10(value=h) h:Pass@9"
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
	if d := m.AST().Defs; len(d) != 4 || d[0].Start != 0 || d[0].Node.StartByte() != 3 {
		t.Errorf("Defs = %d, first at %d (node at %d)", len(d), d[0].Start, d[0].Node.StartByte())
	}
	if m.AST().Def(m.Root) != nil || m.FuncBody(nil) != nil {
		t.Error("Def of a node that is not a definition")
	}
}

// TestASTInspect checks Inspect's order and that a false return skips a
// statement's nested ones.
func TestASTInspect(t *testing.T) {
	src := "try:\n    a\nexcept E:\n    b\nelse:\n    c\nfinally:\n    d\ndef f():\n    e\ng\n"
	m := parseAST(t, src)
	var got []string
	Inspect(m.AST().Body, func(s *Stmt) bool {
		got = append(got, s.Kind.String()+m.NodeText(s.Value()))
		return s.Kind != StmtDef
	})
	if want := "Try Expra ExceptE Exprb Exprc Exprd Def Exprg"; strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
	if n := m.AST().Len; n != 9 {
		t.Errorf("Len = %d, want 9", n)
	}
}

// TestASTConcurrent builds a module's statements from several goroutines
// at once; all get the same tree (run with -race to check the build is
// synchronised).
func TestASTConcurrent(t *testing.T) {
	m := parseAST(t, "if a:\n    b = 1\nfor x in y:\n    pass\n")
	got := make([]*AST, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			got[i] = m.AST()
			_ = stmtTree(m, got[i].Body)
		}(i)
	}
	wg.Wait()
	for _, a := range got {
		if a != got[0] || a == nil {
			t.Fatal("goroutines got different trees")
		}
	}
}

// BenchmarkASTDjango reports, over Django's source, the time to parse
// every file (python.Parse) and the time to build the statement trees of
// the parsed modules, one after the other in one run.
// Run with: go test -run '^$' -bench ASTDjango -benchtime 3x ./parsers/python/
func BenchmarkASTDjango(b *testing.B) {
	var files []*source.File
	_ = filepath.WalkDir(djangoSource, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".py") {
			if data, err := os.ReadFile(p); err == nil {
				files = append(files, source.NewFile(p, data))
			}
		}
		return nil
	})
	if len(files) == 0 {
		b.Skip("python3-django is not installed (run .ci/install-deps)")
	}
	var parse, build time.Duration
	stmts := 0
	for i := 0; i < b.N; i++ {
		mods := make([]*Module, len(files))
		start := time.Now()
		for j, f := range files {
			m, err := Parse(f)
			if err != nil {
				b.Fatal(err)
			}
			mods[j] = m
		}
		parse += time.Since(start)
		start = time.Now()
		stmts = 0
		for _, m := range mods {
			stmts += m.AST().Len
		}
		build += time.Since(start)
	}
	b.ReportMetric(float64(parse.Milliseconds())/float64(b.N), "parse-ms")
	b.ReportMetric(float64(build.Milliseconds())/float64(b.N), "ast-ms")
	b.ReportMetric(100*float64(build)/float64(parse), "ast-%-of-parse")
	b.ReportMetric(float64(stmts), "stmts")
}
