// Package haproxy parses HAProxy configuration files into sections of
// lines of words, each with the byte offsets of its source text.
//
// The format is line-oriented: a section keyword (global, defaults,
// frontend, backend, listen, …) opens a section that lasts until the next
// one, and every other line is a keyword with arguments. This package
// follows HAProxy's own word splitting: blanks separate words; a `#` that is
// not quoted or escaped starts a comment; a backslash escapes the next byte
// outside single quotes; double quotes group words and keep escapes and
// environment variables; single quotes group words literally; quoted and
// unquoted parts next to each other form one word. The `.if` / `.elif` /
// `.else` / `.endif` preprocessor blocks are kept as conditions on the
// lines inside them.
//
// Parsing never fails and never panics: problems (an unterminated quote, a
// line outside any section, an unbalanced `.endif`) are collected as
// [Error] values and the rest of the file is still returned.
package haproxy

import (
	"strings"

	"github.com/djleak/djleak/parsers/template"
)

// Word is one argument of a line, with quotes and escapes resolved.
type Word struct {
	Text string
	// Start and End are byte offsets of the word's source text, quotes
	// included.
	Start, End int
	// Quoted reports whether any part of the word was quoted.
	Quoted bool
}

// Line is one configuration line (comments and blank lines are dropped).
type Line struct {
	Words []Word
	// Start is the offset of the first word, End the offset just past the
	// last one.
	Start, End int
	// Cond lists the enclosing `.if` / `.elif` / `.else` conditions, outer
	// first, as written (".if defined(PROD)", ".else"). Empty when the line
	// is unconditional.
	Cond []string
}

// Keyword is the line's first word.
func (l *Line) Keyword() string {
	if len(l.Words) == 0 {
		return ""
	}
	return l.Words[0].Text
}

// Arg returns the i-th word after the keyword, or "".
func (l *Line) Arg(i int) string {
	if i+1 < len(l.Words) {
		return l.Words[i+1].Text
	}
	return ""
}

// Args are the words after the keyword.
func (l *Line) Args() []Word {
	if len(l.Words) <= 1 {
		return nil
	}
	return l.Words[1:]
}

// Texts returns the text of words [from:].
func (l *Line) Texts(from int) []string {
	if from >= len(l.Words) {
		return nil
	}
	out := make([]string, 0, len(l.Words)-from)
	for _, w := range l.Words[from:] {
		out = append(out, w.Text)
	}
	return out
}

// Section is one section: its header line and the lines after it.
type Section struct {
	// Kind is the section keyword: "global", "defaults", "frontend",
	// "backend", "listen", "peers", "resolvers", "userlist", …
	Kind string
	// Name is the section's name ("" for global and unnamed defaults).
	Name string
	// From names the defaults section given with `from NAME`, if any.
	From   string
	Header *Line
	Lines  []*Line
}

// Find returns the lines of the section whose keyword is kw, in order.
func (s *Section) Find(kw string) []*Line {
	var out []*Line
	for _, l := range s.Lines {
		if l.Keyword() == kw {
			out = append(out, l)
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
	Sections []*Section
	Errors   []Error
	// LeftOut are the branches of a template that the parse left out,
	// having read it as its first-branch rendering (see template.Reread).
	LeftOut []template.Range
}

// sectionKeywords are the keywords that open a section in HAProxy 2.x.
var sectionKeywords = map[string]bool{
	"global": true, "defaults": true, "frontend": true, "backend": true, "listen": true,
	"peers": true, "resolvers": true, "userlist": true, "cache": true, "program": true,
	"http-errors": true, "ring": true, "mailers": true, "log-forward": true, "fcgi-app": true,
	"crt-store": true, "traces": true,
}

// IsSectionKeyword reports whether kw opens a section.
func IsSectionKeyword(kw string) bool { return sectionKeywords[kw] }

// Parse parses one file's content.
func Parse(content []byte) *File {
	f := &File{}
	var cur *Section
	var conds []string // the open .if/.elif/.else stack, one entry per level
	off := 0
	for off <= len(content) {
		end := off
		for end < len(content) && content[end] != '\n' {
			end++
		}
		line, errs := splitLine(content, off, end)
		f.Errors = append(f.Errors, errs...)
		next := end + 1
		if line == nil {
			off = next
			continue
		}
		kw := line.Keyword()
		switch {
		case strings.HasPrefix(kw, "."):
			switch kw {
			case ".if":
				conds = append(conds, condText(line))
			case ".elif", ".else":
				if len(conds) == 0 {
					f.Errors = append(f.Errors, Error{line.Start, "`" + kw + "` without `.if`"})
				} else {
					conds[len(conds)-1] = condText(line)
				}
			case ".endif":
				if len(conds) == 0 {
					f.Errors = append(f.Errors, Error{line.Start, "`.endif` without `.if`"})
				} else {
					conds = conds[:len(conds)-1]
				}
			case ".diag", ".notice", ".warning", ".alert":
				// messages printed while loading; nothing to model
			default:
				f.Errors = append(f.Errors, Error{line.Start, "unknown directive `" + kw + "`"})
			}
		case sectionKeywords[kw]:
			line.Cond = append([]string(nil), conds...)
			cur = &Section{Kind: kw, Header: line}
			args := line.Args()
			if kw != "global" && len(args) > 0 && args[0].Text != "from" {
				cur.Name = args[0].Text
				args = args[1:]
			}
			if len(args) >= 2 && args[0].Text == "from" {
				cur.From = args[1].Text
			}
			f.Sections = append(f.Sections, cur)
		default:
			line.Cond = append([]string(nil), conds...)
			if cur == nil {
				f.Errors = append(f.Errors, Error{line.Start, "`" + kw + "` outside of any section"})
				off = next
				continue
			}
			cur.Lines = append(cur.Lines, line)
		}
		off = next
	}
	if len(conds) > 0 {
		f.Errors = append(f.Errors, Error{len(content), "`.if` without `.endif` at the end of the file"})
	}
	return f
}

func condText(l *Line) string {
	return strings.Join(l.Texts(0), " ")
}

// splitLine splits content[start:end] into words; nil for a blank or
// comment-only line.
func splitLine(content []byte, start, end int) (*Line, []Error) {
	var (
		words  []Word
		errs   []Error
		b      strings.Builder
		inWord bool
		wStart int
		quoted bool
	)
	flush := func(at int) {
		if inWord {
			words = append(words, Word{Text: b.String(), Start: wStart, End: at, Quoted: quoted})
		}
		b.Reset()
		inWord, quoted = false, false
	}
	begin := func(at int) {
		if !inWord {
			inWord, wStart = true, at
		}
	}
	i := start
scan:
	for i < end {
		c := content[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			flush(i)
			i++
		case c == '#':
			break scan
		case c == '\\':
			begin(i)
			if i+1 < end {
				b.WriteByte(unescape(content[i+1]))
				i += 2
			} else {
				b.WriteByte('\\')
				i++
			}
		case c == '"' || c == '\'':
			begin(i)
			quoted = true
			j := i + 1
			for j < end && content[j] != c {
				if c == '"' && content[j] == '\\' && j+1 < end {
					b.WriteByte(unescape(content[j+1]))
					j += 2
					continue
				}
				b.WriteByte(content[j])
				j++
			}
			if j >= end {
				errs = append(errs, Error{i, "unterminated quote"})
				i = end
				break
			}
			i = j + 1
		default:
			begin(i)
			b.WriteByte(c)
			i++
		}
	}
	// A word ends where its last byte ends, not at the comment or newline.
	last := i
	for last > start && isBlank(content[last-1]) {
		last--
	}
	flush(last)
	if len(words) == 0 {
		return nil, errs
	}
	return &Line{Words: words, Start: words[0].Start, End: words[len(words)-1].End}, errs
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' }

func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return c
}
