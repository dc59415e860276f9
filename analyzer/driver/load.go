package driver

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/facts"
	"github.com/djleak/djleak/analyzer/internal/fileio"
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
	Previous *analyzer.Project
	// Facts, when set, keeps per-file facts (FileFact) between runs, keyed
	// by content hash: the command line's on-disk cache. Without it, a
	// Cache's own memory store is used.
	Facts facts.Store
	// LoadConfig, when set, replaces LoadConfig(root): the command line
	// uses it for --config, --isolated and its overrides of the
	// configuration's values.
	LoadConfig func(root string) (*analyzer.Config, error)
	// FS is the file system the project is read from; nil is the disk (analyzer.OS).
	// With another (a MemFS) Root must be set (no project-root search
	// happens), it need not exist on disk, and Disk is not used.
	FS analyzer.FS
	// ParseOnDemand reads Python files but parses them only when a pass
	// needs them (PythonModules): a run of front-end rules alone parses no
	// Python. Until then analyzer.Project.Python is empty.
	ParseOnDemand bool
}

// Load discovers and parses a project.
func Load(opts Options) (*analyzer.Project, error) {
	return LoadContext(context.Background(), opts)
}

// LoadContext is Load that stops when ctx is cancelled: discovery checks it
// between directory entries and parsing between files. A cancelled load
// returns ctx's error and no project.
func LoadContext(ctx context.Context, opts Options) (*analyzer.Project, error) {
	found, err := discoverProject(ctx, opts)
	if err != nil {
		return nil, err
	}
	return ParseContext(ctx, found, opts)
}

// Discover finds the project root, reads the configuration and lists the
// files to analyse (Found.Files) without reading them.
func Discover(opts Options) (*analyzer.Found, error) {
	return discoverProject(context.Background(), opts)
}

// Parse reads and parses the files Discover found (analyzer.Assemble),
// through the options' caches.
func Parse(found *analyzer.Found, opts Options) (*analyzer.Project, error) {
	return ParseContext(context.Background(), found, opts)
}

// ParseContext is Parse that stops when ctx is cancelled.
func ParseContext(ctx context.Context, found *analyzer.Found, opts Options) (*analyzer.Project, error) {
	fsys := fsOf(opts.FS)
	in := analyzer.Inputs{FS: fsys, Overlay: opts.Overlay, Workers: opts.Workers, Facts: opts.Facts,
		Carry: opts.Carry, Previous: opts.Previous, ParseOnDemand: opts.ParseOnDemand}
	disk := opts.Disk
	if fsys != analyzer.OS {
		disk = nil // stamps are the disk's
	}
	if disk != nil {
		in.Read = disk.read
	}
	if c := opts.Cache; c != nil {
		in.Python = c
		if in.Facts == nil {
			in.Facts = c.facts
		}
	}
	p, err := analyzer.Assemble(ctx, found, in)
	if err != nil {
		return nil, err
	}
	if opts.Cache != nil {
		keep := map[string]bool{}
		for _, f := range p.Files {
			keep[f.Path] = true
		}
		opts.Cache.retain(keep)
	}
	if disk != nil {
		disk.retain(p.Root, p.Files)
	}
	return p, nil
}

// fsOf is opts' file system, the disk when unset.
var fsOf = fileio.OrOS

func discoverProject(ctx context.Context, opts Options) (*analyzer.Found, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fsys := fsOf(opts.FS)
	if fsys != analyzer.OS {
		opts.Disk = nil // stamps are the disk's
		if opts.Root == "" {
			return nil, &analyzer.UsageError{Msg: "a project loaded from memory needs its root (Options.Root)"}
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
			return nil, &analyzer.UsageError{Msg: fmt.Sprintf("%s: %v", p, err)}
		}
		if _, ok := opts.Overlay[a]; !ok {
			info, err := fsys.Stat(a)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				return nil, &analyzer.UsageError{Msg: fmt.Sprintf("%s: no such file or directory", p)}
			case err != nil:
				return nil, &analyzer.UsageError{Msg: fmt.Sprintf("%s: %s", p, fileio.ReadProblem(err))}
			case !info.IsDir() && !info.Mode().IsRegular():
				return nil, &analyzer.UsageError{Msg: fmt.Sprintf("%s: is %s; djleak reads only regular files and directories", p, fileio.DescribeMode(info.Mode()))}
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
		return nil, &analyzer.UsageError{Msg: err.Error()}
	}
	if real, err := fsys.EvalSymlinks(root); err == nil {
		root = real
	}
	proj := &analyzer.Found{Root: root, NoProject: !found}

	loadConfig := opts.LoadConfig
	if loadConfig == nil {
		loadConfig = func(root string) (*analyzer.Config, error) { return LoadConfigFrom(fsys, root) }
	}
	cfg, err := loadConfig(root)
	if err != nil {
		return nil, err
	}
	proj.Config = cfg

	// Targets: what the user named, relative to the root.
	explicit := map[string]analyzer.Kind{}
	for i, a := range abs {
		if real, err := fsys.EvalSymlinks(a); err == nil {
			a = real
		}
		rel, err := filepath.Rel(root, a)
		if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
			return nil, &analyzer.UsageError{Msg: fmt.Sprintf("%s is outside the project root %s (use --root)", paths[i], root)}
		}
		rel = filepath.ToSlash(rel)
		if rel == "." {
			proj.Targets = nil
			explicit = nil
			break
		}
		info, statErr := fsys.Stat(a)
		if statErr == nil && info.IsDir() {
			proj.Targets = append(proj.Targets, rel+"/")
			continue
		}
		if cfg.ForceExclude && cfg.Excluded(rel, false) {
			continue // named, but excluded: not analysed, not reported
		}
		proj.Targets = append(proj.Targets, rel)
		if explicit != nil {
			explicit[rel] = analyzer.KindUnknown
		}
	}
	if explicit == nil {
		proj.Targets = nil
	} else if proj.Targets == nil {
		proj.Targets = []string{} // every named file is excluded
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
		kind := analyzer.Classify(rel, func() []byte {
			if b, ok := opts.Overlay[full]; ok {
				return b
			}
			head, _ := readHead(fsys, full)
			return head
		})
		if kind == analyzer.KindUnknown {
			if strings.HasSuffix(rel, ".html") || strings.HasSuffix(rel, ".txt") {
				kind = analyzer.KindTemplate
			} else if k := analyzer.NamedKind(rel); k != analyzer.KindUnknown {
				kind = k
			} else {
				proj.Notes = append(proj.Notes, rel+": not a Python, nginx or Django template file; nothing to check in it")
				continue
			}
		}
		files = append(files, analyzer.SourceFile{Path: rel, Kind: kind})
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
			if k := analyzer.Classify(rel, func() []byte { return opts.Overlay[a] }); k != analyzer.KindUnknown {
				files = append(files, analyzer.SourceFile{Path: rel, Kind: k})
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
