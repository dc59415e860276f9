package analyzer

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/djleak/djleak/analyzer/internal/fileio"
)

// FS is the file system a project is loaded from: discovery's walk, the
// files' contents, ignore files, the configuration and the front ends'
// include directives all read through it. Paths are absolute. OS is the
// disk; MemFS holds a project in memory, so that a test of a pass loads
// its fixture without writing it anywhere.
type FS = fileio.FS

// OS is the disk.
var OS FS = fileio.OS

// fsOf is an Inputs' file system, the disk when unset.
var fsOf = fileio.OrOS

// WalkFS is filepath.WalkDir over fsys: root first, then each directory's
// entries in name order; fn's fs.SkipDir skips a directory. Symbolic
// links are reported, not followed.
func WalkFS(fsys FS, root string, fn fs.WalkDirFunc) error { return fileio.Walk(fsys, root, fn) }

// MemFS is a file system in memory: regular files by absolute path, with
// every directory above them. It has no symbolic links, FIFOs or devices.
type MemFS struct {
	files map[string][]byte
	dirs  map[string][]string // directory → sorted names of its entries
}

// NewMemFS holds the given files (absolute paths, cleaned).
func NewMemFS(files map[string][]byte) *MemFS {
	m := &MemFS{files: map[string][]byte{}, dirs: map[string][]string{}}
	seen := map[string]bool{}
	for name, data := range files {
		name = filepath.Clean(name)
		m.files[name] = data
		for child, dir := name, filepath.Dir(name); ; child, dir = dir, filepath.Dir(dir) {
			if !seen[child] {
				seen[child] = true
				m.dirs[dir] = append(m.dirs[dir], filepath.Base(child))
			}
			if dir == filepath.Dir(dir) {
				break
			}
		}
	}
	for d := range m.dirs {
		sort.Strings(m.dirs[d])
	}
	return m
}

// memEpoch is every MemFS file's modification time.
var memEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

type memInfo struct {
	name string
	size int64
	dir  bool
}

func (i memInfo) Name() string { return i.name }
func (i memInfo) Size() int64  { return i.size }
func (i memInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o755
	}
	return 0o644
}
func (i memInfo) ModTime() time.Time { return memEpoch }
func (i memInfo) IsDir() bool        { return i.dir }
func (i memInfo) Sys() any           { return nil }

func (m *MemFS) Stat(name string) (fs.FileInfo, error) {
	name = filepath.Clean(name)
	if data, ok := m.files[name]; ok {
		return memInfo{filepath.Base(name), int64(len(data)), false}, nil
	}
	if _, ok := m.dirs[name]; ok {
		return memInfo{filepath.Base(name), 0, true}, nil
	}
	return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
}

func (m *MemFS) Lstat(name string) (fs.FileInfo, error) { return m.Stat(name) }

func (m *MemFS) OpenRegular(name string) (io.ReadCloser, fs.FileInfo, error) {
	info, err := m.Stat(name)
	if err != nil {
		return nil, nil, err
	}
	if info.IsDir() {
		return nil, nil, errors.New("not a regular file (a directory)")
	}
	return io.NopCloser(bytes.NewReader(m.files[filepath.Clean(name)])), info, nil
}

func (m *MemFS) ReadDir(name string) ([]fs.DirEntry, error) {
	name = filepath.Clean(name)
	names, ok := m.dirs[name]
	if !ok {
		if _, isFile := m.files[name]; isFile {
			return nil, &fs.PathError{Op: "readdir", Path: name, Err: syscall.ENOTDIR}
		}
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	out := make([]fs.DirEntry, 0, len(names))
	for _, n := range names {
		info, err := m.Stat(filepath.Join(name, n))
		if err != nil {
			return nil, err
		}
		out = append(out, fs.FileInfoToDirEntry(info))
	}
	return out, nil
}

func (m *MemFS) EvalSymlinks(name string) (string, error) {
	if _, err := m.Stat(name); err != nil {
		return "", err
	}
	return filepath.Clean(name), nil
}

// Glob returns the paths under fsys that match an absolute pattern
// (filepath.Match syntax per element), sorted.
func Glob(fsys FS, pattern string) []string {
	if fsys == OS {
		out, _ := filepath.Glob(pattern)
		return out
	}
	pattern = filepath.Clean(pattern)
	if !strings.ContainsAny(pattern, "*?[\\") {
		if _, err := fsys.Lstat(pattern); err == nil {
			return []string{pattern}
		}
		return nil
	}
	dir, file := filepath.Split(pattern)
	dir = filepath.Clean(dir)
	var dirs []string
	if strings.ContainsAny(dir, "*?[\\") {
		dirs = Glob(fsys, dir)
	} else {
		dirs = []string{dir}
	}
	var out []string
	for _, d := range dirs {
		entries, err := fsys.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if ok, _ := path.Match(file, e.Name()); ok {
				out = append(out, filepath.Join(d, e.Name()))
			}
		}
	}
	sort.Strings(out)
	return out
}

// rootedFS is the project's file system for a parser's includes: nil (the
// parser reads the disk itself) when the project is on disk.
func (p *Project) rootedFS() fs.FS {
	if p.FS() == OS {
		return nil
	}
	return Rooted(p.fs, p.Root)
}

// Rooted is fsys under root as an io/fs file system: slash-separated
// names relative to root, as parsers that resolve includes take it.
func Rooted(fsys FS, root string) fs.FS { return rootedFS{fsys, root} }

type rootedFS struct {
	fsys FS
	root string
}

func (r rootedFS) full(op, name string) (string, error) {
	if !fs.ValidPath(name) {
		return "", &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	return filepath.Join(r.root, filepath.FromSlash(name)), nil
}

func (r rootedFS) Open(name string) (fs.File, error) {
	full, err := r.full("open", name)
	if err != nil {
		return nil, err
	}
	f, info, err := r.fsys.OpenRegular(full)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return rootedFile{f, info}, nil
}

func (r rootedFS) Stat(name string) (fs.FileInfo, error) {
	full, err := r.full("stat", name)
	if err != nil {
		return nil, err
	}
	return r.fsys.Stat(full)
}

func (r rootedFS) ReadDir(name string) ([]fs.DirEntry, error) {
	full, err := r.full("readdir", name)
	if err != nil {
		return nil, err
	}
	return r.fsys.ReadDir(full)
}

func (r rootedFS) ReadFile(name string) ([]byte, error) {
	full, err := r.full("open", name)
	if err != nil {
		return nil, err
	}
	return fileio.ReadFile(r.fsys, full)
}

type rootedFile struct {
	io.ReadCloser
	info fs.FileInfo
}

func (f rootedFile) Stat() (fs.FileInfo, error) { return f.info, nil }
