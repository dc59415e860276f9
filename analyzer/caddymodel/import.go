package caddymodel

import (
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/caddy"
	"github.com/djleak/djleak/parsers/source"
)

// What the model knows of Caddy's `import` (each point checked with
// `caddy adapt`):
//   - `import NAME args…` of a snippet `(NAME) { … }` inserts its body,
//     with {args.N} filled in; a snippet of an imported file counts too;
//   - any other `import PATH` reads a file or glob relative to the
//     directory of the file that holds the import; outside a site it adds
//     the file's sites and snippets, inside one it inserts the file's lines
//     there;
//   - a file that is not there is an error, a glob that matches nothing is
//     not; an import that reaches itself is an error (a cycle).
//
// An absolute path under /etc/caddy (the official image's and Debian's
// configuration directory) maps onto the main Caddyfile's directory.

// maxImportDepth bounds nested imports.
const maxImportDepth = 32

// ImportProblem is an `import` djleak cannot follow.
type ImportProblem struct {
	File *File
	D    *caddy.Directive
	Msg  string
}

// Loader reads the files an import names.
type Loader interface {
	// Glob returns the project-relative files a slash-separated pattern
	// (relative to the project) matches, sorted.
	Glob(pattern string) []string
	// Load returns the parsed file, or nil when it cannot be read.
	Load(rel string) *File
}

// MapLoader is a Loader over files in memory (tests, the oracle).
type MapLoader map[string]*File

func (m MapLoader) Glob(pattern string) []string {
	var out []string
	for rel := range m {
		if ok, _ := path.Match(pattern, rel); ok {
			out = append(out, rel)
		}
	}
	sort.Strings(out)
	return out
}

func (m MapLoader) Load(rel string) *File { return m[rel] }

// projectLoader reads the project's Caddyfiles, and files an import names
// that discovery did not take for Caddyfiles.
type projectLoader struct {
	p     *analyzer.Project
	files map[string]*File
}

func (l *projectLoader) Glob(pattern string) []string { return l.p.Glob(pattern, false) }

func (l *projectLoader) Load(rel string) *File {
	if f, ok := l.files[rel]; ok {
		return f
	}
	var f *File
	if data := l.p.ReadConfig(rel); data != nil {
		f = &File{Src: source.NewFile(rel, data), Parsed: caddy.ParseNamed(rel, data)}
	}
	l.files[rel] = f
	return f
}

type snippet struct {
	file *File
	d    *caddy.Directive
}

// importer expands one main Caddyfile's imports.
type importer struct {
	loader   Loader
	root     string // the main Caddyfile's directory
	owner    map[*caddy.Directive]*File
	snippets map[string]*snippet
	problems []ImportProblem
	reached  map[string]bool
	copies   map[string]*File
	// originals are the files as loaded, by path: problems name them, so
	// that a file two main Caddyfiles import has the same problems in both
	originals map[string]*File
}

func (im *importer) problem(f *File, d *caddy.Directive, msg string) {
	if o := im.originals[f.Src.Path]; o != nil {
		f = o
	}
	im.problems = append(im.problems, ImportProblem{f, d, msg})
}

// adopt returns the config's own copy of f, whose At resolves directives
// of every file of the config.
func (im *importer) adopt(f *File) *File {
	if im.copies == nil {
		im.copies, im.originals = map[string]*File{}, map[string]*File{}
		im.root = path.Dir(f.Src.Path)
	}
	if c := im.copies[f.Src.Path]; c != nil {
		return c
	}
	im.originals[f.Src.Path] = f
	c := &File{Src: f.Src, Parsed: f.Parsed, owner: im.owner}
	im.copies[f.Src.Path] = c
	var own func(ds []*caddy.Directive)
	own = func(ds []*caddy.Directive) {
		for _, d := range ds {
			if _, ok := im.owner[d]; !ok {
				im.owner[d] = c
			}
			own(d.Body)
		}
	}
	own(f.Parsed.Top)
	return c
}

// target maps an import's path onto the project.
func (im *importer) target(from *File, p string) (string, bool) {
	if path.IsAbs(p) {
		rel, ok := strings.CutPrefix(path.Clean(p), "/etc/caddy/")
		if !ok {
			return "", false
		}
		return path.Join(im.root, rel), true
	}
	return path.Join(path.Dir(from.Src.Path), p), true
}

// files resolves an import of a file or glob from file f; nil when it
// names nothing djleak can read, which is then recorded.
func (im *importer) files(f *File, d *caddy.Directive, stack []string) []*File {
	arg := d.Arg(0)
	rel, ok := im.target(f, arg)
	if !ok {
		im.problem(f, d, "`import "+arg+"` is outside the project, so djleak cannot see what it configures")
		return nil
	}
	matches := im.loader.Glob(rel)
	if len(matches) == 0 {
		if !strings.ContainsAny(arg, "*?[") {
			im.problem(f, d, "`import "+arg+"` names neither a snippet nor a file in the project (looked for "+rel+"); Caddy refuses to start without it")
		}
		return nil
	}
	if len(stack) >= maxImportDepth {
		return nil
	}
	var out []*File
	for _, m := range matches {
		if slices.Contains(stack, m) {
			im.problem(f, d, "`import "+arg+"` imports "+m+" again inside itself ("+strings.Join(append(stack, m), " → ")+"); Caddy refuses a cycle of imports")
			continue
		}
		g := im.loader.Load(m)
		if g == nil {
			im.problem(f, d, "`import "+arg+"`: "+m+" cannot be read")
			continue
		}
		im.reached[m] = true
		out = append(out, im.adopt(g))
	}
	return out
}

// collect returns f and the files its top-level imports bring in, in
// order, and registers every snippet they define.
func (im *importer) collect(f *File, stack []string) []*File {
	for name, d := range f.Parsed.Snippets {
		if _, ok := im.snippets[name]; !ok {
			im.snippets[name] = &snippet{f, d}
		}
	}
	out := []*File{f}
	for _, d := range f.Parsed.Imports {
		for _, g := range im.files(f, d, stack) {
			out = append(out, im.collect(g, append(stack, g.Src.Path))...)
		}
	}
	return out
}

// expand replaces every `import` in a body of file f: a snippet's body
// with {args.N} filled in, or an imported file's lines.
func (im *importer) expand(f *File, body []*caddy.Directive, args []string, stack []string) []*caddy.Directive {
	var out []*caddy.Directive
	for _, d := range body {
		if d.Name() == "import" && len(stack) < maxImportDepth {
			if sn := im.snippets[d.Arg(0)]; sn != nil {
				out = append(out, im.expand(sn.file, sn.d.Body, d.Args()[1:], append(stack, "("+d.Arg(0)+")"))...)
				continue
			}
			if strings.HasPrefix(d.Arg(0), "(") || d.Arg(0) == "" {
				out = append(out, d)
				continue
			}
			for _, g := range im.files(f, d, stack) {
				out = append(out, im.expand(g, g.Parsed.Top, d.Args()[1:], append(stack, g.Src.Path))...)
			}
			continue
		}
		if len(args) > 0 {
			d = im.substitute(d, args)
		}
		if len(d.Body) > 0 {
			// imports inside a handler's block (reverse_proxy { import … })
			if body := im.expand(f, d.Body, nil, stack); !slices.Equal(body, d.Body) {
				c := *d
				c.Body = body
				if o := im.owner[d]; o != nil {
					im.owner[&c] = o
				}
				d = &c
			}
		}
		out = append(out, d)
	}
	return out
}

// BuildAll builds every main Caddyfile among files: those no other file
// imports (see analyzer.BuildMain), in path order.
func BuildAll(files []*File, loader Loader) []*Config {
	sort.Slice(files, func(i, j int) bool { return files[i].Src.Path < files[j].Src.Path })
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.Src.Path
	}
	build := func(i int) (*Config, map[string]bool) { c := BuildTree(files[i], loader); return c, c.tree.reached }
	return analyzer.BuildMain(paths, func(i int) map[string]bool { _, r := build(i); return r }, build)
}
