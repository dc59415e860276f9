package apachemodel

import (
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/apache"
	"github.com/djleak/djleak/parsers/source"
)

// What the model knows of httpd's `Include` and `IncludeOptional` (each
// point checked against httpd 2.4):
//   - a relative path is relative to ServerRoot, never to the including
//     file;
//   - a glob's matches are read in name order, a directory's files too;
//   - `Include` of a file that does not exist, or of a glob that matches
//     nothing, is a configuration error; `IncludeOptional` skips both;
//   - an include that reaches itself is an error after 128 levels.
//
// In a project, the ServerRoot is the directory of the main configuration
// (apache2.conf, httpd.conf) — its parent when that directory is conf/ as
// in the official image and on Red Hat — and the directory above
// sites-*/, conf-*/, mods-*/ and conf.d/ for a file that is included by
// none. Absolute paths under the ServerRoot written in the file, or under
// /etc/apache2, /etc/httpd and /usr/local/apache2, map onto it.

// maxIncludeDepth bounds nested includes as httpd does.
const maxIncludeDepth = 128

// IncludeProblem is an `Include` that djleak cannot follow.
type IncludeProblem struct {
	File *File
	D    *apache.Directive
	Msg  string
}

// Loader reads the files an include names.
type Loader interface {
	// Glob returns the project-relative files a slash-separated pattern
	// (relative to the project) matches, sorted; a directory stands for
	// the files under it.
	Glob(pattern string) []string
	// Load returns the parsed file, or nil when it cannot be read.
	Load(rel string) *File
	// HTAccess lists the project's .htaccess files, sorted.
	HTAccess() []string
}

// MapLoader is a Loader over files in memory (tests, the oracle).
type MapLoader map[string]*File

func (m MapLoader) Glob(pattern string) []string {
	var out []string
	for rel := range m {
		if ok, _ := path.Match(pattern, rel); ok || strings.HasPrefix(rel, strings.TrimSuffix(pattern, "/")+"/") {
			out = append(out, rel)
		}
	}
	sort.Strings(out)
	return out
}

func (m MapLoader) Load(rel string) *File { return m[rel] }

func (m MapLoader) HTAccess() []string { return htaccessOf(m) }

func htaccessOf(files map[string]*File) []string {
	var out []string
	for rel, f := range files {
		if f != nil && path.Base(rel) == ".htaccess" {
			out = append(out, rel)
		}
	}
	sort.Strings(out)
	return out
}

// own records f as the file of body's directives, sections' bodies
// included.
func (t *tree) own(f *File, body []*apache.Directive) {
	for _, d := range body {
		if _, ok := t.owner[d]; !ok {
			t.owner[d] = f
		}
		t.own(f, d.Body)
	}
}

// projectLoader reads a project's httpd files, and files an include names
// that discovery did not take for httpd configuration (a module's .load
// file, a ports.conf with only Listen lines).
type projectLoader struct {
	p     *analyzer.Project
	files map[string]*File
}

func (l *projectLoader) Glob(pattern string) []string { return l.p.Glob(pattern, true) }

func (l *projectLoader) HTAccess() []string { return htaccessOf(l.files) }

func (l *projectLoader) Load(rel string) *File {
	if f, ok := l.files[rel]; ok {
		return f
	}
	var f *File
	if data := l.p.ReadConfig(rel); data != nil {
		f = &File{Src: source.NewFile(rel, data), Parsed: apache.ParseNamed(rel, data)}
	}
	l.files[rel] = f
	return f
}

// tree is one main configuration with its includes expanded.
type tree struct {
	entry    *File
	root     string // the ServerRoot's project directory ("." for the top)
	rootAbs  string // ServerRoot as written, "" when unset
	loader   Loader
	owner    map[*apache.Directive]*File
	problems []IncludeProblem
	reached  map[string]bool
	// conds are the conditions of the containers djleak cannot decide
	// that hold a directive (see cond.go)
	conds map[*apache.Directive][]string
	state *condState // what the main configuration loaded and defined
}

// serverRoot guesses the project directory that stands for the ServerRoot
// of an entry file.
func serverRoot(f *File) (dir, written string) {
	for _, d := range f.Parsed.Directives {
		if d.Is("ServerRoot") {
			written = path.Clean(d.Arg(0))
		}
	}
	dir = path.Dir(f.Src.Path)
	switch path.Base(dir) {
	case "conf", "sites-enabled", "sites-available", "conf-enabled", "conf-available", "mods-enabled", "mods-available", "conf.d", "conf.modules.d":
		dir = path.Dir(dir)
	}
	if written != "" && path.Base(path.Dir(f.Src.Path)) == path.Base(written) {
		dir = path.Dir(f.Src.Path)
	}
	return dir, written
}

var knownRoots = []string{"/etc/apache2", "/etc/httpd", "/usr/local/apache2"}

// target maps an include's path onto the project; ok is false for a path
// outside it.
func (t *tree) target(p string) (string, bool) {
	p = path.Clean(p)
	if path.IsAbs(p) {
		roots := knownRoots
		if t.rootAbs != "" {
			roots = append([]string{t.rootAbs}, roots...)
		}
		mapped := false
		for _, r := range roots {
			if p == r || strings.HasPrefix(p, r+"/") {
				p, mapped = strings.TrimPrefix(strings.TrimPrefix(p, r), "/"), true
				break
			}
		}
		if !mapped {
			return "", false
		}
		if p == "" {
			p = "."
		}
	}
	return path.Clean(path.Join(t.root, p)), true
}

// expand returns body with every Include replaced by the included files'
// directives; sections that hold an include are copied.
func (t *tree) expand(f *File, body []*apache.Directive, stack []string) []*apache.Directive {
	var out []*apache.Directive
	for _, d := range body {
		t.owner[d] = f
		switch {
		case d.Section:
			inner := t.expand(f, d.Body, stack)
			if !slices.Equal(inner, d.Body) {
				c := *d
				c.Body = inner
				t.owner[&c] = f
				d = &c
			}
			out = append(out, d)
		case d.Is("Include") || d.Is("IncludeOptional"):
			out = append(out, t.include(f, d, stack)...)
		default:
			out = append(out, d)
		}
	}
	return out
}

func (t *tree) include(f *File, d *apache.Directive, stack []string) []*apache.Directive {
	optional := d.Is("IncludeOptional")
	arg := d.Arg(0)
	if arg == "" {
		t.problems = append(t.problems, IncludeProblem{f, d, "`" + d.Name + "` names no file"})
		return nil
	}
	rel, ok := t.target(arg)
	if !ok {
		if !optional {
			t.problems = append(t.problems, IncludeProblem{f, d, "`" + d.Name + " " + arg + "` is outside the project, so djleak cannot see what it configures"})
		}
		return nil
	}
	matches := t.loader.Glob(rel)
	if len(matches) == 0 {
		if !optional {
			what := "names a file that is not in the project"
			if strings.ContainsAny(arg, "*?[") {
				what = "matches no file in the project"
			}
			t.problems = append(t.problems, IncludeProblem{f, d, "`" + d.Name + " " + arg + "` " + what + " (looked for " + rel + "); httpd refuses to start without it"})
		}
		return nil
	}
	if len(stack) >= maxIncludeDepth {
		return nil
	}
	var out []*apache.Directive
	for _, m := range matches {
		if slices.Contains(stack, m) {
			t.problems = append(t.problems, IncludeProblem{f, d, "`" + d.Name + " " + arg + "` includes " + m + " again inside itself (" + strings.Join(append(stack, m), " → ") + "); httpd stops after 128 levels"})
			continue
		}
		inc := t.loader.Load(m)
		if inc == nil {
			t.problems = append(t.problems, IncludeProblem{f, d, "`" + d.Name + " " + arg + "`: " + m + " cannot be read"})
			continue
		}
		t.reached[m] = true
		out = append(out, t.expand(inc, inc.Parsed.Directives, append(stack, m))...)
	}
	return out
}

// expandTree expands the includes of entry.
func expandTree(entry *File, loader Loader) (*tree, []*apache.Directive) {
	t := &tree{entry: entry, loader: loader, owner: map[*apache.Directive]*File{}, reached: map[string]bool{}, conds: map[*apache.Directive][]string{}}
	t.root, t.rootAbs = serverRoot(entry)
	return t, t.expand(entry, entry.Parsed.Directives, []string{entry.Src.Path})
}

// BuildAll builds every main configuration among files: those no other
// file includes (see analyzer.BuildMain), in path order.
func BuildAll(files []*File, loader Loader) []*Config {
	sort.Slice(files, func(i, j int) bool { return files[i].Src.Path < files[j].Src.Path })
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.Src.Path
	}
	return analyzer.BuildMain(paths,
		func(i int) map[string]bool { t, _ := expandTree(files[i], loader); return t.reached },
		func(i int) (*Config, map[string]bool) { c := BuildTree(files[i], loader); return c, c.tree.reached })
}
