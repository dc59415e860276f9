package driver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/internal/fileio"
	"github.com/djleak/djleak/analyzer/internal/gitignore"
	"github.com/djleak/djleak/parsers/source"
)

// defaultExcludes are directory names never walked into.
var defaultExcludes = map[string]bool{
	".git": true, ".hg": true, ".svn": true, ".bzr": true,
	"node_modules": true, "__pycache__": true, "__pypackages__": true,
	".venv": true, "venv": true, ".tox": true, ".nox": true, ".eggs": true,
	".mypy_cache": true, ".pytest_cache": true, ".ruff_cache": true,
	"site-packages": true, ".direnv": true,
}

type ignoreLayer struct {
	dir string // project-relative directory the .gitignore lives in ("" for root)
	gi  *gitignore.List
}

// discovery is what walking a project found.
type discovery struct {
	files []analyzer.SourceFile  // sorted by path
	bad   []analyzer.NotAnalysed // files and directories that could not be analysed
	notes []string               // what was skipped and why, for standard error
}

// discover walks root and returns the files djleak analyses, sorted.
// excluded reports extra paths to skip (configuration). Symbolic links to
// files are analysed under the link's path; links to directories are not
// followed (so no loop can form). FIFOs, sockets and devices are never
// opened. Nothing is dropped without a note or an analyzer.NotAnalysed entry. A
// cancelled ctx stops the walk with ctx's error (walkProject).
func discover(root string, excluded func(rel string, dir bool) bool) discovery {
	out, _ := walkProject(context.Background(), analyzer.OS, root, excluded, nil)
	return out
}

// walkProject is discover that stops when ctx is cancelled. depends, when
// set, is told every path whose state the result depends on: each
// directory listed (or skipped as a virtualenv), each ignore file looked
// for, each file read to classify it and each symbolic link followed (with
// its os.Stat info when the walk has it, else nil).
func walkProject(ctx context.Context, fsys analyzer.FS, root string, excluded func(rel string, dir bool) bool, depends func(path string, info os.FileInfo)) (discovery, error) {
	if depends == nil {
		depends = func(string, os.FileInfo) {}
	}
	var out discovery
	var layers []ignoreLayer
	note := func(rel, format string, args ...any) {
		out.notes = append(out.notes, fmt.Sprintf("%s: %s", rel, fmt.Sprintf(format, args...)))
	}
	walkErr := analyzer.WalkFS(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			rel = ""
		}
		if err != nil {
			name := rel
			if name == "" {
				name = "."
			}
			depends(p, nil)
			if d != nil && d.IsDir() {
				out.bad = append(out.bad, notAnalysedAt(name, "directory could not be read ("+fileio.ReadProblem(err)+"); the files in it were not analysed"))
			} else {
				out.bad = append(out.bad, notAnalysedAt(name, fileio.ReadProblem(err)))
			}
			return nil
		}
		// Drop ignore layers that do not apply any more.
		for len(layers) > 0 {
			top := layers[len(layers)-1]
			if top.dir == "" || rel == top.dir || strings.HasPrefix(rel, top.dir+"/") {
				break
			}
			layers = layers[:len(layers)-1]
		}
		if d.IsDir() {
			if rel != "" {
				if defaultExcludes[d.Name()] || isIgnored(layers, rel, true) || (excluded != nil && excluded(rel, true)) {
					return filepath.SkipDir
				}
				if _, err := fsys.Stat(filepath.Join(p, "pyvenv.cfg")); err == nil {
					depends(p, nil)
					return filepath.SkipDir // a virtualenv under another name
				}
			}
			depends(p, nil)
			if rel == "" {
				depends(filepath.Join(p, ".git", "info", "exclude"), nil)
				// The repository's own excludes rank below every .gitignore.
				if data, err := fileio.ReadLimited(fsys, filepath.Join(p, ".git", "info", "exclude"), analyzer.MaxFileSizeLimit); err == nil {
					layers = append(layers, ignoreLayer{dir: rel, gi: gitignore.Compile(strings.Split(string(data), "\n"))})
				}
			}
			gi := filepath.Join(p, ".gitignore")
			data, err := fileio.ReadLimited(fsys, gi, analyzer.MaxFileSizeLimit)
			if err == nil {
				layers = append(layers, ignoreLayer{dir: rel, gi: gitignore.Compile(strings.Split(string(data), "\n"))})
			}
			// An absent ignore file needs no stamp of its own: creating
			// one changes the directory's, taken above.
			if !errors.Is(err, fs.ErrNotExist) {
				depends(gi, nil)
			}
			return nil
		}
		if isIgnored(layers, rel, false) || (excluded != nil && excluded(rel, false)) {
			return nil
		}
		byName := func() []byte { return nil }
		if d.Type()&fs.ModeSymlink != 0 {
			info, err := fsys.Stat(p)
			depends(p, info)
			switch {
			case err != nil:
				why := "broken symbolic link (its target does not exist)"
				if !errors.Is(err, fs.ErrNotExist) {
					why = fileio.ReadProblem(err)
				}
				if analyzer.Classify(rel, byName) != analyzer.KindUnknown {
					out.bad = append(out.bad, notAnalysedAt(rel, why))
				} else {
					note(rel, "skipped: %s", why)
				}
				return nil
			case info.IsDir():
				note(rel, "skipped: symbolic link to a directory (not followed)")
				return nil
			case !info.Mode().IsRegular():
				note(rel, "skipped: symbolic link to %s (never opened)", fileio.DescribeMode(info.Mode()))
				return nil
			}
		} else if !d.Type().IsRegular() {
			note(rel, "skipped: %s (never opened)", fileio.DescribeMode(d.Type()))
			return nil
		}
		var sniffErr error
		kind := analyzer.Classify(rel, func() []byte {
			var head []byte
			depends(p, nil)
			head, sniffErr = readHead(fsys, p)
			return head
		})
		if sniffErr != nil {
			note(rel, "skipped: could not read it to tell whether it is nginx configuration (%s)", fileio.ReadProblem(sniffErr))
		}
		if kind != analyzer.KindUnknown {
			out.files = append(out.files, analyzer.SourceFile{Path: rel, Kind: kind})
			if d.Type()&fs.ModeSymlink != 0 {
				if real, ok := outside(fsys, root, p); ok {
					note(rel, "symbolic link to %s, outside the project: analysed as %s", real, rel)
				}
			}
		}
		return nil
	})
	if walkErr != nil {
		return discovery{}, walkErr
	}
	sort.Slice(out.files, func(i, j int) bool { return out.files[i].Path < out.files[j].Path })
	analyzer.SortNotAnalysed(out.bad)
	sort.Strings(out.notes)
	return out, nil
}

// outside resolves the symbolic link p and reports its target when that
// lies outside root.
func outside(fsys analyzer.FS, root, p string) (string, bool) {
	real, err := fsys.EvalSymlinks(p)
	if err != nil {
		return "", false
	}
	r, err := filepath.Rel(root, real)
	return real, err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator))
}

func notAnalysedAt(rel, reason string) analyzer.NotAnalysed {
	return analyzer.NotAnalysed{Loc: source.NewFile(rel, nil).Span(0, 0), Reason: reason}
}

// isIgnored applies the .gitignore layers that contain rel as git does:
// the deepest file first, and in each file the last matching pattern
// decides.
func isIgnored(layers []ignoreLayer, rel string, dir bool) bool {
	for i := len(layers) - 1; i >= 0; i-- {
		l := layers[i]
		sub := rel
		if l.dir != "" {
			sub = strings.TrimPrefix(rel, l.dir+"/")
		}
		if ignored, matched := l.gi.Match(sub, dir); matched {
			return ignored
		}
	}
	return false
}

// readHead returns up to 64 KiB of a regular file for sniffing; nil for
// binary content. It never blocks on a FIFO or a device.
func readHead(fsys analyzer.FS, p string) ([]byte, error) {
	f, _, err := fsys.OpenRegular(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	n, err := io.ReadFull(f, buf)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, err
	}
	buf = buf[:n]
	if bytes.IndexByte(buf, 0) >= 0 {
		return nil, nil // binary
	}
	return buf, nil
}

// rootMarkers, in priority order, make a directory a project root.
func hasConfigMarker(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, ".djleak.toml")); err == nil {
		return true
	}
	data, err := os.ReadFile(filepath.Join(dir, "pyproject.toml"))
	return err == nil && bytes.Contains(data, []byte("[tool.djleak"))
}

// FindRoot picks the project root for the given absolute start directory:
// the nearest ancestor with djleak configuration (.djleak.toml or a
// pyproject.toml with [tool.djleak]); else the top of the git work tree;
// else the nearest directory with manage.py; else start itself.
func FindRoot(start string) string {
	root, _ := FindProjectRoot(start)
	return root
}

// FindProjectRoot is FindRoot that also says whether a project was found.
// The search never looks at the file-system root or the temporary directory
// (a stray /tmp/manage.py or /.git makes no project of everything below):
// when it reaches one of them without finding a marker, start itself is the
// root and found is false.
func FindProjectRoot(start string) (root string, found bool) {
	manage := ""
	for dir := start; !searchStop(dir); dir = filepath.Dir(dir) {
		if hasConfigMarker(dir) {
			return dir, true
		}
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			return dir, true
		}
		if manage == "" {
			if _, err := os.Stat(filepath.Join(dir, "manage.py")); err == nil {
				manage = dir
			}
		}
	}
	if manage != "" {
		return manage, true
	}
	return start, false
}

// searchStop reports whether an upward search for a project must stop
// before dir: the file-system root and the temporary directory are never
// part of a project.
func searchStop(dir string) bool {
	if parent := filepath.Dir(dir); parent == dir {
		return true
	}
	for _, t := range tempDirs() {
		if dir == t {
			return true
		}
	}
	return false
}

func tempDirs() []string {
	t := filepath.Clean(os.TempDir())
	out := []string{t}
	if real, err := filepath.EvalSymlinks(t); err == nil && real != t {
		out = append(out, real)
	}
	return out
}

// RepoRoot is the directory that SARIF URIs and GitHub annotations are
// relative to for a project at root: GITHUB_WORKSPACE when it is set and
// contains root (the checkout GitHub resolves paths against), else the top
// of the git work tree containing root, else root itself. A pyproject.toml
// in a sub-directory of a monorepo makes that sub-directory the project
// root, but not the repository root.
func RepoRoot(root string) string {
	if ws := os.Getenv("GITHUB_WORKSPACE"); ws != "" {
		if abs, err := filepath.Abs(ws); err == nil {
			if real, err := filepath.EvalSymlinks(abs); err == nil {
				abs = real
			}
			if rel, err := filepath.Rel(abs, root); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
				return abs
			}
		}
	}
	for dir := root; !searchStop(dir); dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			return dir
		}
	}
	return root
}
