package driver_test

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

const driverPackage = "github.com/djleak/djleak/analyzer/driver"

// drivers are the directories whose code may load projects: the command
// line (with its language server and map) and the test helpers. Rules and
// passes see only package analyzer, so they cannot reach the disk, the
// caches or the configuration files behind a project's back.
var drivers = []string{"cmd/", "analyzer/analyzertest/"}

// TestOnlyDriversImportTheDriver fails when the code of a rule or pass (a
// non-test file outside drivers) imports this package.
func TestOnlyDriversImportTheDriver(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	allowed := 0
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
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		for _, imp := range f.Imports {
			if path, _ := strconv.Unquote(imp.Path.Value); path != driverPackage {
				continue
			}
			ok := false
			for _, d := range drivers {
				ok = ok || strings.HasPrefix(rel, d)
			}
			if ok {
				allowed++
				continue
			}
			t.Errorf("%s:%d imports the driver: a rule or pass reads the project through package analyzer", rel, fset.Position(imp.Pos()).Line)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The command line loads projects through this package: a walk that
	// saw no such import checked nothing.
	if allowed == 0 {
		t.Fatalf("walked %s but found no driver importing %s", root, driverPackage)
	}
}
