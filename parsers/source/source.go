// Package source holds the position machinery shared by all parsers: a file's
// content with a line index, and locations that keep byte offsets alongside
// 1-based line/column pairs (columns counted in Unicode code points for humans
// and in UTF-16 code units for SARIF).
package source

import (
	"errors"
	"io/fs"
	"sort"
	"strconv"
	"syscall"
	"unicode/utf16"
	"unicode/utf8"
)

// File is one source file's content with a line-start index.
type File struct {
	// Path is the slash-separated path relative to the project root.
	Path    string
	Content []byte
	lines   []int // byte offset of each line start
	// wide marks lines with non-ASCII bytes, whose columns are not byte
	// counts; checkpoints holds, for long ones, column counts every
	// checkpointEvery bytes so that Pos need not rescan the whole line.
	wide        []bool
	checkpoints map[int][]checkpoint
}

// checkpoint is a position inside a line where sequential decoding from
// the line's start is at a rune boundary, with the columns counted so far.
type checkpoint struct{ off, runes, u16 int }

const checkpointEvery = 1024

// NewFile indexes content. Path should be project-relative and slash-separated.
func NewFile(path string, content []byte) *File {
	f := &File{Path: path, Content: content, lines: []int{0}}
	wide := false
	for i, b := range content {
		if b >= utf8.RuneSelf {
			wide = true
		}
		// A line ends at "\n", "\r\n" or a lone "\r", as CPython and
		// LSP clients count lines.
		if b == '\n' || (b == '\r' && (i+1 == len(content) || content[i+1] != '\n')) {
			f.lines = append(f.lines, i+1)
			f.wide = append(f.wide, wide)
			wide = false
		}
	}
	f.wide = append(f.wide, wide)
	for li, w := range f.wide {
		if start, end := f.lines[li], f.lineEnd(li); w && end-start > checkpointEvery {
			if f.checkpoints == nil {
				f.checkpoints = map[int][]checkpoint{}
			}
			f.checkpoints[li] = lineCheckpoints(content, start, end)
		}
	}
	return f
}

// lineEnd is the offset just past line index li's text (its newline, if
// any, excluded).
func (f *File) lineEnd(li int) int {
	if li+1 < len(f.lines) {
		return f.lines[li+1] - 1
	}
	return len(f.Content)
}

// lineCheckpoints decodes content[start:end] and records the columns at
// the first rune boundary past every checkpointEvery bytes.
func lineCheckpoints(content []byte, start, end int) []checkpoint {
	cps := []checkpoint{{off: start}}
	runes, u16 := 0, 0
	next := start + checkpointEvery
	for i := start; i < end; {
		if i >= next {
			cps = append(cps, checkpoint{off: i, runes: runes, u16: u16})
			next = i + checkpointEvery
		}
		r, size := utf8.DecodeRune(content[i:end])
		runes++
		if r == utf8.RuneError && size == 1 {
			u16++
		} else {
			u16 += utf16.RuneLen(r)
		}
		i += size
	}
	return cps
}

// LineCount is the number of lines (a trailing newline does not start a new line).
func (f *File) LineCount() int {
	n := len(f.lines)
	if n > 1 && f.lines[n-1] == len(f.Content) {
		n--
	}
	return n
}

// LineStart returns the byte offset where 1-based line starts (clamped).
func (f *File) LineStart(line int) int {
	if line < 1 {
		return 0
	}
	if line > len(f.lines) {
		return len(f.Content)
	}
	return f.lines[line-1]
}

// Line returns the text of a 1-based line without its line terminator.
func (f *File) Line(line int) string {
	if line < 1 || line > len(f.lines) {
		return ""
	}
	start, end := f.lines[line-1], f.lineEnd(line-1)
	if end > start && f.Content[end-1] == '\r' {
		end--
	}
	if end < start {
		end = start
	}
	return string(f.Content[start:end])
}

// Pos converts a byte offset into a Pos.
func (f *File) Pos(off int) Pos {
	if off < 0 {
		off = 0
	}
	if off > len(f.Content) {
		off = len(f.Content)
	}
	li := sort.Search(len(f.lines), func(i int) bool { return f.lines[i] > off }) - 1
	if li < 0 {
		li = 0
	}
	start := f.lines[li]
	if !f.wide[li] {
		return Pos{Offset: off, Line: li + 1, Column: off - start + 1, UTF16Col: off - start + 1}
	}
	base := checkpoint{off: start}
	if cps := f.checkpoints[li]; len(cps) > 0 {
		base = cps[sort.Search(len(cps), func(i int) bool { return cps[i].off > off })-1]
	}
	seg := f.Content[base.off:off]
	return Pos{
		Offset:   off,
		Line:     li + 1,
		Column:   base.runes + utf8.RuneCount(seg) + 1,
		UTF16Col: base.u16 + utf16Len(seg) + 1,
	}
}

// OffsetOf converts a 1-based line and byte column (1-based) into an offset.
func (f *File) OffsetOf(line, byteCol int) int {
	off := f.LineStart(line) + byteCol - 1
	if off > len(f.Content) {
		off = len(f.Content)
	}
	return off
}

// Span builds a Location for the byte range [start, end).
func (f *File) Span(start, end int) Location {
	if end < start {
		end = start
	}
	return Location{Path: f.Path, Start: f.Pos(start), End: f.Pos(end)}
}

// LineSpan builds a Location covering a whole line's text (without newline).
func (f *File) LineSpan(line int) Location {
	start := f.LineStart(line)
	return f.Span(start, start+len(f.Line(line)))
}

func utf16Len(b []byte) int {
	n := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		if r == utf8.RuneError && size == 1 {
			n++
			continue
		}
		n += utf16.RuneLen(r)
	}
	return n
}

// Pos is one point in a file.
type Pos struct {
	Offset   int `json:"offset"` // byte offset from the start of the file
	Line     int `json:"line"`   // 1-based
	Column   int `json:"column"` // 1-based, in Unicode code points
	UTF16Col int `json:"-"`      // 1-based, in UTF-16 code units (SARIF)
}

// Location is a range in one file.
type Location struct {
	Path  string `json:"path"`
	Start Pos    `json:"start"`
	End   Pos    `json:"end"`
}

// IsZero reports whether the location is unset.
func (l Location) IsZero() bool { return l.Path == "" && l.Start.Line == 0 }

// Less orders locations by path, line, column.
func (l Location) Less(o Location) bool {
	if l.Path != o.Path {
		return l.Path < o.Path
	}
	if l.Start.Line != o.Start.Line {
		return l.Start.Line < o.Start.Line
	}
	if l.Start.Column != o.Start.Column {
		return l.Start.Column < o.Start.Column
	}
	if l.End.Line != o.End.Line {
		return l.End.Line < o.End.Line
	}
	return l.End.Column < o.End.Column
}

// ReadProblem words why a file could not be read, without its path (the
// report's location names the file): "permission denied", "the file
// vanished while djleak was reading the project", "symbolic link loop".
func ReadProblem(err error) string {
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "the file vanished while djleak was reading the project"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	case errors.Is(err, syscall.ELOOP):
		return "symbolic link loop"
	case errors.As(err, &pe):
		return pe.Err.Error()
	}
	return err.Error()
}

// FormatSize renders a byte count for messages: "4 MiB", "512 KiB", or
// "1000-byte" (as in "the 1000-byte limit").
func FormatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + "-byte"
}
