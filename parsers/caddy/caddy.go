// Package caddy parses Caddyfiles into a tree of directives, each word with
// the byte offsets of its source text.
//
// It follows the Caddyfile lexer: words are separated by blanks and
// newlines; a `#` at the start of a word begins a comment; double quotes
// group words (a backslash escapes a quote inside them); backticks group
// words literally. A `{` that is a word of its own at the end of a line
// opens a block that a `}` word closes. Placeholders such as
// `{tls_client_subject}` are ordinary words. The first block of a file may
// be the global options block (a `{` alone), and a file whose first site
// has no braces is a single site whose directives follow it.
//
// Parsing never fails and never panics: an unterminated quote, an unclosed
// block or a stray `}` is an [Error], and the rest of the file is kept.
package caddy

import (
	"sort"
	"strings"

	"github.com/djleak/djleak/parsers/template"
)

// Word is one token, with quotes resolved.
type Word struct {
	Text       string
	Start, End int // byte offsets of the source text, quotes included
	Quoted     bool
}

// Directive is one line and, when it ends with `{`, its block.
type Directive struct {
	Words []Word
	// Start is the first word's offset; End is just past the last word, or
	// past the closing `}` of the block.
	Start, End int
	// Body is the block's directives; HasBody tells an empty block from
	// none. Open and Close are the offsets of the braces (Close is -1 when
	// the block is never closed).
	Body        []*Directive
	HasBody     bool
	Open, Close int
}

// Name is the directive's first word.
func (d *Directive) Name() string {
	if len(d.Words) == 0 {
		return ""
	}
	return d.Words[0].Text
}

// Arg is the i-th word after the name, or "".
func (d *Directive) Arg(i int) string {
	if i+1 < len(d.Words) {
		return d.Words[i+1].Text
	}
	return ""
}

// Args are the texts of the words after the name.
func (d *Directive) Args() []string {
	var out []string
	for _, w := range d.Words[min(1, len(d.Words)):] {
		out = append(out, w.Text)
	}
	return out
}

// Find returns the body's directives named name.
func (d *Directive) Find(name string) []*Directive {
	var out []*Directive
	for _, c := range d.Body {
		if c.Name() == name {
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

// File is one parsed Caddyfile.
type File struct {
	// Global is the global options block, nil when the file has none.
	Global *Directive
	// Snippets are `(name) { … }` blocks by name; Sites are the site
	// blocks, whose Words are the site addresses.
	Snippets map[string]*Directive
	Sites    []*Directive
	// Imports are the `import` lines outside any block, which bring in
	// other files' sites and snippets.
	Imports []*Directive
	// Top are the file's top-level lines and blocks as written: what an
	// `import` of the file inside a site inserts there.
	Top    []*Directive
	Errors []Error
	// LeftOut are the branches of a template that the parse left out,
	// having read it as its first-branch rendering (see template.Reread).
	LeftOut []template.Range
}

type tokKind int

const (
	tWord tokKind = iota
	tNewline
	tOpen
	tClose
)

type token struct {
	kind tokKind
	w    Word
}

// lex splits content into words, braces and newlines.
func lex(content []byte) ([]token, []Error) {
	var toks []token
	var errs []Error
	i := 0
	for i < len(content) {
		c := content[i]
		switch {
		case c == '\n':
			toks = append(toks, token{kind: tNewline, w: Word{Start: i, End: i + 1}})
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '#':
			for i < len(content) && content[i] != '\n' {
				i++
			}
		case c == '\\' && i+1 < len(content) && (content[i+1] == '\n' || (content[i+1] == '\r' && i+2 < len(content) && content[i+2] == '\n')):
			// a line continuation
			i += 2
			if content[i-1] == '\r' {
				i++
			}
		default:
			w, next, err := lexWord(content, i)
			if err != nil {
				errs = append(errs, *err)
			}
			kind := tWord
			if !w.Quoted && w.Text == "{" {
				kind = tOpen
			} else if !w.Quoted && w.Text == "}" {
				kind = tClose
			}
			toks = append(toks, token{kind: kind, w: w})
			i = next
		}
	}
	return toks, errs
}

func lexWord(content []byte, i int) (Word, int, *Error) {
	w := Word{Start: i}
	var b strings.Builder
	for i < len(content) {
		c := content[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			w.Text, w.End = b.String(), i
			return w, i, nil
		case c == '"' || c == '`':
			w.Quoted = true
			j := i + 1
			for j < len(content) && content[j] != c {
				if c == '"' && content[j] == '\\' && j+1 < len(content) && content[j+1] == '"' {
					b.WriteByte('"')
					j += 2
					continue
				}
				b.WriteByte(content[j])
				j++
			}
			if j >= len(content) {
				w.Text, w.End = b.String(), len(content)
				return w, len(content), &Error{i, "unterminated quote"}
			}
			i = j + 1
		default:
			b.WriteByte(c)
			i++
		}
	}
	w.Text, w.End = b.String(), i
	return w, i, nil
}

type parser struct {
	toks []token
	pos  int
	errs []Error
}

// line reads one directive (and its block) at p.pos; nil at the end of the
// block or file. depth > 0 inside a block.
func (p *parser) line(depth int) (*Directive, bool) {
	for p.pos < len(p.toks) && p.toks[p.pos].kind == tNewline {
		p.pos++
	}
	if p.pos >= len(p.toks) {
		return nil, false
	}
	if p.toks[p.pos].kind == tClose {
		if depth > 0 {
			return nil, false
		}
		p.errs = append(p.errs, Error{p.toks[p.pos].w.Start, "`}` without an opening `{`"})
		p.pos++
		return p.line(depth)
	}
	d := &Directive{Start: p.toks[p.pos].w.Start, Close: -1}
	for p.pos < len(p.toks) {
		t := p.toks[p.pos]
		switch t.kind {
		case tNewline:
			p.pos++
			return d, true
		case tClose:
			// `}` ends the enclosing block after this line
			return d, true
		case tOpen:
			p.pos++
			d.HasBody, d.Open = true, t.w.Start
			if len(d.Words) == 0 {
				d.Start = t.w.Start
			}
			for {
				c, ok := p.line(depth + 1)
				if !ok {
					break
				}
				d.Body = append(d.Body, c)
			}
			if p.pos < len(p.toks) && p.toks[p.pos].kind == tClose {
				d.Close = p.toks[p.pos].w.Start
				d.End = d.Close + 1
				p.pos++
			} else {
				p.errs = append(p.errs, Error{t.w.Start, "`{` is never closed"})
				d.End = p.lastEnd()
			}
			return d, true
		default:
			d.Words = append(d.Words, t.w)
			d.End = t.w.End
			p.pos++
		}
	}
	return d, true
}

func (p *parser) lastEnd() int {
	if len(p.toks) == 0 {
		return 0
	}
	return p.toks[len(p.toks)-1].w.End
}

// Parse parses one Caddyfile.
func Parse(content []byte) *File {
	toks, errs := lex(content)
	p := &parser{toks: toks, errs: errs}
	f := &File{Snippets: map[string]*Directive{}}
	var top []*Directive
	for {
		d, ok := p.line(0)
		if !ok {
			break
		}
		top = append(top, d)
	}
	f.Top = top
	for i, d := range top {
		switch {
		case !d.HasBody && d.Name() == "import" && (len(f.Sites) > 0 || hasBlockSite(top[i+1:]) || allImports(top[i:])):
			f.Imports = append(f.Imports, d)
		case len(d.Words) == 0 && d.HasBody && i == 0:
			f.Global = d
		case len(d.Words) == 1 && strings.HasPrefix(d.Name(), "(") && strings.HasSuffix(d.Name(), ")") && d.HasBody:
			f.Snippets[strings.Trim(d.Name(), "()")] = d
		case !d.HasBody && len(f.Sites) == 0 && !hasBlockSite(top[i+1:]):
			// single-site form: the rest of the file is this site's body
			site := &Directive{Words: d.Words, Start: d.Start, End: d.End, HasBody: true, Open: -1, Close: -1}
			site.Body = append(site.Body, top[i+1:]...)
			if n := len(site.Body); n > 0 {
				site.End = site.Body[n-1].End
			}
			f.Sites = append(f.Sites, site)
			f.Errors = p.errs
			sort.SliceStable(f.Errors, func(i, j int) bool { return f.Errors[i].Offset < f.Errors[j].Offset })
			return f
		case !d.HasBody:
			f.Errors = append(f.Errors, Error{d.Start, "`" + d.Name() + "` outside of any site block"})
		default:
			f.Sites = append(f.Sites, d)
		}
	}
	f.Errors = append(p.errs, f.Errors...)
	sort.SliceStable(f.Errors, func(i, j int) bool { return f.Errors[i].Offset < f.Errors[j].Offset })
	return f
}

// allImports reports whether every line of ds is an `import`.
func allImports(ds []*Directive) bool {
	for _, d := range ds {
		if d.HasBody || d.Name() != "import" {
			return false
		}
	}
	return true
}

func hasBlockSite(ds []*Directive) bool {
	for _, d := range ds {
		if d.HasBody && len(d.Words) > 0 && !strings.HasPrefix(d.Name(), "(") {
			return true
		}
	}
	return false
}
