// Package fileio reads a project's files for the analyzer and its driver:
// the file-system interface both read through, bounded reads that never
// block on a FIFO or a device, and the wording of what went wrong.
package fileio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/djleak/djleak/parsers/source"
)

// FS is the file system a project is loaded from: discovery's walk, the
// files' contents, ignore files, the configuration and the front ends'
// include directives all read through it. Paths are absolute. OS is the
// disk; MemFS holds a project in memory, so that a test of a pass loads
// its fixture without writing it anywhere.
type FS interface {
	// OpenRegular opens a regular file for reading without ever blocking
	// on a FIFO or a device: anything but a regular file is an error
	// naming what it is.
	OpenRegular(name string) (io.ReadCloser, fs.FileInfo, error)
	Stat(name string) (fs.FileInfo, error)
	Lstat(name string) (fs.FileInfo, error)
	// ReadDir lists a directory sorted by name.
	ReadDir(name string) ([]fs.DirEntry, error)
	EvalSymlinks(name string) (string, error)
}

// OS is the disk.
var OS FS = osFS{}

type osFS struct{}

func (osFS) OpenRegular(name string) (io.ReadCloser, fs.FileInfo, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, nil, errors.New("not a regular file (" + DescribeMode(info.Mode()) + ")")
	}
	return f, info, nil
}

func (osFS) Stat(name string) (fs.FileInfo, error)      { return os.Stat(name) }
func (osFS) Lstat(name string) (fs.FileInfo, error)     { return os.Lstat(name) }
func (osFS) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(name) }
func (osFS) EvalSymlinks(name string) (string, error)   { return filepath.EvalSymlinks(name) }

// OrOS is fsys, or the disk when fsys is nil.
func OrOS(fsys FS) FS {
	if fsys == nil {
		return OS
	}
	return fsys
}

// ReadFile reads a whole regular file.
func ReadFile(fsys FS, name string) ([]byte, error) {
	f, _, err := fsys.OpenRegular(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// Walk is filepath.WalkDir over fsys: root first, then each directory's
// entries in name order; fn's fs.SkipDir skips a directory. Symbolic
// links are reported, not followed.
func Walk(fsys FS, root string, fn fs.WalkDirFunc) error {
	if _, ok := fsys.(osFS); ok {
		return filepath.WalkDir(root, fn)
	}
	info, err := fsys.Lstat(root)
	if err != nil {
		return fn(root, nil, err)
	}
	err = walkDirFS(fsys, root, fs.FileInfoToDirEntry(info), fn)
	if err == fs.SkipDir || err == fs.SkipAll {
		return nil
	}
	return err
}

func walkDirFS(fsys FS, name string, d fs.DirEntry, fn fs.WalkDirFunc) error {
	if err := fn(name, d, nil); err != nil || !d.IsDir() {
		if err == fs.SkipDir && d.IsDir() {
			err = nil
		}
		return err
	}
	entries, err := fsys.ReadDir(name)
	if err != nil {
		if err = fn(name, d, err); err != nil {
			if err == fs.SkipDir && d.IsDir() {
				err = nil
			}
			return err
		}
	}
	for _, e := range entries {
		if err := walkDirFS(fsys, filepath.Join(name, e.Name()), e, fn); err != nil {
			if err == fs.SkipDir {
				break
			}
			return err
		}
	}
	return nil
}

// TooLarge is the error for a file over the size limit.
type TooLarge struct{ Limit int64 }

func (e *TooLarge) Error() string {
	return "larger than the " + source.FormatSize(e.Limit) + " limit (max-file-size)"
}

// ReadLimited reads a regular file of at most limit bytes.
func ReadLimited(fsys FS, full string, limit int64) ([]byte, error) {
	data, _, err := ReadLimitedInfo(fsys, full, limit)
	return data, err
}

// ReadLimitedInfo is ReadLimited that also returns what the open file's
// stat said before the read.
func ReadLimitedInfo(fsys FS, full string, limit int64) ([]byte, fs.FileInfo, error) {
	f, info, err := fsys.OpenRegular(full)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if info.Size() > limit {
		return nil, info, &TooLarge{Limit: limit}
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, info, err
	}
	if int64(len(data)) > limit { // grew since the stat
		return nil, info, &TooLarge{Limit: limit}
	}
	return data, info, nil
}

// DescribeMode names a non-regular file type for messages.
func DescribeMode(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return "not a regular file"
}

// TextProblem reports why content is not source text djleak can analyse:
// a UTF-16 or UTF-32 byte-order mark, or a NUL byte (binary). "" means fine.
func TextProblem(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE, 0, 0}), bytes.HasPrefix(data, []byte{0, 0, 0xFE, 0xFF}):
		return "UTF-32 encoded; djleak reads UTF-8 source"
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return "UTF-16 encoded; djleak reads UTF-8 source"
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		pos := source.NewFile("", data[:i]).Pos(i)
		return fmt.Sprintf("binary content (a NUL byte at line %d, column %d)", pos.Line, pos.Column)
	}
	return ""
}

// ReadProblem words a read error for a DJL004 message.
func ReadProblem(err error) string {
	var big *TooLarge
	if errors.As(err, &big) {
		return big.Error()
	}
	return source.ReadProblem(err)
}
