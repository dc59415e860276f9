package nginx

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/djleak/djleak/parsers/source"
)

const (
	// maxFileSize bounds the size of a file read as nginx configuration
	// when Options.MaxFileSize is not set.
	maxFileSize = 16 << 20
	// maxDirectives bounds the directives of one expanded configuration, so
	// that files included many times over (a include b twice, b include c
	// twice, …) cannot blow up exponentially. Includes met past the limit
	// are reported and not expanded.
	maxDirectives = 500_000
	// etcNginx is the usual nginx configuration prefix; absolute include
	// paths under it are looked up in the project like relative ones.
	etcNginx = "/etc/nginx/"
)

// ParseFiles parses the candidate nginx files paths (project-relative,
// slash-separated) of the project rooted at the absolute directory root.
//
// A candidate included, directly or through other files, by another
// candidate is not parsed on its own; every other candidate is a root and
// yields one Config with its includes expanded. Candidates that include
// each other in a cycle with no other root are made roots in path order
// until every candidate belongs to some Config.
//
// ParseFiles does not panic and is safe for concurrent use.
func ParseFiles(root string, paths []string, opts Options) *Set {
	b := newBuilder(root, opts)
	set := &Set{Files: map[string]*source.File{}}
	defer func() {
		for _, c := range set.Configs {
			c.Deployment = opts.Deployment
		}
	}()

	var cands []string
	seen := map[string]bool{}
	vhosts := map[string][]string{} // nginx-proxy vhost.d directory → its files
	for _, p := range paths {
		p = cleanRel(p)
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		if isManifest(p) {
			// A Kubernetes manifest: its ConfigMap entries are the candidates.
			keys, errs := b.manifest(p)
			set.Errors = append(set.Errors, errs...)
			cands = append(cands, keys...)
			continue
		}
		if isVhostSnippet(p) {
			vhosts[path.Dir(p)] = append(vhosts[path.Dir(p)], p)
			continue
		}
		cands = append(cands, p)
	}
	sort.Strings(cands)

	// Expand every candidate as if it were a root, to learn which files
	// each one reaches.
	exps := map[string]*expansion{}
	for _, c := range cands {
		pf, err := b.load(c)
		if err != nil {
			empty := source.NewFile(c, nil)
			set.Errors = append(set.Errors, Error{
				Loc:     empty.Span(0, 0),
				Message: source.ReadProblem(err),
				Kind:    KindRead,
			})
			continue
		}
		exps[c] = b.expand(pf)
	}

	// Roots: candidates no other candidate reaches; then, for cycles, the
	// first candidate in path order not yet covered.
	reachedByOther := map[string]bool{}
	for _, c := range cands {
		if e := exps[c]; e != nil {
			for p := range e.reached {
				if p != c {
					reachedByOther[p] = true
				}
			}
		}
	}
	var roots []string
	covered := map[string]bool{}
	cover := func(c string) {
		roots = append(roots, c)
		covered[c] = true
		for p := range exps[c].reached {
			covered[p] = true
		}
	}
	for _, c := range cands {
		if exps[c] != nil && !reachedByOther[c] {
			cover(c)
		}
	}
	for _, c := range cands {
		if exps[c] != nil && !covered[c] {
			cover(c)
		}
	}
	sort.Strings(roots)

	var rootExps []*expansion
	for _, r := range roots {
		rootExps = append(rootExps, exps[r])
	}
	vdirs := make([]string, 0, len(vhosts))
	for d := range vhosts {
		vdirs = append(vdirs, d)
	}
	sort.Strings(vdirs)
	for _, d := range vdirs {
		rootExps = append(rootExps, b.vhostConfigs(vhosts[d])...)
	}
	used := map[string]bool{} // builder keys of the files in some Config
	for _, e := range rootExps {
		r := e.root.key
		set.Configs = append(set.Configs, e.cfg)
		set.Errors = append(set.Errors, e.errs...)
		used[r] = true
		for k := range e.reached {
			used[k] = true
		}
		for _, f := range e.cfg.Files {
			if !strings.HasPrefix(f.Path, builtinPrefix) {
				set.Files[f.Path] = f
			}
		}
	}
	keys := make([]string, 0, len(used))
	for k := range used {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if pf := b.parsed[k]; pf != nil {
			set.Errors = append(set.Errors, pf.errs...)
			set.LeftOut = append(set.LeftOut, pf.leftOut...)
		}
	}
	sort.SliceStable(set.Configs, func(i, j int) bool { return set.Configs[i].Path < set.Configs[j].Path })
	set.Errors = sortErrors(set.Errors)
	set.LeftOut = sortLeftOut(set.LeftOut)
	return set
}

// Merge joins the sets of several deployments into one: configurations
// sorted by path, then deployment; files and errors of all.
func Merge(sets ...*Set) *Set {
	out := &Set{Files: map[string]*source.File{}}
	for _, s := range sets {
		out.Configs = append(out.Configs, s.Configs...)
		out.Errors = append(out.Errors, s.Errors...)
		out.LeftOut = append(out.LeftOut, s.LeftOut...)
		for p, f := range s.Files {
			if out.Files[p] == nil {
				out.Files[p] = f
			}
		}
	}
	sort.SliceStable(out.Configs, func(i, j int) bool {
		a, b := out.Configs[i], out.Configs[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Entry != b.Entry {
			return a.Entry < b.Entry
		}
		return a.Deployment < b.Deployment
	})
	out.Errors = sortErrors(out.Errors)
	out.LeftOut = sortLeftOut(out.LeftOut)
	return out
}

// sortLeftOut orders left-out branches by location and drops duplicates
// (a file in several deployments).
func sortLeftOut(ls []LeftOut) []LeftOut {
	sort.SliceStable(ls, func(i, j int) bool { return ls[i].Loc.Less(ls[j].Loc) })
	return slices.Compact(ls)
}

// sortErrors orders errors by location, then message, and drops duplicates
// (a file included by several roots is reported once).
func sortErrors(errs []Error) []Error {
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i], errs[j]
		if a.Loc != b.Loc {
			return a.Loc.Less(b.Loc)
		}
		if a.Message != b.Message {
			return a.Message < b.Message
		}
		return a.Kind < b.Kind
	})
	out := errs[:0]
	for i, e := range errs {
		if i > 0 && e == errs[i-1] {
			continue
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// builder reads and parses files for one ParseFiles call. Each file is read
// and parsed at most once.
type builder struct {
	root       string
	fsys       fs.FS // the project under root (os.DirFS(root) by default)
	overlay    map[string][]byte
	extraBases []string
	mounts     []Mount
	parsed     map[string]*parsedFile // real and built-in files, by path (or ConfigMap entry key)
	loadErr    map[string]error
	maxSize    int64
	// entries holds the ConfigMap entries of manifests by manifest path,
	// for includes between entries of one ConfigMap.
	entries map[string][]*parsedFile
}

func newBuilder(root string, opts Options) *builder {
	b := &builder{
		root:    root,
		overlay: map[string][]byte{},
		parsed:  map[string]*parsedFile{},
		loadErr: map[string]error{},
		maxSize: opts.MaxFileSize,
		entries: map[string][]*parsedFile{},
		mounts:  opts.Mounts,
		fsys:    opts.FS,
	}
	if b.fsys == nil && root != "" {
		b.fsys = os.DirFS(root)
	}
	if b.maxSize <= 0 {
		b.maxSize = maxFileSize
	}
	// Overlay keys are cleaned; on a clash after cleaning the
	// lexicographically first original key wins, for determinism.
	keys := make([]string, 0, len(opts.Overlay))
	for k := range opts.Overlay {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if c := cleanRel(k); c != "" {
			if _, dup := b.overlay[c]; !dup {
				b.overlay[c] = opts.Overlay[k]
			}
		}
	}
	for _, r := range opts.Roots {
		if filepath.IsAbs(r) {
			rel, err := filepath.Rel(root, r)
			if err != nil {
				continue
			}
			r = rel
		}
		r = filepath.ToSlash(r)
		if r == "" {
			r = "."
		}
		r = path.Clean(r)
		if r == "." || fs.ValidPath(r) {
			b.extraBases = append(b.extraBases, r)
		}
	}
	return b
}

// tooLarge is the error for a file over the size limit.
func (b *builder) tooLarge() error {
	return errors.New("larger than the " + source.FormatSize(b.maxSize) + " limit (max-file-size)")
}

// cleanRel normalises a project-relative path; it returns "" for a path
// that is empty, absolute or outside the project.
func cleanRel(p string) string {
	p = path.Clean(filepath.ToSlash(p))
	if p == "." || !fs.ValidPath(p) {
		return ""
	}
	return p
}

// isFile reports whether rel names a regular file in the overlay or on disk.
func (b *builder) isFile(rel string) bool {
	if rel == "." || !fs.ValidPath(rel) {
		return false
	}
	if _, ok := b.overlay[rel]; ok {
		return true
	}
	if b.root == "" {
		return false
	}
	info, err := fs.Stat(b.fsys, rel)
	return err == nil && info.Mode().IsRegular()
}

// load reads and parses a real file (once).
func (b *builder) load(rel string) (*parsedFile, error) {
	if pf := b.parsed[rel]; pf != nil {
		return pf, nil
	}
	if err := b.loadErr[rel]; err != nil {
		return nil, err
	}
	content, err := b.read(rel)
	if err != nil {
		b.loadErr[rel] = err
		return nil, err
	}
	pf := parseFile(source.NewFile(rel, content))
	b.parsed[rel] = pf
	return pf, nil
}

// read returns a file's content from the overlay or the disk.
func (b *builder) read(rel string) ([]byte, error) {
	if rel == "." || !fs.ValidPath(rel) {
		return nil, &fs.PathError{Op: "open", Path: rel, Err: fs.ErrInvalid}
	}
	if c, ok := b.overlay[rel]; ok {
		if int64(len(c)) > b.maxSize {
			return nil, b.tooLarge()
		}
		return c, nil
	}
	if b.root == "" {
		return nil, &fs.PathError{Op: "open", Path: rel, Err: fs.ErrNotExist}
	}
	info, err := fs.Stat(b.fsys, rel)
	if err != nil {
		return nil, relPathError(err, rel)
	}
	if !info.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	if info.Size() > b.maxSize {
		return nil, b.tooLarge()
	}
	content, err := fs.ReadFile(b.fsys, rel)
	if err != nil {
		return nil, relPathError(err, rel)
	}
	return content, nil
}

// relPathError rewrites the path of an *fs.PathError to the project-relative
// one, so messages do not depend on where the project is checked out.
func relPathError(err error, rel string) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &fs.PathError{Op: pe.Op, Path: rel, Err: pe.Err}
	}
	return err
}

// builtin returns the parsed built-in file name.
func (b *builder) builtin(name string) *parsedFile {
	p := builtinPrefix + name
	if pf := b.parsed[p]; pf != nil {
		return pf
	}
	content, _ := builtinContent(name)
	pf := parseFile(source.NewFile(p, []byte(content)))
	b.parsed[p] = pf
	return pf
}

// glob expands a project-relative pattern against the overlay and the disk.
// Like glob(3), which nginx uses, a wildcard does not match a leading '.'
// of a name; only regular files are returned, sorted.
func (b *builder) glob(pattern string) []string {
	if pattern == "." || !fs.ValidPath(pattern) {
		return nil
	}
	if _, err := path.Match(pattern, ""); err != nil {
		return nil // malformed pattern
	}
	found := map[string]bool{}
	for k := range b.overlay {
		if ok, _ := path.Match(pattern, k); ok && visible(pattern, k) {
			found[k] = true
		}
	}
	if b.root != "" {
		matches, _ := fs.Glob(b.fsys, pattern)
		for _, m := range matches {
			if visible(pattern, m) && b.isFile(m) {
				found[m] = true
			}
		}
	}
	out := make([]string, 0, len(found))
	for m := range found {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// visible applies glob(3)'s rule for hidden names: a path element starting
// with '.' only matches a pattern element that starts with '.'.
func visible(pattern, name string) bool {
	pe := strings.Split(pattern, "/")
	ne := strings.Split(name, "/")
	if len(pe) != len(ne) {
		return true
	}
	for i := range ne {
		if strings.HasPrefix(ne[i], ".") && !strings.HasPrefix(pe[i], ".") {
			return false
		}
	}
	return true
}

// escapeMeta quotes the glob metacharacters of a literal path.
func escapeMeta(p string) string {
	var sb strings.Builder
	for _, r := range p {
		if strings.ContainsRune(`*?[\`, r) {
			sb.WriteByte('\\')
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// hasMagic reports whether an include path is a glob pattern.
func hasMagic(p string) bool { return strings.ContainsAny(p, "*?[") }

// expansion builds one root's Config.
type expansion struct {
	b       *builder
	bases   []string // directories relative includes are resolved against
	cfg     *Config
	inCfg   map[string]bool // files already listed in cfg.Files
	reached map[string]bool // real files included (transitively)
	active  map[string]bool // files being expanded, for cycle detection
	errs    []Error
	count   int // directives built
	root    *parsedFile
}

// expand builds the Config rooted at pf.
func (b *builder) expand(pf *parsedFile) *expansion {
	rootPath := pf.file.Path
	e := &expansion{
		b:       b,
		bases:   b.bases(rootPath),
		cfg:     &Config{Path: rootPath, Entry: entryName(pf), Files: []*source.File{pf.file}},
		inCfg:   map[string]bool{rootPath: true},
		reached: map[string]bool{},
		active:  map[string]bool{pf.key: true},
		root:    pf,
	}
	e.cfg.Directives = e.instantiate(pf, nil)
	return e
}

// bases lists the directories against which relative include paths of the
// root file rootPath are resolved: its directory, that directory's parent,
// then the configured extra roots.
func (b *builder) bases(rootPath string) []string {
	dir := path.Dir(rootPath)
	out := []string{dir}
	if dir != "." {
		out = append(out, path.Dir(dir))
	}
	for _, r := range b.extraBases {
		dup := false
		for _, o := range out {
			dup = dup || o == r
		}
		if !dup {
			out = append(out, r)
		}
	}
	return out
}

// instantiate builds Directives for the top level of pf.
func (e *expansion) instantiate(pf *parsedFile, parent *Directive) []*Directive {
	out := make([]*Directive, 0, len(pf.nodes))
	for _, n := range pf.nodes {
		out = append(out, e.build(n, pf.file, parent))
	}
	return out
}

// build makes the Directive for n and its children, expanding includes.
func (e *expansion) build(n *node, f *source.File, parent *Directive) *Directive {
	e.count++
	d := &Directive{
		Name:      n.name,
		IsBlock:   n.isBlock,
		Comment:   n.comment,
		comment:   n.isComment,
		Loc:       n.loc,
		File:      f,
		Condition: n.cond,
		Parent:    parent,
	}
	if len(n.args) > 0 {
		d.Args = append([]string(nil), n.args...)
	}
	if n.isBlock {
		d.Block = make([]*Directive, 0, len(n.block))
		for _, c := range n.block {
			d.Block = append(d.Block, e.build(c, f, d))
		}
	}
	if d.Name == "include" {
		e.include(d)
	}
	return d
}

// include resolves and expands an include directive.
func (e *expansion) include(d *Directive) {
	if len(d.Args) != 1 {
		e.report(d, KindSyntax, `invalid number of arguments in "include" directive`)
		if len(d.Args) == 0 {
			return
		}
	}
	if e.count > maxDirectives {
		e.report(d, KindInclude, fmt.Sprintf("include not expanded: the configuration has more than %d directives", maxDirectives))
		return
	}
	arg := d.Args[0]
	for _, t := range e.resolve(d, arg) {
		var pf *parsedFile
		if t.entry != nil {
			pf = t.entry
		} else if t.builtin {
			pf = e.b.builtin(t.path)
		} else {
			var err error
			if pf, err = e.b.load(t.path); err != nil {
				d.Missing = true
				e.report(d, KindInclude, fmt.Sprintf("cannot read included file %q: %v", t.path, err))
				continue
			}
		}
		p, k := pf.file.Path, pf.key
		if e.active[k] {
			e.report(d, KindInclude, fmt.Sprintf("include cycle: %q is already being included", entryOrPath(pf)))
			continue
		}
		if !e.inCfg[p] {
			e.inCfg[p] = true
			e.cfg.Files = append(e.cfg.Files, pf.file)
		}
		if !t.builtin {
			e.reached[k] = true
		}
		e.active[k] = true
		d.Included = append(d.Included, e.instantiate(pf, d)...)
		delete(e.active, k)
	}
}

// target is one file an include resolves to: a project-relative path, or
// the name of a built-in file.
type target struct {
	path    string
	builtin bool
	entry   *parsedFile // an entry of the same ConfigMap
}

// resolve finds the files an include argument names. A glob matching
// nothing resolves to nothing; a plain path that is not found marks d
// Missing and reports it.
func (e *expansion) resolve(d *Directive, arg string) []target {
	if ts, ok := e.resolveEntry(d, arg); ok {
		return ts
	}
	if ts, ok := e.resolveMount(d, arg); ok {
		return ts
	}
	rel, ok := "", true
	switch {
	case arg == "":
		ok = false
	case strings.HasPrefix(arg, "/"):
		clean := path.Clean(arg)
		if strings.HasPrefix(clean+"/", etcNginx) && clean+"/" != etcNginx {
			rel = strings.TrimPrefix(clean, etcNginx)
		} else {
			ok = false // absolute path outside /etc/nginx: not in the project
		}
	default:
		rel = path.Clean(arg)
	}

	var tried []string
	if ok {
		for _, base := range e.bases {
			p := path.Join(base, rel)
			if p == "." || !fs.ValidPath(p) {
				continue // outside the project
			}
			if hasMagic(arg) {
				// The base is a literal directory: escape its metacharacters.
				if ms := e.b.glob(path.Join(escapeMeta(base), rel)); len(ms) > 0 {
					out := make([]target, len(ms))
					for i, m := range ms {
						out[i] = target{path: m}
					}
					return out
				}
				continue
			}
			tried = append(tried, p)
			if e.b.isFile(p) {
				return []target{{path: p}}
			}
		}
		if _, isBuiltin := builtinContent(rel); isBuiltin && !hasMagic(arg) {
			return []target{{path: rel, builtin: true}}
		}
	}
	if hasMagic(arg) {
		return nil // nginx accepts a pattern that matches nothing
	}
	d.Missing = true
	msg := fmt.Sprintf("included file %q not found in the project", arg)
	if len(tried) > 0 {
		msg += " (looked for " + strings.Join(tried, ", ") + ")"
	}
	e.report(d, KindInclude, msg)
	return nil
}

// resolveMount resolves an include through the deployment's mounts: an
// absolute path, or a relative one taken from /etc/nginx, under a mount
// target. ok is false when no mount covers the path; a covered path that
// names no file is missing (the deployment mounts nothing there).
func (e *expansion) resolveMount(d *Directive, arg string) ([]target, bool) {
	if len(e.b.mounts) == 0 || arg == "" {
		return nil, false
	}
	abs := arg
	if !strings.HasPrefix(abs, "/") {
		abs = etcNginx + arg
	}
	abs = path.Clean(abs)
	var best *Mount
	for i, m := range e.b.mounts {
		if (abs == m.Target || strings.HasPrefix(abs, m.Target+"/")) && (best == nil || len(m.Target) > len(best.Target)) {
			best = &e.b.mounts[i]
		}
	}
	if best == nil {
		return nil, false
	}
	rel := best.Source + strings.TrimPrefix(abs, best.Target)
	if abs != best.Target {
		rel += best.Suffix
	}
	if rel = cleanRel(rel); rel == "" {
		return nil, false
	}
	if hasMagic(arg) {
		found := map[string]bool{}
		for _, m := range e.b.glob(escapeMeta(path.Dir(rel)) + "/" + path.Base(rel)) {
			found[m] = true
		}
		// Files mounted one by one where the pattern matches
		// (./site:/etc/nginx/conf.d/site.conf for conf.d/*.conf).
		for _, m := range e.b.mounts {
			if ok, _ := path.Match(abs, m.Target); ok && e.b.isFile(m.Source) {
				found[m.Source] = true
			}
		}
		// Sorted by project path (nginx sorts by the mounted names; the
		// order only matters for directives that repeat).
		var out []target
		for m := range found {
			out = append(out, target{path: m})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
		return out, true
	}
	if e.b.isFile(rel) {
		return []target{{path: rel}}, true
	}
	return nil, false
}

// report records an error at directive d.
func (e *expansion) report(d *Directive, kind, msg string) {
	e.errs = append(e.errs, Error{Loc: d.Loc, Message: msg, Kind: kind})
}
