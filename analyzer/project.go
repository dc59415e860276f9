package analyzer

import (
	"context"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/djleak/djleak/analyzer/facts"
	"github.com/djleak/djleak/analyzer/internal/fileio"
	"github.com/djleak/djleak/parsers/nginx"
	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
	"github.com/djleak/djleak/parsers/template"
)

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

	byPath map[string]*source.File
	pyPath map[string]*python.Module
	// names indexes Python by dotted name (moduleNames), built for the
	// namesFor modules Python held then.
	namesMu  sync.Mutex
	names    map[string]*python.Module
	namesFor int
	configs  map[Kind][]ConfigFile // files of registered languages
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
	// read reads a file's content (Inputs.Read), nil to read it from fs.
	read func(full string, limit int64) ([]byte, error)
	// fs is the file system the project was read from (Inputs.FS).
	fs FS
	// reused names the passes taken from Inputs.Previous.
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
	// (Inputs.ParseOnDemand), sorted by path, and deferredAt by path;
	// parses and workers are how they are parsed (Inputs).
	deferred   []*deferredPython
	deferredAt map[string]*deferredPython
	parses     PythonCache
	workers    int
	pyOnce     sync.Once
	pyErr      error
	pyParsed   atomic.Int64
}

// Module returns the parsed Python module at a project-relative path.
// Under Inputs.ParseOnDemand it parses that one file on first use, and
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
func (p *Project) InTargets(rel string) bool { return inTargets(p.targets, rel) }

// InTargets reports whether findings at rel are to be reported.
func (f *Found) InTargets(rel string) bool { return inTargets(f.Targets, rel) }

func inTargets(targets []string, rel string) bool {
	if targets == nil {
		return true
	}
	for _, t := range targets {
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

// readFile returns a Python file's or template's content, or an error
// worded for DJL004: unreadable, vanished, over the size limit, binary.
func (p *Project) readFile(rel string, overlay map[string][]byte) ([]byte, error) {
	full := filepath.Join(p.Root, filepath.FromSlash(rel))
	limit := p.Config.FileSizeLimit()
	data, ok := overlay[full]
	if ok {
		if int64(len(data)) > limit {
			return nil, &fileio.TooLarge{Limit: limit}
		}
	} else {
		var err error
		if p.read != nil {
			data, err = p.read(full, limit)
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

// Found is a project as a driver's discovery leaves it (package driver):
// where it is, its configuration and the files to analyse, none read yet.
type Found struct {
	Root      string // absolute
	NoProject bool   // see Project.NoProject
	Config    *Config
	Files     []SourceFile // sorted by path
	// NotAnalysed and Notes are what discovery could not read or skipped
	// (see Project).
	NotAnalysed []NotAnalysed
	Notes       []string
	// Targets restricts reporting to these project-relative paths (files)
	// or prefixes (directories, with a trailing "/"); nil reports
	// everything.
	Targets []string
}

// Inputs say how Assemble reads and parses a Found project.
type Inputs struct {
	// FS is the file system the files are read from; nil is the disk.
	FS FS
	// Read, when set, reads a file (absolute path) of at most limit bytes
	// instead of FS: a driver's record of the disk between loads.
	Read func(full string, limit int64) ([]byte, error)
	// Overlay replaces the content of files (absolute paths), e.g. an
	// editor's unsaved buffer.
	Overlay map[string][]byte
	// Workers is the parser pool size; 0 means GOMAXPROCS.
	Workers int
	// Python, when set, parses Python files, reusing earlier parses.
	Python PythonCache
	// Facts, when set, keeps per-file facts (FileFact) and syntax trees
	// between runs, keyed by content hash.
	Facts facts.Store
	// Carry marks a load as one of a series (an editor's lints): its
	// passes may leave state for the next load that takes over from it
	// (Previous), at the cost of the memory it holds.
	Carry bool
	// Previous, when set, is the last load of the same project: the
	// results of passes whose inputs did not change since are taken from
	// it (see Pass.Reads).
	Previous *Project
	// ParseOnDemand reads Python files but parses them only when a pass
	// needs them (PythonModules): a run of front-end rules alone parses no
	// Python. Until then Project.Python is empty.
	ParseOnDemand bool
}

// PythonCache parses Python files for Assemble, reusing the parse of a
// content it has seen (a driver's cache between an editor's loads).
type PythonCache interface {
	Python(rel string, data []byte) (*source.File, *python.Module, error)
}

// Assemble reads and parses a found project's files, on a worker pool,
// into a Project. Results land in slices indexed by the (sorted) file
// order, so the outcome does not depend on scheduling. It stops when ctx is
// cancelled, between files, and returns ctx's error and no project.
func Assemble(ctx context.Context, f *Found, in Inputs) (*Project, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := &Project{Root: f.Root, NoProject: f.NoProject, Config: f.Config, Files: f.Files,
		NotAnalysed: slices.Clone(f.NotAnalysed), Notes: slices.Clone(f.Notes), targets: f.Targets,
		facts: map[any]*factEntry{}, fs: fsOf(in.FS), read: in.Read, carries: in.Carry}
	if err := p.parse(ctx, in); err != nil {
		return nil, err
	}
	if in.Previous != nil {
		p.inherit(in.Previous)
	}
	return p, nil
}

func (p *Project) parse(ctx context.Context, opts Inputs) error {
	p.ctx = ctx
	p.store = opts.Facts
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
				if f.Kind == KindPython && opts.Python != nil {
					results[i].file, results[i].mod, results[i].err = opts.Python.Python(f.Path, data)
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
	SortNotAnalysed(p.NotAnalysed)
	p.parses, p.workers = opts.Python, opts.Workers
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

// SortNotAnalysed sorts s by path, as Project.NotAnalysed and a driver's
// discovery list them.
func SortNotAnalysed(s []NotAnalysed) {
	sort.Slice(s, func(i, j int) bool { return s[i].Loc.Path < s[j].Loc.Path })
}

// ParseFile parses one Python module, turning a parser panic into an error that
// names the file, so one bad file never takes the run down silently.
func ParseFile(f *source.File) (m *python.Module, err error) {
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
		return ParseFile(f)
	}
	h := p.contentHash(f)
	kind := python.TreeFormat()
	if data, ok := ts.Blob(h, kind); ok {
		if m := decodeStored(f, data); m != nil {
			return m, nil
		}
	}
	m, err := ParseFile(f)
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
	p.namesMu.Lock()
	defer p.namesMu.Unlock()
	if p.names == nil || p.namesFor != len(p.Python) {
		p.names, p.namesFor = moduleNames(p.Python), len(p.Python)
	}
	return p.names[name]
}

// moduleNames indexes modules by every dotted suffix of their names
// ("mysite.settings.base", "settings.base", "base"), the shortest path
// winning and, among paths as short, the first in mods' (sorted) order:
// ModuleByName's lookup in constant time, where a scan of every module
// per import made the settings pass quadratic in the project's modules.
func moduleNames(mods []*python.Module) map[string]*python.Module {
	out := make(map[string]*python.Module, 2*len(mods))
	for _, m := range mods {
		name := ModuleName(m.File.Path)
		for suffix := name; ; {
			if best := out[suffix]; best == nil || len(m.File.Path) < len(best.File.Path) {
				out[suffix] = m
			}
			i := strings.IndexByte(suffix, '.')
			if i < 0 {
				break
			}
			suffix = suffix[i+1:]
		}
	}
	return out
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
