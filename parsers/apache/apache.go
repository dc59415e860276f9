// Package apache parses Apache httpd configuration files into a tree of
// directives and sections, each word with the byte offsets of its source
// text.
//
// It follows httpd's reader: one directive per line, a backslash at the end
// of a line continues it, a `#` that starts a line is a comment, words are
// separated by blanks, and double or single quotes group words (a backslash
// escapes the quote). `<Name args>` opens a section that `</Name>` closes.
//
// Parsing never fails and never panics: an unclosed or mismatched section
// or an unterminated quote is an [Error], and the rest of the file is kept.
package apache

import (
	"strings"

	"github.com/djleak/djleak/parsers/template"
)

// Word is one argument, with quotes resolved.
type Word struct {
	Text       string
	Start, End int // byte offsets of the source text, quotes included
	Quoted     bool
}

// Directive is one directive, or a section with its body.
type Directive struct {
	Name string // as written ("RequestHeader", "VirtualHost" for a section)
	// Args are the words after the name (for a section, inside `<…>`).
	Args []Word
	// Start and End span the directive's line (for a section, its opening
	// tag).
	Start, End int
	Section    bool
	Body       []*Directive
	// Close is the offset of the closing tag, -1 when it is missing.
	Close int
}

// Is reports whether the directive's name is name (case-insensitively, as
// httpd matches them).
func (d *Directive) Is(name string) bool { return strings.EqualFold(d.Name, name) }

// Arg is the text of the i-th argument, or "".
func (d *Directive) Arg(i int) string {
	if i < len(d.Args) {
		return d.Args[i].Text
	}
	return ""
}

// Texts are the arguments' texts.
func (d *Directive) Texts() []string {
	out := make([]string, len(d.Args))
	for i, a := range d.Args {
		out[i] = a.Text
	}
	return out
}

// Find returns the body's directives named name.
func (d *Directive) Find(name string) []*Directive {
	var out []*Directive
	for _, c := range d.Body {
		if c.Is(name) {
			out = append(out, c)
		}
	}
	return out
}

// Error is one problem found while parsing.
type Error struct {
	Offset int
	Msg    string
}

// File is one parsed configuration file.
type File struct {
	Directives []*Directive
	Errors     []Error
	// LeftOut are the branches of a template that the parse left out,
	// having read it as its first-branch rendering (see template.Reread).
	LeftOut []template.Range
}

// Parse parses one file's content.
func Parse(content []byte) *File {
	f := &File{}
	root := &Directive{Close: -1}
	stack := []*Directive{root}
	off := 0
	for off < len(content) {
		// a logical line: physical lines joined by a trailing backslash
		start := off
		end := off
		var segs [][2]int
		for {
			for end < len(content) && content[end] != '\n' {
				end++
			}
			e := end
			if e > start && content[e-1] == '\r' {
				e--
			}
			if e > start && content[e-1] == '\\' && end < len(content) {
				segs = append(segs, [2]int{start, e - 1})
				end++
				start = end
				continue
			}
			segs = append(segs, [2]int{start, e})
			break
		}
		next := end + 1
		words, errs := splitWords(content, segs)
		f.Errors = append(f.Errors, errs...)
		off = next
		if len(words) == 0 || strings.HasPrefix(words[0].Text, "#") && !words[0].Quoted {
			continue
		}
		top := stack[len(stack)-1]
		first := words[0]
		switch {
		case strings.HasPrefix(first.Text, "</"):
			name := strings.TrimSuffix(strings.TrimPrefix(first.Text, "</"), ">")
			if len(stack) == 1 {
				f.Errors = append(f.Errors, Error{first.Start, "`" + first.Text + "` without an opening section"})
				continue
			}
			if !strings.EqualFold(name, top.Name) {
				f.Errors = append(f.Errors, Error{first.Start, "`" + first.Text + "` closes `<" + top.Name + ">`"})
			}
			top.Close = first.Start
			stack = stack[:len(stack)-1]
		case strings.HasPrefix(first.Text, "<") && len(first.Text) > 1:
			d := &Directive{Name: strings.TrimSuffix(first.Text[1:], ">"), Start: first.Start, End: words[len(words)-1].End, Section: true, Close: -1}
			args := words[1:]
			if n := len(args); n > 0 {
				last := args[n-1]
				last.Text = strings.TrimSuffix(last.Text, ">")
				if last.Text == "" {
					args = args[:n-1]
				} else {
					args[n-1] = last
				}
			}
			d.Args = args
			top.Body = append(top.Body, d)
			stack = append(stack, d)
		default:
			top.Body = append(top.Body, &Directive{Name: first.Text, Args: words[1:], Start: first.Start, End: words[len(words)-1].End, Close: -1})
		}
	}
	for _, d := range stack[1:] {
		f.Errors = append(f.Errors, Error{d.Start, "`<" + d.Name + ">` is never closed"})
	}
	f.Directives = root.Body
	return f
}

// splitWords splits the segments of one logical line into words. As in
// httpd, the segments are joined without the backslashes and newlines
// between them before the line is split, so a word or a quoted string may
// run on into the next segment; offsets are those of the content.
func splitWords(content []byte, segs [][2]int) ([]Word, []Error) {
	line := content[segs[0][0]:segs[0][1]]
	if len(segs) > 1 {
		line = nil
		for _, sg := range segs {
			line = append(line, content[sg[0]:sg[1]]...)
		}
	}
	// off maps a position of line to the content: into the segment that
	// holds it, or just past the last segment at the end of the line.
	off := func(k int) int {
		for _, sg := range segs {
			n := sg[1] - sg[0]
			if k < n {
				return sg[0] + k
			}
			k -= n
		}
		return segs[len(segs)-1][1]
	}
	// endOff is off for the end of a word: just past its last byte.
	endOff := func(k int) int {
		if k == 0 {
			return off(0)
		}
		return off(k-1) + 1
	}
	var words []Word
	var errs []Error
	i, end := 0, len(line)
	for i < end {
		c := line[i]
		if c == ' ' || c == '\t' || c == '\r' {
			i++
			continue
		}
		start := i
		var b strings.Builder
		quoted := false
		for i < end && line[i] != ' ' && line[i] != '\t' {
			c := line[i]
			if (c == '"' || c == '\'') && i == start {
				quoted = true
				j := i + 1
				for j < end && line[j] != c {
					if line[j] == '\\' && j+1 < end && line[j+1] == c {
						j++
					}
					b.WriteByte(line[j])
					j++
				}
				if j >= end {
					errs = append(errs, Error{off(i), "unterminated quote"})
					i = end
					break
				}
				i = j + 1
				break
			}
			b.WriteByte(c)
			i++
		}
		words = append(words, Word{Text: b.String(), Quoted: quoted, Start: off(start), End: endOff(i)})
	}
	return words, errs
}
