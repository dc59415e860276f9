package python

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/djleak/djleak/parsers/source"
)

var encodeSamples = []string{
	"",
	"x = 1\n",
	"def f(a, *b, **c):\n    return a(b)[c]\n",
	"class A(B):\n    @d\n    def m(self): ...\n",
	"x = ]]] ((( def\n",
	"f'{a!r:>{w}}' 'b' rb'c'\n",
	"é = '😀'; print(é)\n",
	strings.Repeat("(", 300) + strings.Repeat(")", 300),
	"f(" + strings.Repeat("a, ", 70000) + ")\n",
}

// roundTrip parses src, encodes the tree and builds the module again from
// the encoding: the nodes must be the parse's, node for node, and so the
// module built on them.
func roundTrip(t testing.TB, name string, src []byte) (nodes, size int) {
	t.Helper()
	f := source.NewFile(name, src)
	m, err := Parse(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	data := EncodeTree(m)
	got, err := ParseEncoded(f, data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if !reflect.DeepEqual(got.nodes, m.nodes) {
		for i := range m.nodes {
			if i >= len(got.nodes) || got.nodes[i] != m.nodes[i] {
				t.Fatalf("%s: node %d: got %+v, parsed %+v", name, i, got.nodes[min(i, len(got.nodes)-1)], m.nodes[i])
			}
		}
		t.Fatalf("%s: %d nodes, parsed %d", name, len(got.nodes), len(m.nodes))
	}
	if len(got.Functions) != len(m.Functions) || len(got.Calls) != len(m.Calls) || len(got.Assigns) != len(m.Assigns) ||
		len(got.Imports) != len(m.Imports) || !reflect.DeepEqual(got.Errors, m.Errors) {
		t.Fatalf("%s: the module built from the encoding differs", name)
	}
	return len(m.nodes), len(data)
}

// TestEncodeTreeRoundTrip: every sample and, when installed, every file of
// Django's source comes back node for node.
func TestEncodeTreeRoundTrip(t *testing.T) {
	for _, s := range encodeSamples {
		roundTrip(t, "sample.py", []byte(s))
	}
	if _, err := os.Stat(djangoSource); err != nil {
		t.Logf("python3-django is not installed; round-tripped the samples only")
		return
	}
	files, nodes, size, text := 0, 0, 0, 0
	err := filepath.WalkDir(djangoSource, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".py") {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n, s := roundTrip(t, p, src)
		files, nodes, size, text = files+1, nodes+n, size+s, text+len(src)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d Django files, %d nodes: %d bytes encoded for %d bytes of source (%.1f bytes a node)", files, nodes, size, text, float64(size)/float64(nodes))
}

// Damaged encodings are errors: every truncation, and a byte changed at
// each position, either fails or gives a tree that passes every check.
func TestParseEncodedDamage(t *testing.T) {
	src := []byte("def f(a):\n    if a:\n        return g(a, b=[1, 2])\n    raise X\n")
	f := source.NewFile("d.py", src)
	m, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	data := EncodeTree(m)
	for i := 0; i < len(data); i++ {
		if _, err := ParseEncoded(f, data[:i]); err == nil {
			t.Fatalf("truncated to %d of %d bytes: no error", i, len(data))
		}
		bad := append([]byte(nil), data...)
		bad[i] ^= 0x5a
		if got, err := ParseEncoded(f, bad); err == nil {
			walkAll(got.Root)
		}
	}
	if _, err := ParseEncoded(source.NewFile("d.py", append(src, ' ')), data); err == nil {
		t.Errorf("an encoding read back for other content: no error")
	}
}

// walkAll visits every node through the navigation methods.
func walkAll(n *Node) {
	for i := 0; i < int(n.ChildCount()); i++ {
		c := n.Child(i)
		_ = c.Type()
		_ = c.Parent()
		walkAll(c)
	}
}

// FuzzParseEncoded: arbitrary bytes never make ParseEncoded panic, and what
// it accepts can be walked.
func FuzzParseEncoded(f *testing.F) {
	src := []byte("x = f(1)\nclass A:\n    pass\n")
	m, err := Parse(source.NewFile("z.py", src))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(EncodeTree(m))
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, err := ParseEncoded(source.NewFile("z.py", src), data); err == nil {
			walkAll(got.Root)
		}
	})
}
