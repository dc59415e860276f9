// Package analyzertest runs rules on projects written as txtar archives.
package analyzertest

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/driver"
)

// Write materialises an archive in a fresh temporary directory and returns
// the directory.
func Write(t testing.TB, archive string) string {
	t.Helper()
	a := txtar.Parse([]byte(strings.TrimLeft(archive, "\n")))
	if len(a.Files) == 0 {
		t.Fatalf("archive has no files")
	}
	files := map[string][]byte{}
	for _, f := range a.Files {
		files[f.Name] = f.Data
	}
	return writeAll(t, files)
}

// WriteFiles writes files (slash-separated relative path → content) in a
// fresh temporary directory and returns the directory.
func WriteFiles(t testing.TB, files map[string]string) string {
	t.Helper()
	data := map[string][]byte{}
	for name, text := range files {
		data[name] = []byte(text)
	}
	return writeAll(t, data)
}

func writeAll(t testing.TB, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Load loads the archive as a project from memory (analyzer.MemFS),
// rooted at a directory that exists nowhere on disk: a pass that reads a
// file behind the project's back, rather than through its file system,
// finds nothing.
func Load(t testing.TB, archive string) *analyzer.Project {
	t.Helper()
	return LoadWith(t, archive, driver.Options{})
}

// LoadWith is Load with options (Paths, Root and FS are set by it).
func LoadWith(t testing.TB, archive string, opts driver.Options) *analyzer.Project {
	t.Helper()
	opts.FS, opts.Root = Memory(t, archive)
	opts.Paths = []string{opts.Root}
	p, err := driver.Load(opts)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return p
}

// LoadDir loads the directory dir from disk as the project, with opts'
// other fields.
func LoadDir(t testing.TB, dir string, opts driver.Options) *analyzer.Project {
	t.Helper()
	opts.Paths, opts.Root = []string{dir}, dir
	p, err := driver.Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// MemRoot is where Memory puts an archive's files.
const MemRoot = "/djleak-memory-project"

// Memory returns the archive's files as an in-memory file system and the
// project root they are under.
func Memory(t testing.TB, archive string) (analyzer.FS, string) {
	t.Helper()
	a := txtar.Parse([]byte(strings.TrimLeft(archive, "\n")))
	if len(a.Files) == 0 {
		t.Fatalf("archive has no files")
	}
	files := map[string][]byte{}
	for _, f := range a.Files {
		files[filepath.Join(MemRoot, filepath.FromSlash(f.Name))] = f.Data
	}
	return analyzer.NewMemFS(files), MemRoot
}

// Run loads the archive from memory (see Load) and runs the rules on it,
// reporting unused suppressions, and returns the findings a user sees:
// those no suppression comment covers. It loads as the command line does, parsing Python only
// when the rules require it, so a rule that reads Project.Python without
// requiring analyzer.PythonModules finds nothing.
func Run(t testing.TB, archive string, rules ...*analyzer.Rule) []*analyzer.Finding {
	t.Helper()
	p := LoadWith(t, archive, driver.Options{ParseOnDemand: true})
	fs, err := analyzer.RunWith(p, rules, analyzer.RunOptions{ReportUnused: true})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	var out []*analyzer.Finding
	for _, f := range fs {
		if f.Suppressed == nil {
			out = append(out, f)
		}
	}
	return out
}

// Brief renders findings as "ID path:line:col message" lines for messages.
func Brief(fs []*analyzer.Finding) string {
	var lines []string
	for _, f := range fs {
		lines = append(lines, fmt.Sprintf("%s %s:%d:%d %s", f.RuleID, f.Location.Path, f.Location.Start.Line, f.Location.Start.Column, f.Message))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// Want is one expected finding from a fixture's header: "want ID path:line".
type Want struct {
	Rule string
	Path string
	Line int
}

func (w Want) String() string { return fmt.Sprintf("%s %s:%d", w.Rule, w.Path, w.Line) }

// ParseHeader reads a fixture archive's comment: lines "rules: ID ID…"
// (the rules the fixture exercises) and "want: ID path:line" (each expected
// finding of those rules). Other comment lines are free text.
func ParseHeader(comment []byte) (rules []string, wants []Want, err error) {
	for _, line := range strings.Split(string(comment), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "rules:"):
			rules = append(rules, strings.Fields(strings.TrimPrefix(line, "rules:"))...)
		case strings.HasPrefix(line, "want:"):
			var w Want
			f := strings.Fields(strings.TrimPrefix(line, "want:"))
			if len(f) != 2 {
				return nil, nil, fmt.Errorf("bad want line %q", line)
			}
			w.Rule = f[0]
			i := strings.LastIndexByte(f[1], ':')
			if i < 0 {
				return nil, nil, fmt.Errorf("bad want location %q", f[1])
			}
			w.Path = f[1][:i]
			if _, err := fmt.Sscanf(f[1][i+1:], "%d", &w.Line); err != nil {
				return nil, nil, fmt.Errorf("bad want line number in %q", line)
			}
			wants = append(wants, w)
		}
	}
	return rules, wants, nil
}
