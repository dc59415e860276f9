package python

import (
	"testing"

	"github.com/djleak/djleak/parsers/source"
)

// FuzzAST checks, whatever the input, that building the statement tree
// does not panic, that every statement lies inside the file and inside
// the statement holding it, that the statements of a list are in source
// order, and that every statement node of the syntax tree is in the
// statement tree exactly once.
func FuzzAST(f *testing.F) {
	for _, fx := range fixtures(f) {
		f.Add(fx.Content)
	}
	for _, s := range []string{
		"if a:\n    pass\nelif b:\n    pass\nelse:\n    pass\n",
		"try:\n    pass\nexcept* A as e:\n    pass\nelse:\n    pass\nfinally:\n    pass\n",
		"match x:\n    case [1, *r] if r:\n        pass\n    case _:\n        pass\n",
		"async def f():\n    async for a in b:\n        async with c as d:\n            pass\n",
		"@d\nclass C:\n    x: int = 1\n    def f(self): return (y := 2)\n",
		"print(1))\nfor x in y:\n    pass\n",
		"class C(:\n    def f(self): pass\n",
		"try:\n    pass\nexcept A\n    pass\nfinally:\n    x = 1\n",
		"@d\n", "else:\n  x\n", "if x\n  y = 1\n", "match x:\n    foo bar\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(source.NewFile("fuzz.py", data))
		if err != nil {
			t.Fatal(err)
		}
		a := m.AST()
		_ = stmtTree(m, a.Body) // every part accessor, on every statement
		seen := map[*Node]int{}
		var check func(list []*Stmt, lo, hi uint32)
		check = func(list []*Stmt, lo, hi uint32) {
			prev := lo
			for _, s := range list {
				if s.Start > s.End || s.Start < prev || s.End > hi {
					t.Fatalf("%s [%d,%d) outside [%d,%d) or before %d", s.Kind, s.Start, s.End, lo, hi, prev)
				}
				prev = s.End
				switch s.Kind {
				case StmtBad, StmtExcept, StmtCase:
				case StmtAssign, StmtAugAssign, StmtAnnAssign:
					seen[s.Node.Parent()]++
				default:
					seen[s.Node]++
				}
				if s.Kind == StmtDef || s.Kind == StmtClass {
					if a.Def(s.Node) != s {
						t.Fatalf("Def of %s at %d is not its statement", s.Kind, s.Start)
					}
				}
				check(s.Body(), s.Start, s.End)
				check(s.ast.list(s.handlers), s.Start, s.End)
				check(s.Orelse(), s.Start, s.End)
				check(s.Finalbody(), s.Start, s.End)
			}
		}
		check(a.Body, 0, uint32(len(data)))
		var nodes func(n *Node)
		nodes = func(n *Node) {
			if r := roleOf(n); r == roleStmt || r == roleExprStmt {
				if seen[n] != 1 {
					t.Fatalf("%s [%d,%d) is %d times in the statement tree", n.Type(), n.start, n.end, seen[n])
				}
			}
			for c := n.Child(0); c != nil; c = c.NextSibling() {
				nodes(c)
			}
		}
		nodes(m.Root)
	})
}
