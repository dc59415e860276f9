package analyzer

import (
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/djleak/djleak/parsers/source"
)

// Language is a configuration format that discovery, project loading and
// the editor integration learn from a registration instead of knowing it:
// nginx (registered by this package, parsed as a set because includes
// cross files), HAProxy, Apache httpd, Caddy and app-server configs, whose
// packages register them in init and read their parsed files back with
// [Project.Configs].
type Language struct {
	// Name is how messages and `--verbose` name the format ("haproxy").
	Name string
	// Match reports whether the project-relative path rel holds this
	// format. content reads the file's first bytes lazily (nil when it
	// cannot be read); a matcher that sniffs content should look at the
	// name first so that most files are never opened.
	Match func(rel string, content func() []byte) bool
	// Parse builds the format's model of one file. It must not panic and
	// must not fail: problems belong inside the model, where the format's
	// syntax-error rule reports them.
	Parse func(f *source.File) any
	// Deploy, when set, tells which Compose services run the format's
	// files, so that each file's routes carry their deployment (see
	// Project.DeploymentOf).
	Deploy *Deploy
	// Claim, when set, is asked before any language's Match: a file it
	// claims is of this language whatever else would match (nginx.conf
	// anywhere, a Kubernetes manifest with nginx ConfigMaps).
	Claim func(rel string, content func() []byte) bool
	// Last makes Match be asked after every other language's (nginx, whose
	// conf.d/ and sites-enabled/ directories other servers share).
	Last bool
	// Named, when set, takes a file named on the command line or opened
	// in an editor as this language by its name alone, when nothing
	// matches its content (nginx: *.conf, *.conf.template).
	Named func(rel string) bool
	// Watch are glob patterns ("**/*.cfg*") of the files that may be of
	// this language, for an editor's file watchers.
	Watch []string
	// set is true for a language whose files project loading parses
	// together, as one set (nginx); Parse is then not used.
	set bool

	kind Kind
}

// Kind is the file kind the language's files are classified as.
func (l *Language) Kind() Kind { return l.kind }

// firstLanguageKind is the Kind of the first registered language.
const firstLanguageKind Kind = 100

var (
	languagesMu sync.Mutex
	languages   []*Language
)

// RegisterLanguage adds a configuration format; call it from init.
func RegisterLanguage(l *Language) *Language {
	languagesMu.Lock()
	defer languagesMu.Unlock()
	k := firstLanguageKind
	for _, o := range languages {
		if o.kind >= k {
			k = o.kind + 1 // nginx keeps its own kind below
		}
	}
	return registerLocked(l, k)
}

func registerLocked(l *Language, k Kind) *Language {
	for _, o := range languages {
		if o.Name == l.Name {
			panic("analyzer: language " + l.Name + " registered twice")
		}
	}
	l.kind = k
	languages = append(languages, l)
	return l
}

// registeredLanguages lists the languages in registration order.
func registeredLanguages() []*Language {
	languagesMu.Lock()
	defer languagesMu.Unlock()
	return append([]*Language(nil), languages...)
}

// languageOf returns the registered language of kind k, or nil.
func languageOf(k Kind) *Language {
	languagesMu.Lock()
	defer languagesMu.Unlock()
	for _, l := range languages {
		if l.kind == k {
			return l
		}
	}
	return nil
}

// claimLanguage returns the kind of the first language whose Claim takes
// the file, or KindUnknown.
func claimLanguage(rel string, content func() []byte) Kind {
	for _, l := range registeredLanguages() {
		if l.Claim != nil && l.Claim(rel, content) {
			return l.kind
		}
	}
	return KindUnknown
}

// classifyLanguage returns the kind of the first registered language that
// matches (those marked Last after the others), or KindUnknown.
func classifyLanguage(rel string, content func() []byte) Kind {
	ls := registeredLanguages()
	for _, last := range []bool{false, true} {
		for _, l := range ls {
			if l.Last == last && l.Match(rel, content) {
				return l.kind
			}
		}
	}
	return KindUnknown
}

// NamedKind is the kind of a file named on the command line or opened in
// an editor that Classify does not recognise, by its name alone (a
// language's Named); KindUnknown when none takes it.
func NamedKind(rel string) Kind {
	for _, l := range registeredLanguages() {
		if l.Named != nil && l.Named(rel) {
			return l.kind
		}
	}
	return KindUnknown
}

// WatchPatterns are the registered languages' Watch globs, in
// registration order.
func WatchPatterns() []string {
	var out []string
	for _, l := range registeredLanguages() {
		out = append(out, l.Watch...)
	}
	return out
}

// parsedAsSet reports whether files of kind k are parsed together by
// project loading instead of one by one.
func parsedAsSet(k Kind) bool {
	l := languageOf(k)
	return l != nil && l.set
}

// ConfigFile is one parsed file of a registered language.
type ConfigFile struct {
	File  *source.File
	Model any
}

// Configs returns the project's files of language l with their models,
// sorted by path (the order of Files).
func (p *Project) Configs(l *Language) []ConfigFile { return p.configs[l.kind] }

// FS is the file system the project was read from (Inputs.FS): a pass
// that reads files besides the project's own goes through it.
func (p *Project) FS() FS { return fsOf(p.fs) }

// Canonical returns the project-relative path of the file a symbolic link
// at rel points to, when it is in the project; else rel.
func (p *Project) Canonical(rel string) string {
	full := filepath.Join(p.Root, filepath.FromSlash(rel))
	fsys := p.FS()
	info, err := fsys.Lstat(full)
	if err != nil || info.Mode()&fs.ModeSymlink == 0 {
		return rel
	}
	root, err := fsys.EvalSymlinks(p.Root)
	if err != nil {
		root = p.Root
	}
	target, err := fsys.EvalSymlinks(full)
	if err != nil {
		return rel
	}
	r, err := filepath.Rel(root, target)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return rel
	}
	return filepath.ToSlash(r)
}

// LinksToLoaded reports whether rel is a symbolic link to another file
// the project loaded (sites-enabled/ into sites-available/): a front end
// judges the file once, at its own path.
func (p *Project) LinksToLoaded(rel string) bool {
	c := p.Canonical(rel)
	return c != rel && p.File(c) != nil
}

// Glob returns the project's regular files that a slash-separated pattern
// relative to the project root matches, sorted; with dirs, a matched
// directory stands for every file under it (httpd's Include). A symbolic
// link to a project file stands for that file (Debian's sites-enabled/
// links into sites-available/). Files that discovery loaded from editor
// buffers count too. A front end's include directives resolve through it.
func (p *Project) Glob(pattern string, dirs bool) []string {
	fsys := p.FS()
	matches := Glob(fsys, filepath.Join(p.Root, filepath.FromSlash(pattern)))
	seen := map[string]bool{}
	var out []string
	add := func(full string) {
		rel, err := filepath.Rel(p.Root, full)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return
		}
		if rel = p.Canonical(filepath.ToSlash(rel)); !seen[rel] {
			seen[rel] = true
			out = append(out, rel)
		}
	}
	for _, m := range matches {
		info, err := fsys.Stat(m)
		switch {
		case err != nil:
		case info.IsDir() && dirs:
			WalkFS(fsys, m, func(path string, d fs.DirEntry, err error) error {
				if err == nil && d.Type().IsRegular() {
					add(path)
				}
				return nil
			})
		case info.Mode().IsRegular():
			add(m)
		}
	}
	for rel := range p.byPath {
		if ok, _ := path.Match(pattern, rel); ok {
			add(filepath.Join(p.Root, filepath.FromSlash(rel)))
		}
	}
	sort.Strings(out)
	return out
}

// ReadConfig returns a project file's content for a front end's include
// directive: the text discovery loaded (an editor buffer included), else
// the file on disk within the size limit; nil when it cannot be read.
func (p *Project) ReadConfig(rel string) []byte {
	if f := p.File(rel); f != nil {
		return f.Content
	}
	data, err := readLimited(p.FS(), filepath.Join(p.Root, filepath.FromSlash(rel)), p.Config.FileSizeLimit())
	if err != nil {
		return nil
	}
	return data
}

// BuildMain builds the main configurations of a front end whose files
// include others (httpd's Include, Caddy's import). paths are the files,
// sorted; reach(i) returns the files that file i includes, directly or
// not; build(i) builds file i with its includes. A main file is one that
// no other file includes; a file reachable only through an include cycle
// is built on its own too, so none is left out. The result is in path
// order.
func BuildMain[C any](paths []string, reach func(i int) map[string]bool, build func(i int) (C, map[string]bool)) []C {
	included := map[string]bool{}
	for i, p := range paths {
		for rel := range reach(i) {
			if rel != p {
				included[rel] = true
			}
		}
	}
	var out []C
	done := map[string]bool{}
	for pass := 0; pass < 2; pass++ {
		for i, p := range paths {
			if done[p] || pass == 0 && included[p] {
				continue
			}
			c, reached := build(i)
			done[p] = true
			for rel := range reached {
				done[rel] = true
			}
			out = append(out, c)
		}
	}
	return out
}
