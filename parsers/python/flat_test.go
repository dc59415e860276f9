package python

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sitter "github.com/smacker/go-tree-sitter"
	tspython "github.com/smacker/go-tree-sitter/python"
)

// compareTrees checks that the flat tree of src has the shape and answers
// of go-tree-sitter's tree for the same source, node by node. It returns
// the number of nodes compared.
func compareTrees(t testing.TB, name string, src []byte) int {
	t.Helper()
	loadLanguage()
	p := sitter.NewParser()
	defer p.Close()
	p.SetLanguage(tspython.GetLanguage())
	tree, err := p.ParseCtx(context.Background(), nil, src)
	if err != nil {
		t.Fatalf("%s: go-tree-sitter: %v", name, err)
	}
	defer tree.Close()
	nodes, err := parseFlat(src)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	key := func(n *sitter.Node) string {
		if n == nil {
			return "nil"
		}
		return fmt.Sprintf("%s[%d,%d)", n.Type(), n.StartByte(), n.EndByte())
	}
	fkey := func(n *Node) string {
		if n == nil {
			return "nil"
		}
		return fmt.Sprintf("%s[%d,%d)", n.Type(), n.StartByte(), n.EndByte())
	}
	count, failed := 0, 0
	fail := func(format string, args ...any) {
		failed++
		if failed <= 10 {
			t.Errorf(name+": "+format, args...)
		}
	}
	var visit func(s *sitter.Node, f *Node, field string, parent *sitter.Node, idx int)
	visit = func(s *sitter.Node, f *Node, field string, parent *sitter.Node, idx int) {
		count++
		if key(s) != fkey(f) {
			fail("node %s, flat %s", key(s), fkey(f))
			return
		}
		if s.IsNamed() != f.IsNamed() || s.IsMissing() != f.IsMissing() || s.IsExtra() != f.IsExtra() ||
			s.IsError() != f.IsError() || s.HasError() != f.HasError() || uint16(s.Symbol()) != f.Symbol() {
			fail("%s: flags differ", key(s))
		}
		if field != f.FieldName() {
			fail("%s: field %q, flat %q", key(s), field, f.FieldName())
		}
		// Neighbours are compared with the parent's child list: tree-sitter
		// finds a node's parent by position, which for a zero-width node at
		// the end of a sibling (a MISSING string_end) is that sibling.
		var sib []*sitter.Node
		if parent != nil {
			for i := 0; i < int(parent.ChildCount()); i++ {
				sib = append(sib, parent.Child(i))
			}
		}
		at := func(i int) *sitter.Node {
			if i < 0 || i >= len(sib) {
				return nil
			}
			return sib[i]
		}
		namedFrom := func(i, step int) *sitter.Node {
			for ; i >= 0 && i < len(sib); i += step {
				if sib[i].IsNamed() {
					return sib[i]
				}
			}
			return nil
		}
		if key(parent) != fkey(f.Parent()) || key(at(idx+1)) != fkey(f.NextSibling()) ||
			key(at(idx-1)) != fkey(f.PrevSibling()) || key(namedFrom(idx+1, 1)) != fkey(f.NextNamedSibling()) ||
			key(namedFrom(idx-1, -1)) != fkey(f.PrevNamedSibling()) {
			fail("%s: neighbours differ", key(s))
		}
		if s.StartByte() < s.EndByte() && key(s.Parent()) != fkey(f.Parent()) {
			fail("%s: parent %s, flat %s", key(s), key(s.Parent()), fkey(f.Parent()))
		}
		if s.ChildCount() != f.ChildCount() || s.NamedChildCount() != f.NamedChildCount() {
			fail("%s: %d/%d children, flat %d/%d", key(s), s.ChildCount(), s.NamedChildCount(), f.ChildCount(), f.NamedChildCount())
			return
		}
		for i := 0; i < int(s.NamedChildCount()); i++ {
			if key(s.NamedChild(i)) != fkey(f.NamedChild(i)) {
				fail("%s: named child %d differs", key(s), i)
			}
		}
		fields := map[string]bool{}
		for i := 0; i < int(s.ChildCount()); i++ {
			if fn := s.FieldNameForChild(i); fn != "" {
				fields[fn] = true
			}
			if fn := f.FieldNameForChild(i); fn != "" {
				fields[fn] = true
			}
		}
		for fn := range fields {
			if key(s.ChildByFieldName(fn)) != fkey(f.ChildByFieldName(fn)) {
				fail("%s: field %s is %s, flat %s", key(s), fn, key(s.ChildByFieldName(fn)), fkey(f.ChildByFieldName(fn)))
			}
		}
		// The children, with their fields as tree-sitter's cursor reports them.
		// The nodes come from Child: the binding's cursor looks its current
		// node up in a cache keyed by subtree, which can return another node
		// sharing that subtree.
		c := sitter.NewTreeCursor(s)
		defer c.Close()
		fc := NewCursor(f)
		step := func(i int) bool {
			if i == 0 {
				return fc.GoToFirstChild()
			}
			return fc.GoToNextSibling()
		}
		i := 0
		for ok := c.GoToFirstChild(); ok; ok = c.GoToNextSibling() {
			if !step(i) {
				fail("%s: flat cursor ends early", key(s))
				return
			}
			if fkey(fc.CurrentNode()) != fkey(f.Child(i)) {
				fail("%s: flat cursor and Child(%d) differ", key(s), i)
			}
			visit(s.Child(i), f.Child(i), c.CurrentFieldName(), s, i)
			i++
		}
		if step(i) {
			fail("%s: flat cursor has more children", key(s))
		}
		if i > 0 && (!fc.GoToParent() || fc.CurrentNode() != f || fc.GoToParent() || fc.GoToNextSibling()) {
			fail("%s: flat cursor does not stop at its starting node", key(s))
		}
	}
	visit(tree.RootNode(), &nodes[0], "", nil, 0)
	if count != len(nodes) {
		fail("%d nodes, flat %d", count, len(nodes))
	}
	return count
}

// TestFlatTreeMatchesTreeSitter compares the flat tree with go-tree-sitter's
// on the fixtures, on inputs with syntax errors, extras and deep nesting,
// and on a sample of Django's source when it is installed.
func TestFlatTreeMatchesTreeSitter(t *testing.T) {
	for _, f := range fixtures(t) {
		compareTrees(t, f.Path, f.Content)
	}
	for i, src := range []string{
		"",
		"\n",
		"x = (1,\n",
		"def f(:\n  pass\n",
		"if x:\n# c\n  y = \\\n  1  # d\n",
		"class C(B, metaclass=M):\n  @d\n  async def m(self, *a, k=1, **kw) -> int: return a[1:2]\n",
		"match x:\n  case {'a': [1, *r]} if r: pass\n  case _: pass\n",
		"f'{a!r:>{w}}' 'b' rb'c'\n",
		"x = ]]] ((( def\n",
		strings.Repeat("(", 2000) + strings.Repeat(")", 2000),
		strings.Repeat("[", 300) + "1" + strings.Repeat("]", 299),
		"é = '😀'; print(é)\n",
	} {
		compareTrees(t, fmt.Sprintf("input %d", i), []byte(src))
	}
	if _, err := os.Stat(djangoSource); err != nil {
		t.Logf("python3-django is not installed; compared the fixtures only")
		return
	}
	seen, files, nodes := 0, 0, 0
	err := filepath.WalkDir(djangoSource, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".py") {
			return err
		}
		// Every node is compared through per-node calls into go-tree-sitter,
		// so a sample of the files is compared: one file in 100.
		seen++
		if seen%100 != 1 {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		nodes += compareTrees(t, p, src)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d of %d Django files, %d nodes compared", files, seen, nodes)
}

// TestFlatSaturatedCounts checks the child counts of a node with more
// children than a stored count holds: they are counted, and indexing past
// the saturation point still reaches each child.
func TestFlatSaturatedCounts(t *testing.T) {
	const elems = countSaturated + 1000
	src := []byte("x = [" + strings.Repeat("1,", elems) + "]\n")
	nodes, err := parseFlat(src)
	if err != nil {
		t.Fatal(err)
	}
	var list *Node
	for i := range nodes {
		if nodes[i].Type() == "list" {
			list = &nodes[i]
			break
		}
	}
	if list == nil {
		t.Fatal("no list node")
	}
	// "[", then elems × (integer ","), then "]".
	if got, want := list.ChildCount(), uint32(2*elems+2); got != want {
		t.Errorf("ChildCount = %d, want %d", got, want)
	}
	if got := list.NamedChildCount(); got != elems {
		t.Errorf("NamedChildCount = %d, want %d", got, elems)
	}
	if c := list.Child(2*elems + 1); c.Type() != "]" {
		t.Errorf("last child is %q, want ]", c.Type())
	}
	if c := list.NamedChild(elems - 1); c.Type() != "integer" || c.StartByte() != uint32(5+2*(elems-1)) {
		t.Errorf("last named child is %q at %d", c.Type(), c.StartByte())
	}
	if c := list.NamedChild(elems); c != nil {
		t.Errorf("named child past the end is %q, want nil", c.Type())
	}
	last := list.Child(2*elems + 1)
	if p := last.PrevSibling(); p.Type() != "," {
		t.Errorf("PrevSibling of ] is %q", p.Type())
	}
	if p := last.PrevNamedSibling(); p.Type() != "integer" {
		t.Errorf("PrevNamedSibling of ] is %q", p.Type())
	}
}
