package python

import (
	"testing"
	"unicode/utf8"

	"github.com/djleak/djleak/parsers/source"
)

// FuzzParse checks that Parse never panics and that the model's positions
// stay inside the file, whatever the input.
func FuzzParse(f *testing.F) {
	for _, fx := range fixtures(f) {
		f.Add(fx.Content)
	}
	f.Add([]byte("f'{'"))
	f.Add([]byte("x = '\\"))
	f.Add([]byte("\"%(\" % {}"))
	f.Add([]byte("'{0[}'.format(a)"))
	f.Add([]byte("def f(*, **): pass"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file := source.NewFile("fuzz.py", data)
		m, err := Parse(file)
		if err != nil {
			t.Fatal(err)
		}
		check := func(what string, l source.Location) {
			if l.Start.Offset < 0 || l.End.Offset > len(data) || l.Start.Offset > l.End.Offset {
				t.Fatalf("%s: location %+v outside the file (%d bytes)", what, l, len(data))
			}
		}
		var visit func(e *Expr)
		visit = func(e *Expr) {
			if e == nil {
				return
			}
			check("expr", e.Loc())
			e.Const()
			for _, x := range e.Elems {
				visit(x)
			}
			for _, x := range e.Values {
				visit(x)
			}
			for _, p := range e.Pieces {
				visit(p.Expr)
			}
		}
		for _, c := range m.Calls {
			check("call", c.Loc())
			for _, a := range c.Args() {
				visit(a)
			}
			for _, k := range c.Kwargs() {
				visit(k.Value)
			}
			if m.EnclosingFunction(c.Node) != c.Enclosing {
				t.Fatalf("call %s: EnclosingFunction disagrees with Enclosing", c.Func)
			}
		}
		for _, a := range m.Assigns {
			check("assign", a.Loc)
			visit(a.Value)
		}
		for _, e := range m.Errors {
			check("error", e.Loc)
			if !utf8.ValidString(e.Message) && utf8.Valid(data) {
				t.Fatalf("invalid message %q", e.Message)
			}
		}
	})
}

// FuzzFlatTree checks that the flat tree matches go-tree-sitter's tree
// node by node, whatever the input.
func FuzzFlatTree(f *testing.F) {
	for _, fx := range fixtures(f) {
		f.Add(fx.Content)
	}
	f.Add([]byte("x = (1,\n"))
	f.Add([]byte("def f(:\n  pass\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		compareTrees(t, "fuzz.py", data)
	})
}
