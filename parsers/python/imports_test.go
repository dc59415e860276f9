package python

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const treeSitterModule = "github.com/smacker/go-tree-sitter"

// TestTreeSitterStaysInThisPackage fails when a Go file outside
// parsers/python imports go-tree-sitter: the rest of djleak reads Python
// through *python.Node.
func TestTreeSitterStaysInThisPackage(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	own := filepath.Join(root, "parsers", "python")
	files, ownImports := 0, 0
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "testdata", "vendor":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		files++
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				return err
			}
			if path != treeSitterModule && !strings.HasPrefix(path, treeSitterModule+"/") {
				continue
			}
			if filepath.Dir(p) == own {
				ownImports++
				continue
			}
			rel, _ := filepath.Rel(root, p)
			t.Errorf("%s:%d imports %s: only parsers/python may; use *python.Node", filepath.ToSlash(rel), fset.Position(imp.Pos()).Line, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The walk must have seen this package's own imports, or it checked
	// nothing.
	if ownImports == 0 {
		t.Fatalf("walked %d files under %s but found parsers/python's own go-tree-sitter imports nowhere", files, root)
	}
}
