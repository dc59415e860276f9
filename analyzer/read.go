package analyzer

import (
	"github.com/djleak/djleak/analyzer/internal/fileio"
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

// FormatSize renders a byte count the way max-file-size accepts it.
func FormatSize(n int64) string { return source.FormatSize(n) }

// The reads of internal/fileio, shared with the driver.
var (
	readLimited = fileio.ReadLimited
	readProblem = fileio.ReadProblem
	textProblem = fileio.TextProblem
)
