package python

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/djleak/djleak/parsers/source"
)

// cpythonStmts prints, for each path read from stdin, a line "path<TAB>"
// followed by the file's statements as `Kind@line` in the order of
// Inspect, using the names of StmtKind. A file CPython cannot parse gets
// "SyntaxError" instead.
const cpythonStmts = `
import ast, sys

names = {"FunctionDef": "Def", "AsyncFunctionDef": "Def async", "ClassDef": "Class",
         "AsyncFor": "For async", "AsyncWith": "With async", "TryStar": "Try*",
         "Delete": "Delete"}

def walk(stmts, out, star=False):
    for s in stmts:
        if isinstance(s, ast.ExceptHandler):
            out.append("Except%s@%d-%d" % ("*" if star else "", s.lineno, s.end_lineno))
            walk(s.body, out)
            continue
        if isinstance(s, ast.match_case):
            out.append("Case@%d-%d" % (s.pattern.lineno, s.body[-1].end_lineno))
            walk(s.body, out)
            continue
        kind = type(s).__name__
        out.append("%s@%d-%d" % (names.get(kind, kind), s.lineno, s.end_lineno))
        walk(getattr(s, "body", []), out)
        walk(getattr(s, "handlers", []), out, kind == "TryStar")
        walk(getattr(s, "cases", []), out)
        walk(getattr(s, "orelse", []), out)
        walk(getattr(s, "finalbody", []), out)

for path in sys.stdin.read().split("\n"):
    if not path:
        continue
    with open(path, "rb") as f:
        src = f.read()
    try:
        tree = ast.parse(src, path)
    except SyntaxError:
        print(path + "\tSyntaxError")
        continue
    out = []
    walk(tree.body, out)
    print(path + "\t" + "; ".join(out))
`

// goStmts renders m's statements like cpythonStmts. The line of a Def or
// Class is that of its def or class keyword, as in CPython.
func goStmts(m *Module) string {
	var out []string
	line := func(off uint32) string { return strconv.Itoa(m.File.Pos(int(off)).Line) }
	Inspect(m.AST().Body, func(s *Stmt) bool {
		k := s.Kind.String()
		if s.Async {
			k += " async"
		}
		if s.Star {
			k += "*"
		}
		start, end := s.Start, s.End
		switch s.Kind {
		case StmtDef, StmtClass:
			start = s.Node.StartByte()
		}
		out = append(out, k+"@"+line(start)+"-"+line(end))
		return true
	})
	return strings.Join(out, "; ")
}

// TestASTMatchesCPython checks, for every file of Debian's Django source,
// that the statement tree has the statements CPython's ast module finds,
// with the same kinds, start and end lines, in the same order.
func TestASTMatchesCPython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 is required in CI (.ci/install-deps installs python3-django)")
		}
		t.Skip("python3 is not installed")
	}
	var paths []string
	err = filepath.WalkDir(djangoSource, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".py") {
			paths = append(paths, p)
		}
		return err
	})
	if err != nil || len(paths) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("Django's source is required in CI (.ci/install-deps installs python3-django): %v", err)
		}
		t.Skipf("no Django source at %s: %v", djangoSource, err)
	}
	if testing.Short() && len(paths) > 200 {
		// A sample spread over the whole tree.
		sample := paths[:0:0]
		for i := 0; i < 200; i++ {
			sample = append(sample, paths[i*len(paths)/200])
		}
		paths = sample
	}
	cmd := exec.Command(python, "-c", cpythonStmts)
	cmd.Stdin = strings.NewReader(strings.Join(paths, "\n"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, stderr.String())
	}
	want := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(outb))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		p, stmts, _ := strings.Cut(sc.Text(), "\t")
		want[p] = stmts
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	compared, stmts, failed := 0, 0, 0
	for _, p := range paths {
		w, ok := want[p]
		if !ok {
			t.Fatalf("%s: no answer from python3", p)
		}
		if w == "SyntaxError" {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(source.NewFile(p, data))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		got := goStmts(m)
		compared++
		stmts += m.AST().Len
		if got != w {
			failed++
			if failed <= 5 {
				g, wf := strings.Split(got, "; "), strings.Split(w, "; ")
				i := 0
				for i < len(g) && i < len(wf) && g[i] == wf[i] {
					i++
				}
				t.Errorf("%s: statement %d differs: got %s, CPython %s", p, i, at(g, i), at(wf, i))
			}
		}
	}
	t.Logf("%d files, %d statements compared; %d differ", compared, stmts, failed)
	if compared == 0 {
		t.Fatal("no file compared")
	}
}

func at(s []string, i int) string {
	if i < len(s) {
		return strings.Join(s[i:min(i+3, len(s))], "; ")
	}
	return "(end)"
}
