package analyzer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/djleak/djleak/analyzer/facts"
	"github.com/djleak/djleak/parsers/nginx"
	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
	"github.com/djleak/djleak/parsers/template"
)

// Options control loading a project.
type Options struct {
	// Paths are the files and directories given on the command line
	// (absolute or relative to the working directory). Empty means ".".
	Paths []string
	// Root overrides project-root detection.
	Root string
	// Workers is the parser pool size; 0 means GOMAXPROCS.
	Workers int
	// Overlay replaces the on-disk content of files (absolute paths), e.g.
	// an editor's unsaved buffer. An overlay file need not exist on disk.
	Overlay map[string][]byte
	// Cache, when set, reuses Python parses of unchanged files from earlier
	// loads of the same project.
	Cache *ParseCache
	// Disk, when set, reuses the walk and the file contents of earlier
	// loads of the same project while the files on disk keep their stamps
	// (see DiskState).
	Disk *DiskState
	// Carry marks a load as one of a series (an editor's lints): its
	// passes may leave state for the next load that takes over from it
	// (Previous), at the cost of the memory it holds.
	Carry bool
	// Previous, when set, is the last load of the same project: the results
	// of passes whose inputs did not change since are taken from it (see
	// Pass.Reads).
	Previous *Project
	// Facts, when set, keeps per-file facts (FileFact) between runs, keyed
	// by content hash: the command line's on-disk cache. Without it, a
	// Cache's own memory store is used.
	Facts facts.Store
	// LoadConfig, when set, replaces LoadConfig(root): the command line
	// uses it for --config, --isolated and its overrides of the
	// configuration's values.
	LoadConfig func(root string) (*Config, error)
	// FS is the file system the project is read from; nil is the disk (OS).
	// With another (a MemFS) Root must be set (no project-root search
	// happens), it need not exist on disk, and Disk is not used.
	FS FS
	// ParseOnDemand reads Python files but parses them only when a pass
	// needs them (PythonModules): a run of front-end rules alone parses no
	// Python. Until then Project.Python is empty.
	ParseOnDemand bool
}

// Project is a loaded, parsed project.
type Project struct {
	Root string // absolute
	// NoProject is set when no project marker (.djleak.toml, pyproject.toml
	// with [tool.djleak], .git, manage.py) was found above the paths, so
	// Root is just the directory of what was named.
	NoProject bool
	Config    *Config
	Files     []SourceFile // everything discovered, sorted by path

	Python    []*python.Module // sorted by path
	Nginx     *nginx.Set
	Templates []*source.File // sorted by path
	// NotAnalysed lists files and directories that could not be analysed
	// (unreadable, vanished, binary, over the size limit), nginx files
	// included, sorted by path.
	// Rule DJL004 reports them.
	NotAnalysed []NotAnalysed
	// Notes say what discovery skipped and why (FIFOs, sockets, devices,
	// symbolic links to directories), sorted; the command line prints them
	// on standard error.
	Notes []string
	// LeftOut are the branches of configuration templates that were left
	// out of their parse (each also a Note), sorted by location.
	LeftOut []LeftOutBranch
	// Deployments are the nginx deployments of Compose files (see
	// Deployment); their configurations carry the deployment's name.
	Deployments []*Deployment

	byPath  map[string]*source.File
	pyPath  map[string]*python.Module
	configs map[Kind][]ConfigFile // files of registered languages
	// frontDeployments maps the files of languages with a Deploy to the
	// Compose deployment that runs them (see DeploymentOf).
	frontDeployments map[Kind]map[string]string
	// targets restricts reporting to these project-relative paths (files) or
	// prefixes (directories, with a trailing "/"); nil reports everything.
	targets []string

	// hiddenInTests is the number of findings in test code the last run
	// left out.
	hiddenInTests atomic.Int64

	factsMu sync.Mutex
	facts   map[any]*factEntry

	// ctx is the context of the load or run in progress: passes stop
	// starting (Fact) once it is cancelled.
	ctx context.Context
	// disk remembers the files on disk between loads (Options.Disk).
	disk *DiskState
	// fs is the file system the project was read from (Options.FS).
	fs FS
	// reused names the passes taken from Options.Previous.
	reused []string
	// cached names the passes taken from the fact store (Pass.Persist).
	cached []string
	// carriedMu guards carried: what passes leave for the next load
	// (Carried, SetCarried).
	carriedMu sync.Mutex
	carried   map[any]any
	carries   bool
	// store keeps file facts between runs (nil: computed every run).
	store  facts.Store
	hashMu sync.Mutex
	hashes map[*source.File]facts.Hash

	// slots, during a run, holds a token for each worker running a rule
	// (RunContext); a rule waiting for a pass another computes gives its
	// token up (yieldSlot).
	slots chan struct{}
	// allowed, during a run, holds the passes the run's rules require
	// (transitively); nil outside runs.
	allowed map[Requirement]bool
	runs    int

	// deferred holds the Python files read but parsed only on demand
	// (Options.ParseOnDemand), sorted by path, and deferredAt by path;
	// deferOpts the options they are parsed with.
	deferred   []*deferredPython
	deferredAt map[string]*deferredPython
	deferOpts  Options
	pyOnce     sync.Once
	pyErr      error
	pyParsed   atomic.Int64
}

// Module returns the parsed Python module at a project-relative path.
// Under Options.ParseOnDemand it parses that one file on first use, and
// panics, as a pass that needs Python does, when the parser gives up.
func (p *Project) Module(rel string) *python.Module {
	m, err := p.ParsePython(rel)
	if err != nil {
		panic(err)
	}
	return m
}

// File returns a parsed file's content by project-relative path.
func (p *Project) File(rel string) *source.File { return p.byPath[rel] }

// ModuleName is the dotted Python module name for a project-relative path,
// e.g. "mysite/settings/base.py" → "mysite.settings.base".
func ModuleName(rel string) string {
	rel = strings.TrimSuffix(rel, ".py")
	rel = strings.TrimSuffix(rel, "/__init__")
	return strings.ReplaceAll(rel, "/", ".")
}

// InTargets reports whether findings at rel are to be reported.
func (p *Project) InTargets(rel string) bool {
	if p.targets == nil {
		return true
	}
	for _, t := range p.targets {
		if rel == t || (strings.HasSuffix(t, "/") && strings.HasPrefix(rel, t)) {
			return true
		}
	}
	return false
}

// TouchesTargets reports whether a finding concerns the named paths: its
// primary location, or any related or code-flow location, lies in them. A
// partial run (a pre-commit hook naming the changed files, an editor's open
// buffer) thus reports the nginx finding that a new unguarded read in the
// committed middleware causes, although the finding sits in the nginx file.
func (p *Project) TouchesTargets(f *Finding) bool {
	if p.InTargets(f.Location.Path) {
		return true
	}
	for _, r := range f.Related {
		if p.InTargets(r.Location.Path) {
			return true
		}
	}
	for _, s := range f.Flow {
		if p.InTargets(s.Location.Path) {
			return true
		}
	}
	return false
}

// UsageError is a problem with the command line or configuration (exit 2).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Load discovers and parses a project.
func Load(opts Options) (*Project, error) {
	return LoadContext(context.Background(), opts)
}

// LoadContext is Load that stops when ctx is cancelled: discovery checks it
// between directory entries and parsing between files. A cancelled load
// returns ctx's error and no project.
func LoadContext(ctx context.Context, opts Options) (*Project, error) {
	proj, err := discoverProject(ctx, opts)
	if err != nil {
		return nil, err
	}
	if err := proj.parseContext(ctx, opts); err != nil {
		return nil, err
	}
	if opts.Previous != nil {
		proj.inherit(opts.Previous)
	}
	return proj, nil
}

// Discover finds the project root, reads the configuration and lists the
// files to analyse (Project.Files) without reading them.
func Discover(opts Options) (*Project, error) {
	return discoverProject(context.Background(), opts)
}

func discoverProject(ctx context.Context, opts Options) (*Project, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fsys := fsOf(opts.FS)
	if fsys != OS {
		opts.Disk = nil // stamps are the disk's
		if opts.Root == "" {
			return nil, &UsageError{"a project loaded from memory needs its root (Options.Root)"}
		}
	}
	paths := opts.Paths
	if len(paths) == 0 {
		paths = []string{"."}
	}
	var abs []string
	for _, p := range paths {
		a, err := filepath.Abs(p)
		if err != nil {
			return nil, &UsageError{fmt.Sprintf("%s: %v", p, err)}
		}
		if _, ok := opts.Overlay[a]; !ok {
			info, err := fsys.Stat(a)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				return nil, &UsageError{fmt.Sprintf("%s: no such file or directory", p)}
			case err != nil:
				return nil, &UsageError{fmt.Sprintf("%s: %s", p, readProblem(err))}
			case !info.IsDir() && !info.Mode().IsRegular():
				return nil, &UsageError{fmt.Sprintf("%s: is %s; djleak reads only regular files and directories", p, describeMode(info.Mode()))}
			}
		}
		abs = append(abs, a)
	}
	root, found := opts.Root, true
	if root == "" {
		root, found = FindRootFor(abs)
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, &UsageError{err.Error()}
	}
	if real, err := fsys.EvalSymlinks(root); err == nil {
		root = real
	}
	proj := &Project{Root: root, NoProject: !found, facts: map[any]*factEntry{}, ctx: ctx, disk: opts.Disk, fs: fsys, carries: opts.Carry}

	loadConfig := LoadConfig
	if opts.LoadConfig != nil {
		loadConfig = opts.LoadConfig
	}
	if opts.LoadConfig == nil && fsys != OS {
		loadConfig = func(root string) (*Config, error) { return loadConfigIn(fsys, root) }
	}
	cfg, err := loadConfig(root)
	if err != nil {
		return nil, err
	}
	proj.Config = cfg

	// Targets: what the user named, relative to the root.
	explicit := map[string]Kind{}
	for i, a := range abs {
		if real, err := fsys.EvalSymlinks(a); err == nil {
			a = real
		}
		rel, err := filepath.Rel(root, a)
		if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
			return nil, &UsageError{fmt.Sprintf("%s is outside the project root %s (use --root)", paths[i], root)}
		}
		rel = filepath.ToSlash(rel)
		if rel == "." {
			proj.targets = nil
			explicit = nil
			break
		}
		info, statErr := fsys.Stat(a)
		if statErr == nil && info.IsDir() {
			proj.targets = append(proj.targets, rel+"/")
			continue
		}
		if cfg.ForceExclude && cfg.Excluded(rel, false) {
			continue // named, but excluded: not analysed, not reported
		}
		proj.targets = append(proj.targets, rel)
		if explicit != nil {
			explicit[rel] = KindUnknown
		}
	}
	if explicit == nil {
		proj.targets = nil
	} else if proj.targets == nil {
		proj.targets = []string{} // every named file is excluded
	}

	var walked discovery
	if opts.Disk != nil {
		walked, err = opts.Disk.discover(ctx, root, cfg.Exclude, cfg.Excluded)
	} else {
		walked, err = walkProject(ctx, fsys, root, cfg.Excluded, nil)
	}
	if err != nil {
		return nil, err
	}
	files := walked.files
	proj.NotAnalysed = walked.bad
	proj.Notes = walked.notes
	// Explicit files are always analysed, even when excluded or unusually named.
	seen := map[string]bool{}
	for _, f := range files {
		seen[f.Path] = true
	}
	for rel := range explicit {
		if seen[rel] {
			continue
		}
		full := filepath.Join(root, filepath.FromSlash(rel))
		kind := Classify(rel, func() []byte {
			if b, ok := opts.Overlay[full]; ok {
				return b
			}
			head, _ := readHead(fsys, full)
			return head
		})
		if kind == KindUnknown {
			if strings.HasSuffix(rel, ".html") || strings.HasSuffix(rel, ".txt") {
				kind = KindTemplate
			} else if k := NamedKind(rel); k != KindUnknown {
				kind = k
			} else {
				proj.Notes = append(proj.Notes, rel+": not a Python, nginx or Django template file; nothing to check in it")
				continue
			}
		}
		files = append(files, SourceFile{Path: rel, Kind: kind})
	}
	// Overlay files that are not on disk yet join the project too.
	for a := range opts.Overlay {
		rel, err := filepath.Rel(root, a)
		if err != nil || strings.HasPrefix(rel, "..") {
			continue
		}
		rel = filepath.ToSlash(rel)
		if seen[rel] {
			continue
		}
		already := false
		for _, f := range files {
			already = already || f.Path == rel
		}
		if !already {
			if k := Classify(rel, func() []byte { return opts.Overlay[a] }); k != KindUnknown {
				files = append(files, SourceFile{Path: rel, Kind: k})
			}
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	proj.Files = files
	sort.Strings(proj.Notes)
	if err := cfg.CheckSettingsModule(files); err != nil {
		return nil, err
	}
	return proj, nil
}

// FindRootFor is the project root Load picks for absolute paths when no
// root is given: FindProjectRoot from the deepest directory containing them
// (for a file, or an editor buffer not on disk yet, its directory). The
// language server uses it too, so that an editor and `djleak check
// --stdin-filename` agree on a file's project.
func FindRootFor(abs []string) (root string, found bool) {
	return FindProjectRoot(startDir(commonDir(abs)))
}

// startDir is dir when it is a directory, else its parent (for a file or
// an editor buffer not yet on disk).
func startDir(dir string) string {
	if info, err := os.Stat(dir); err == nil && info.IsDir() {
		return dir
	}
	return filepath.Dir(dir)
}

// commonDir is the deepest directory containing every path.
func commonDir(paths []string) string {
	dir := paths[0]
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		dir = filepath.Dir(dir)
	}
	for _, p := range paths[1:] {
		for !(p == dir || strings.HasPrefix(p, dir+string(filepath.Separator))) {
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return dir
}

// readFile returns a Python file's or template's content, or an error
// worded for DJL004: unreadable, vanished, over the size limit, binary.
func (p *Project) readFile(rel string, overlay map[string][]byte) ([]byte, error) {
	full := filepath.Join(p.Root, filepath.FromSlash(rel))
	limit := p.Config.FileSizeLimit()
	data, ok := overlay[full]
	if ok {
		if int64(len(data)) > limit {
			return nil, &fileTooLarge{limit}
		}
	} else {
		var err error
		if p.disk != nil {
			data, err = p.disk.read(full, limit)
		} else {
			data, err = readLimited(p.FS(), full, limit)
		}
		if err != nil {
			return nil, err
		}
	}
	if msg := textProblem(data); msg != "" {
		return nil, errors.New(msg)
	}
	return data, nil
}

// Parse reads and parses every file Discover found, on a worker pool. Results land in
// slices indexed by the (sorted) file order, so the outcome does not depend
// on scheduling.
func (p *Project) Parse(opts Options) error {
	return p.parseContext(context.Background(), opts)
}

func (p *Project) parseContext(ctx context.Context, opts Options) error {
	p.ctx = ctx
	p.store = opts.Facts
	if p.store == nil && opts.Cache != nil {
		p.store = opts.Cache.facts
	}
	workers := poolSize(opts.Workers, len(p.Files))
	type parsed struct {
		file     *source.File
		mod      *python.Module
		cfg      any
		err      error
		bad      *NotAnalysed
		deferred bool // a Python file read, to be parsed on demand
	}
	results := make([]parsed, len(p.Files))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				f := p.Files[i]
				if parsedAsSet(f.Kind) || ctx.Err() != nil {
					continue // parsed as a set below: includes cross files
				}
				data, err := p.readFile(f.Path, opts.Overlay)
				if err != nil {
					results[i].bad = &NotAnalysed{Loc: source.NewFile(f.Path, nil).Span(0, 0), Reason: readProblem(err)}
					continue
				}
				if f.Kind == KindPython && opts.ParseOnDemand {
					results[i].file, results[i].deferred = source.NewFile(f.Path, data), true
					continue
				}
				if f.Kind == KindPython && opts.Cache != nil {
					results[i].file, results[i].mod, results[i].err = opts.Cache.python(f.Path, data)
					continue
				}
				sf := source.NewFile(f.Path, data)
				results[i].file = sf
				if f.Kind == KindPython {
					results[i].mod, results[i].err = p.parseStored(sf)
				} else if l := languageOf(f.Kind); l != nil {
					results[i].cfg = l.Parse(sf)
				}
			}
		}()
	}
	nginxDone := make(chan *nginx.Set, 1)
	go func() { nginxDone <- p.parseNginx(opts) }()
	for i := range p.Files {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	p.Nginx = <-nginxDone
	if err := ctx.Err(); err != nil {
		return err
	}
	if opts.Cache != nil {
		keep := map[string]bool{}
		for _, f := range p.Files {
			keep[f.Path] = true
		}
		opts.Cache.retain(keep)
	}
	if p.disk != nil {
		p.disk.retain(p.Root, p.Files)
	}

	p.byPath = map[string]*source.File{}
	p.pyPath = map[string]*python.Module{}
	var errs []error
	for i, r := range results {
		if r.bad != nil {
			p.NotAnalysed = append(p.NotAnalysed, *r.bad)
			continue
		}
		if r.err != nil {
			errs = append(errs, r.err)
			continue
		}
		if r.file == nil {
			continue
		}
		p.byPath[r.file.Path] = r.file
		switch p.Files[i].Kind {
		case KindPython:
			if r.deferred {
				d := &deferredPython{file: r.file}
				p.deferred = append(p.deferred, d)
				if p.deferredAt == nil {
					p.deferredAt = map[string]*deferredPython{}
				}
				p.deferredAt[r.file.Path] = d
				continue
			}
			p.pyParsed.Add(1)
			p.Python = append(p.Python, r.mod)
			p.pyPath[r.file.Path] = r.mod
		case KindTemplate:
			p.Templates = append(p.Templates, r.file)
		default:
			if r.cfg != nil {
				if p.configs == nil {
					p.configs = map[Kind][]ConfigFile{}
				}
				p.configs[p.Files[i].Kind] = append(p.configs[p.Files[i].Kind], ConfigFile{File: r.file, Model: r.cfg})
				if lo, ok := r.cfg.(interface{ LeftOutBranches() []template.Range }); ok {
					for _, b := range lo.LeftOutBranches() {
						p.LeftOut = append(p.LeftOut, LeftOutBranch{Loc: r.file.Span(b.Start, b.End), Condition: b.Text})
					}
				}
			}
		}
	}
	for rel, f := range p.Nginx.Files {
		p.byPath[rel] = f
	}
	for _, e := range p.Nginx.Errors {
		if e.Kind == nginx.KindRead {
			p.NotAnalysed = append(p.NotAnalysed, NotAnalysed{Loc: e.Loc, Reason: e.Message})
		}
	}
	for _, l := range p.Nginx.LeftOut {
		p.LeftOut = append(p.LeftOut, LeftOutBranch{Loc: l.Loc, Condition: l.Condition})
	}
	sort.Slice(p.LeftOut, func(i, j int) bool { return p.LeftOut[i].Loc.Less(p.LeftOut[j].Loc) })
	for _, b := range p.LeftOut {
		p.Notes = append(p.Notes, b.Note())
	}
	sort.Strings(p.Notes)
	sortNotAnalysed(p.NotAnalysed)
	p.deferOpts = Options{Workers: opts.Workers, Cache: opts.Cache}
	return errors.Join(errs...)
}

// maxWorkers bounds every worker pool, whatever --workers says.
const maxWorkers = 256

// poolSize is the number of goroutines for jobs tasks when asked for
// requested (0 or less: GOMAXPROCS): never more than the tasks, never more
// than maxWorkers, at least one.
func poolSize(requested, jobs int) int {
	n := requested
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	n = min(n, jobs, maxWorkers)
	return max(n, 1)
}

func overlayRel(root string, overlay map[string][]byte) map[string][]byte {
	if len(overlay) == 0 {
		return nil
	}
	out := map[string][]byte{}
	for a, b := range overlay {
		if rel, err := filepath.Rel(root, a); err == nil && !strings.HasPrefix(rel, "..") {
			out[filepath.ToSlash(rel)] = b
		}
	}
	return out
}

// parsePython parses one module, turning a parser panic into an error that
// names the file, so one bad file never takes the run down silently.
func parsePython(f *source.File) (m *python.Module, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: internal error while parsing: %v", f.Path, r)
		}
	}()
	m, err = python.Parse(f)
	if err != nil {
		err = fmt.Errorf("%s: %w", f.Path, err)
	}
	return m, err
}

// treeStore keeps large per-content values on their own: the command
// line's on-disk cache (facts.Cache) keeps encoded syntax trees in it.
type treeStore interface {
	KeepsBlobs() bool
	Blob(h facts.Hash, kind string) ([]byte, bool)
	PutBlob(h facts.Hash, kind string, v []byte)
}

// parseStored is parsePython through the fact store: where it keeps blobs
// (the command line's on-disk cache), a file whose content was parsed by
// an earlier run is built from its encoded syntax tree instead of parsed,
// and a file parsed now leaves its tree for the next run. A tree that
// does not decode is parsed again.
func (p *Project) parseStored(f *source.File) (*python.Module, error) {
	ts, ok := p.store.(treeStore)
	if !ok || !ts.KeepsBlobs() {
		return parsePython(f)
	}
	h := p.contentHash(f)
	kind := python.TreeFormat()
	if data, ok := ts.Blob(h, kind); ok {
		if m := decodeStored(f, data); m != nil {
			return m, nil
		}
	}
	m, err := parsePython(f)
	if err == nil {
		ts.PutBlob(h, kind, python.EncodeTree(m))
	}
	return m, err
}

// decodeStored builds f's module from a stored tree, or returns nil when
// the tree does not decode, or the build gives up on it (a panic, as
// parsePython catches one): the file is then parsed.
func decodeStored(f *source.File, data []byte) (m *python.Module) {
	defer func() {
		if recover() != nil {
			m = nil
		}
	}()
	m, err := python.ParseEncoded(f, data)
	if err != nil {
		return nil
	}
	return m
}

// ModuleByName finds a project module by dotted name. A name matches a
// module whose dotted path ends with it ("mysite.settings" matches
// "src/mysite/settings.py"); the shortest such path wins.
func (p *Project) ModuleByName(name string) *python.Module {
	if m := p.moduleByName(name); m != nil {
		return m
	}
	if pkg := p.RootPackage(); pkg != "" && strings.HasPrefix(name, pkg+".") {
		return p.moduleByName(name[len(pkg)+1:])
	}
	return nil
}

// RootPackage is the name of the package the project's root directory is
// (graphite for a root graphite/ holding __init__.py), "" when the root is
// not a package. Such a project imports its modules by that name
// (`from graphite.app_settings import *`), which module names, being
// relative to the root, lack.
func (p *Project) RootPackage() string {
	if p.byPath["__init__.py"] == nil {
		return ""
	}
	name := filepath.Base(p.Root)
	if !IsIdentifier(name) {
		return ""
	}
	return name
}

// IsIdentifier reports whether s is an ASCII Python identifier.
func IsIdentifier(s string) bool {
	for i, c := range s {
		if c != '_' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return s != ""
}

func (p *Project) moduleByName(name string) *python.Module {
	var best *python.Module
	for _, m := range p.Python {
		mn := ModuleName(m.File.Path)
		if mn == name || strings.HasSuffix(mn, "."+name) {
			if best == nil || len(m.File.Path) < len(best.File.Path) {
				best = m
			}
		}
	}
	return best
}

// ResolveRelative turns a relative import in module rel ("from .base import
// *" has Level 1, Module "base") into a dotted absolute name.
func ResolveRelative(rel string, level int, module string) string {
	pkg := path.Dir(rel)
	if strings.HasSuffix(rel, "/__init__.py") || rel == "__init__.py" {
		pkg = path.Dir(rel)
	}
	for i := 1; i < level; i++ {
		pkg = path.Dir(pkg)
	}
	base := ""
	if pkg != "." {
		base = strings.ReplaceAll(pkg, "/", ".")
	}
	switch {
	case base == "":
		return module
	case module == "":
		return base
	}
	return base + "." + module
}

// LeftOutBranch is a branch of a configuration template's conditional
// that a parse left out (see template.Reread): Loc spans it, and Condition
// names it ("`{% else %}` of `{% if SSL %}`").
type LeftOutBranch struct {
	Loc       source.Location
	Condition string
}

const leftOutWhy = "is left out: with every branch of the template kept the file does not parse, " +
	"so it is read as rendered with the first branch of each conditional"

// Message says, for a diagnostic on the branch, why it is not analysed.
func (b LeftOutBranch) Message() string { return b.Condition + " " + leftOutWhy }

// Note is the branch's line on the command line's standard error.
func (b LeftOutBranch) Note() string {
	lines := fmt.Sprintf("line %d", b.Loc.Start.Line)
	if b.Loc.End.Line > b.Loc.Start.Line {
		lines = fmt.Sprintf("lines %d-%d", b.Loc.Start.Line, b.Loc.End.Line)
	}
	return fmt.Sprintf("%s:%d: %s (%s) %s", b.Loc.Path, b.Loc.Start.Line, b.Condition, lines, leftOutWhy)
}
