package rules

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// proxyPackage reports whether an import path is a front end's own
// package: its model (analyzer/ngxmodel, analyzer/haproxymodel, any
// analyzer/*model) or its parser (parsers/nginx, parsers/haproxy, any
// parser other than Python's and the shared source positions).
func proxyPackage(path string) bool {
	const mod = "github.com/djleak/djleak/"
	if !strings.HasPrefix(path, mod) {
		return false
	}
	p := strings.TrimPrefix(path, mod)
	if strings.HasPrefix(p, "parsers/") {
		switch strings.SplitN(strings.TrimPrefix(p, "parsers/"), "/", 2)[0] {
		case "python", "source":
			return false
		}
		return true
	}
	// A front end's model: analyzer/ngxmodel, analyzer/haproxymodel, …
	if strings.HasPrefix(p, "analyzer/") {
		return strings.HasSuffix(strings.SplitN(strings.TrimPrefix(p, "analyzer/"), "/", 2)[0], "model")
	}
	return false
}

// TestDjangoRulesImportNoProxy: the Django-side rules (rules/djl*.go) and
// every package-level helper they use, transitively, import no front end's
// own package: they read the servers in front only through
// analyzer/frontend, so adding a front end touches no Django rule.
func TestDjangoRulesImportNoProxy(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	parsed := map[string]*ast.File{}
	declIn := map[string]string{} // package-level name → file
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		af, err := parser.ParseFile(fset, f, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed[f] = af
		for _, d := range af.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.Name != "init" {
					declIn[d.Name.Name] = f
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.ValueSpec:
						for _, n := range s.Names {
							declIn[n.Name] = f
						}
					case *ast.TypeSpec:
						declIn[s.Name.Name] = f
					}
				}
			}
		}
	}
	// uses lists the files whose package-level declarations f refers to.
	// Identifiers the parser resolves inside the file are local; selectors
	// and composite-literal keys name fields, not declarations.
	uses := func(f string) []string {
		skip := map[*ast.Ident]bool{}
		seen := map[string]bool{}
		ast.Inspect(parsed[f], func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				skip[n.Sel] = true
			case *ast.KeyValueExpr:
				if id, ok := n.Key.(*ast.Ident); ok {
					skip[id] = true
				}
			case *ast.Ident:
				if skip[n] || n.Obj != nil {
					return true
				}
				if g, ok := declIn[n.Name]; ok && g != f {
					seen[g] = true
				}
			}
			return true
		})
		var out []string
		for g := range seen {
			out = append(out, g)
		}
		sort.Strings(out)
		return out
	}
	via := map[string]string{}
	var queue []string
	for f := range parsed {
		if strings.HasPrefix(f, "djl") {
			via[f] = ""
			queue = append(queue, f)
		}
	}
	sort.Strings(queue)
	if len(queue) < 20 {
		t.Fatalf("found %d djl*.go files, want the Django rules", len(queue))
	}
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		for _, g := range uses(f) {
			if _, ok := via[g]; !ok {
				via[g] = f
				queue = append(queue, g)
			}
		}
	}
	var checked []string
	for f := range via {
		checked = append(checked, f)
	}
	sort.Strings(checked)
	for _, f := range checked {
		for _, im := range parsed[f].Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if !proxyPackage(p) {
				continue
			}
			chain := f
			for g := via[f]; g != ""; g = via[g] {
				chain = g + " → " + chain
			}
			t.Errorf("%s imports %s (used by %s): Django-side rules must read the front end through analyzer/frontend only", f, p, chain)
		}
	}
	t.Logf("%d files checked: %s", len(checked), strings.Join(checked, " "))
}

func TestProxyPackage(t *testing.T) {
	for p, want := range map[string]bool{
		"github.com/djleak/djleak/analyzer/ngxmodel":             true,
		"github.com/djleak/djleak/analyzer/haproxymodel":         true,
		"github.com/djleak/djleak/analyzer/caddymodel/caddytest": true,
		"github.com/djleak/djleak/parsers/caddy":                 true,
		"github.com/djleak/djleak/parsers/nginx":                 true,
		"github.com/djleak/djleak/parsers/apache":                true,
		"github.com/djleak/djleak/parsers/haproxy/x":             true,
		"github.com/djleak/djleak/parsers/python":                false,
		"github.com/djleak/djleak/parsers/source":                false,
		"github.com/djleak/djleak/analyzer/frontend":             false,
		"github.com/djleak/djleak/analyzer/identity":             false,
		"github.com/djleak/djleak/analyzer/settings":             false,
		"github.com/smacker/go-tree-sitter":                      false,
		"github.com/djleak/djleak/analyzer/ngxmodelx":            false,
		"github.com/djleak/djleak/analyzer/modelling":            false,
	} {
		if got := proxyPackage(p); got != want {
			t.Errorf("proxyPackage(%q) = %v, want %v", p, got, want)
		}
	}
}
