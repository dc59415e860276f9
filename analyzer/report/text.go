package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/mask"
	"github.com/djleak/djleak/parsers/source"
)

// The text format, modelled on ruff's:
//
//	mysite/settings.py:4:25: DJL401 SESSION_COOKIE_SECURE is False: …
//	  |
//	3 | INSTALLED_APPS = ["django.contrib.sessions"]
//	4 | SESSION_COOKIE_SECURE = False
//	  |                         ^^^^^
//	5 | DEBUG = False
//	  |
//	  = related: nginx/app.conf:12:5: client-certificate variable forwarded here
//	  = flow: 1. nginx/app.conf:3:5 the header is set here
//
//	Found 1 finding (1 error, 0 warnings, 0 notes) in 12 files.
//
// Columns in the header count Unicode code points. In the code frame tabs
// expand to the next multiple of tabWidth, East Asian wide characters and
// emoji take two cells, combining marks none, and control characters are
// shown as U+FFFD so that file content cannot drive the terminal; every
// line has its credential-looking values masked (package mask). Messages
// (masked too) and paths are printed as they are, except that line breaks
// become spaces and other control characters U+FFFD (in the concise format
// too).

const (
	tabWidth      = 4
	maxFrameLines = 3 // lines of a multi-line range shown in the frame
)

type palette struct {
	bold, reset, gutter string
}

func newPalette(on bool) palette {
	if !on {
		return palette{}
	}
	return palette{bold: "\x1b[1m", reset: "\x1b[0m", gutter: "\x1b[34m"}
}

// sev is the colour of a severity.
func (p palette) sev(s analyzer.Severity) string {
	if p.reset == "" {
		return ""
	}
	switch s {
	case analyzer.Error:
		return "\x1b[1;31m"
	case analyzer.Warning:
		return "\x1b[1;33m"
	}
	return "\x1b[1;36m"
}

func writeConcise(w io.Writer, res *analyzer.Result) error {
	bw := bufio.NewWriter(w)
	for _, f := range res.Findings {
		fmt.Fprintf(bw, "%s: %s %s\n", position(res, f.Location), f.RuleID, printable(f.Message))
	}
	return bw.Flush()
}

// position is "path:line:col" with the column in code points and the path
// relative to the working directory (Result.DisplayPath).
func position(res *analyzer.Result, l source.Location) string {
	return printable(res.DisplayPath(l.Path)) + ":" + strconv.Itoa(l.Start.Line) + ":" + strconv.Itoa(l.Start.Column)
}

// printable keeps a message or path on one line and out of the terminal's
// control: line breaks become spaces, other control characters U+FFFD.
func printable(s string) string {
	s = oneLine(s)
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == '\t' {
			return r
		}
		if isControl(r) {
			return utf8.RuneError
		}
		return r
	}, s)
}

func writeText(w io.Writer, res *analyzer.Result, opts Options) error {
	p := newPalette(opts.Color)
	m := masker(res)
	bw := bufio.NewWriter(w)
	ew := &errWriter{w: bw}
	for i, f := range res.Findings {
		if i > 0 {
			ew.printf("\n")
		}
		ew.printf("%s%s:%s %s%s%s %s\n", p.bold, position(res, f.Location), p.reset,
			p.sev(f.Severity), f.RuleID, p.reset, printable(f.Message))
		writeFrame(ew, res.Files[f.Location.Path], f.Location, p, p.sev(f.Severity), m)
		for _, r := range f.Related {
			ew.printf("  %s=%s %srelated:%s %s: %s\n", p.gutter, p.reset, p.bold, p.reset, position(res, r.Location), printable(r.Message))
		}
		for n, s := range f.Flow {
			ew.printf("  %s=%s %sflow:%s %d. %s %s\n", p.gutter, p.reset, p.bold, p.reset, n+1, position(res, s.Location), printable(s.Message))
		}
	}
	if len(res.Findings) > 0 {
		ew.printf("\n")
	}
	ew.printf("%s%s%s\n", p.bold, summary(res), p.reset)
	if ew.err != nil {
		return ew.err
	}
	return bw.Flush()
}

// summary is the last line of the text format.
func summary(res *analyzer.Result) string {
	files := plural(res.FilesScanned, "file", "files")
	if len(res.Findings) == 0 {
		return "No findings in " + files + "." + hiddenInTests(res)
	}
	c := countFindings(res.Findings)
	return fmt.Sprintf("Found %s (%s, %s, %s) in %s.",
		plural(len(res.Findings), "finding", "findings"),
		plural(c.errors, "error", "errors"), plural(c.warnings, "warning", "warnings"),
		plural(c.notes, "note", "notes"), files) + hiddenInTests(res)
}

// hiddenInTests tells how many findings in test code were left out.
func hiddenInTests(res *analyzer.Result) string {
	if res.HiddenInTests == 0 {
		return ""
	}
	return fmt.Sprintf(" %s in test code not shown (include-tests = true shows them).",
		plural(res.HiddenInTests, "finding", "findings"))
}

// frameLine is one row of a code frame: a line number (0 for an elision
// row) and the rendered text.
type frameLine struct {
	num  int
	text string
}

// writeFrame prints the lines around loc with the range underlined. It
// prints nothing when the file's content is not available.
func writeFrame(w *errWriter, f *source.File, loc source.Location, p palette, mark string, m *mask.Masker) {
	if f == nil || loc.Start.Line < 1 {
		return
	}
	last := f.LineCount()
	if len(f.Content) > 0 && f.Content[len(f.Content)-1] == '\n' {
		last++ // a finding may point just past the final newline
	}
	if loc.Start.Line > last {
		return
	}
	endLine := loc.End.Line
	if endLine > loc.Start.Line && loc.End.Column == 1 {
		endLine-- // the range ends with a line break
	}
	if endLine < loc.Start.Line {
		endLine = loc.Start.Line
	}
	shownEnd := min(endLine, loc.Start.Line+maxFrameLines-1, last)

	var rows []frameLine
	// The caret row's columns, mapped onto the masked text.
	caretText, cols := m.Map(f.Line(loc.Start.Line))
	if loc.Start.Line > 1 {
		rows = append(rows, frameLine{loc.Start.Line - 1, m.Text(f.Line(loc.Start.Line - 1))})
	}
	rows = append(rows, frameLine{loc.Start.Line, caretText})
	for n := loc.Start.Line + 1; n <= shownEnd; n++ {
		rows = append(rows, frameLine{n, m.Text(f.Line(n))})
	}
	truncated := shownEnd < endLine
	if !truncated && shownEnd+1 <= f.LineCount() {
		rows = append(rows, frameLine{shownEnd + 1, m.Text(f.Line(shownEnd + 1))})
	}

	gw := len(strconv.Itoa(shownEnd + 1))
	if truncated {
		gw = max(gw, 3) // room for "..."
	}
	pad := strings.Repeat(" ", gw)
	bar := func(num string) string { return p.gutter + num + " |" + p.reset }

	w.printf("%s\n", bar(pad))
	for _, r := range rows {
		text := strings.TrimRight(expand(r.text), " ")
		if text == "" {
			w.printf("%s\n", bar(fmt.Sprintf("%*d", gw, r.num)))
		} else {
			w.printf("%s %s\n", bar(fmt.Sprintf("%*d", gw, r.num)), text)
		}
		if r.num == loc.Start.Line {
			startCol := maskedCol(cols, loc.Start.Column)
			endCol := utf8.RuneCountInString(caretText) + 1 // end of line
			if loc.End.Line == loc.Start.Line {
				endCol = maskedCol(cols, loc.End.Column)
			}
			from, to := cells(caretText, startCol), cells(caretText, endCol)
			if to <= from {
				to = from + 1
			}
			w.printf("%s %s%s%s%s\n", bar(pad), strings.Repeat(" ", from), mark, strings.Repeat("^", to-from), p.reset)
		}
	}
	if truncated {
		w.printf("%s\n", bar(fmt.Sprintf("%*s", gw, "...")))
	}
	w.printf("%s\n", bar(pad))
}

// maskedCol maps a 1-based column of a source line onto the line as shown
// with its secrets masked (cols from Masker.Map); columns past the end keep
// their distance from it.
func maskedCol(cols []int, col int) int {
	if col-1 < len(cols) {
		return cols[max(col-1, 0)] + 1
	}
	return cols[len(cols)-1] + 1 + col - len(cols)
}

// cells is the display width of the first col-1 code points of line (col is
// 1-based); columns past the end of the line continue one cell each.
func cells(line string, col int) int {
	n, k := 0, 1
	for _, r := range line {
		if k >= col {
			return n
		}
		n = advance(n, r)
		k++
	}
	return n + max(col-k, 0)
}

// advance returns the display column after printing r at column n.
func advance(n int, r rune) int {
	if r == '\t' {
		return (n/tabWidth + 1) * tabWidth
	}
	return n + runeWidth(r)
}

// expand renders a source line for the terminal: tabs become spaces and
// control characters U+FFFD, so that widths match cells.
func expand(line string) string {
	var b strings.Builder
	n := 0
	for _, r := range line {
		switch {
		case r == '\t':
			next := advance(n, r)
			b.WriteString(strings.Repeat(" ", next-n))
			n = next
			continue
		case isControl(r):
			r = utf8.RuneError
		}
		b.WriteRune(r)
		n = advance(n, r)
	}
	return b.String()
}

// isControl reports the characters a code frame must not print as they are:
// C0 and C1 controls, line separators, and the bidirectional formatting
// characters that can make a line look different from what it is.
func isControl(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r < 0xa0, r == 0x2028, r == 0x2029:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// runeWidth is the number of terminal cells r takes.
func runeWidth(r rune) int {
	switch {
	case isControl(r):
		return 1 // printed as U+FFFD
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}
