package analyzer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/djleak/djleak/parsers/source"
)

const (
	// DefaultMaxFileSize is the default for max-file-size: Python files,
	// templates and standard input larger than this are reported as not
	// analysed (DJL004) instead of parsed.
	DefaultMaxFileSize = 4 << 20
	// MaxFileSizeLimit is the largest max-file-size accepted; it also bounds
	// how much of standard input is read.
	MaxFileSizeLimit = 64 << 20
)

// NotAnalysed is a file (or directory) djleak could not analyse: unreadable,
// vanished, not text, or over the size limit. Rule DJL004 reports each one.
type NotAnalysed struct {
	Loc    source.Location
	Reason string
}

// fileTooLarge is the error for a file over the size limit.
type fileTooLarge struct{ limit int64 }

func (e *fileTooLarge) Error() string {
	return "larger than the " + source.FormatSize(e.limit) + " limit (max-file-size)"
}

// FormatSize renders a byte count the way max-file-size accepts it.
func FormatSize(n int64) string { return source.FormatSize(n) }

// readLimited reads a regular file of at most limit bytes.
func readLimited(fsys FS, full string, limit int64) ([]byte, error) {
	data, _, err := readLimitedInfo(fsys, full, limit)
	return data, err
}

// readLimitedInfo is readLimited that also returns what the open file's
// stat said before the read.
func readLimitedInfo(fsys FS, full string, limit int64) ([]byte, fs.FileInfo, error) {
	f, info, err := fsys.OpenRegular(full)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if info.Size() > limit {
		return nil, info, &fileTooLarge{limit}
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, info, err
	}
	if int64(len(data)) > limit { // grew since the stat
		return nil, info, &fileTooLarge{limit}
	}
	return data, info, nil
}

// describeMode names a non-regular file type for messages.
func describeMode(m fs.FileMode) string {
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

// textProblem reports why content is not source text djleak can analyse:
// a UTF-16 or UTF-32 byte-order mark, or a NUL byte (binary). "" means fine.
func textProblem(data []byte) string {
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

// readProblem words a read error for a DJL004 message.
func readProblem(err error) string {
	var big *fileTooLarge
	if errors.As(err, &big) {
		return big.Error()
	}
	return source.ReadProblem(err)
}
