package nginx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"

	crossplane "github.com/nginxinc/nginx-go-crossplane"

	"github.com/djleak/djleak/parsers/source"
	"github.com/djleak/djleak/parsers/template"
)

// node is one parsed directive of a file, before include expansion. Nodes
// are shared by every inclusion of the file; Directives are built from them
// per inclusion because their Parent differs.
type node struct {
	name    string
	args    []string
	comment string
	isBlock bool
	block   []*node
	loc     source.Location
	cond    string // template conditionals around the directive
}

// parsedFile is one file parsed on its own.
type parsedFile struct {
	file *source.File
	// key names the file in the builder: its path, or for an entry of a
	// Kubernetes ConfigMap "manifest.yaml#configmap/key".
	key   string
	nodes []*node
	errs  []Error // syntax errors, KindSyntax
}

// parseFile parses one file's content. It never panics: a panic inside
// crossplane becomes a syntax error.
func parseFile(f *source.File) *parsedFile { return parseText(f, f.Path, f.Content) }

// parseText parses text as the nginx configuration of file f, where every
// byte of text is at its place in f (a ConfigMap entry: the manifest up to
// the entry's end with all but the entry blanked). Locations are in f.
func parseText(f *source.File, key string, text []byte) *parsedFile {
	pf := &parsedFile{file: f, key: key}
	tpl := neutralize(f.Path, text)
	content := tpl.Content
	toks, lexErr := lexRaw(content)
	scan := scanStatements(content, toks)

	payload, err := runCrossplane(f.Path, content)
	if err != nil {
		pf.errs = append(pf.errs, Error{Loc: lineLoc(f, 1), Message: err.Error(), Kind: KindSyntax})
		return pf
	}

	pf.addErrors(payload, lexErr, scan)
	// A syntax error does not discard the file: repair the text where the
	// parse stopped and parse again, so that every block that can be
	// recovered is analysed. Each round fixes one error; the errors of
	// every round are reported.
	var inserted []int // offsets in content of bytes repair inserted, ascending
	for round := 0; round < maxRepairs && (len(payload.Errors) > 0 || lexErr != nil); round++ {
		fixed, at, ok := repair(content, lexErr, payload, scan)
		if !ok {
			break
		}
		if at >= 0 {
			for i := range inserted {
				if inserted[i] >= at {
					inserted[i]++
				}
			}
			inserted = append(inserted, at)
			sort.Ints(inserted)
		}
		toks, lexErr = lexRaw(fixed)
		next, err := runCrossplane(f.Path, fixed)
		if err != nil {
			break
		}
		content, payload, scan = fixed, next, scanStatements(fixed, toks)
		pf.addErrors(payload, lexErr, scan)
	}
	if len(payload.Config) > 0 {
		// Offsets of the repaired text map back to the file.
		orig := func(off int) int {
			return min(off-sort.SearchInts(inserted, off), len(f.Content))
		}
		pf.nodes = convert(f, scan, tpl, orig, payload.Config[0].Parsed)
	}
	return pf
}

// maxRepairs bounds the syntax errors repaired in one file.
const maxRepairs = 64

// addErrors records the syntax errors of one parse of the file.
func (pf *parsedFile) addErrors(payload *crossplane.Payload, lexErr *lexError, scan *stmtScan) {
	f := pf.file
	var reported bool
	for _, pe := range payload.Errors {
		line, msg := 1, ""
		var perr *crossplane.ParseError
		if errors.As(pe.Error, &perr) {
			msg = perr.What
			if perr.Line != nil {
				line = *perr.Line
			}
		} else if pe.Error != nil {
			msg = pe.Error.Error()
		}
		if pe.Line != nil {
			line = *pe.Line
		}
		// crossplane reports a missing '}' at the end of the file; name the
		// block that most likely lacks it.
		if strings.HasPrefix(msg, "unexpected end of file") {
			if b, ok := scan.unclosed(); ok {
				msg += fmt.Sprintf(": the %q block on line %d is not closed", b.name, f.Pos(b.off).Line)
			}
		}
		pf.errs = append(pf.errs, Error{Loc: lineLoc(f, line), Message: msg, Kind: KindSyntax})
		reported = true
	}
	// Safety net: the mirror lexer found an error crossplane did not report.
	if !reported && lexErr != nil {
		pf.errs = append(pf.errs, Error{Loc: lineLoc(f, lexErr.line), Message: lexErr.msg, Kind: KindSyntax})
	}
	// crossplane accepts `listen 80 }` when argument checks are skipped;
	// nginx does not.
	for _, u := range scan.unterminated {
		pf.errs = append(pf.errs, Error{
			Loc:     lineLoc(f, f.Pos(u.off).Line),
			Message: fmt.Sprintf(`unexpected "}": directive %q is not terminated by ";"`, u.name),
			Kind:    KindSyntax,
		})
	}
}

// repair returns content with the error that stopped the parse fixed: a
// stray '}', '{' or ';' is blanked; a block that a less indented '}'
// closes gets its own '}' inserted before that one (at is the offset of the
// inserted byte, -1 when none), so the blocks after it keep their level;
// other blocks still open at the end of the file are closed, and a last
// statement without ';' is ended, by text appended after the end. It
// reports false when it knows no fix.
func repair(content []byte, lexErr *lexError, payload *crossplane.Payload, scan *stmtScan) (out []byte, at int, ok bool) {
	if lexErr != nil {
		switch {
		case lexErr.eof > 0 && scan.misclosed != nil:
			at := scan.misclosed.closedAt
			out = append(append(append([]byte(nil), content[:at]...), '}'), content[at:]...)
			return out, at, true
		case lexErr.eof > 0:
			return append(append(append([]byte(nil), content...), '\n'), bytes.Repeat([]byte("}"), lexErr.eof)...), -1, true
		case lexErr.off >= 0 && lexErr.off < len(content):
			out = append([]byte(nil), content...)
			out[lexErr.off] = ' '
			return out, -1, true
		}
		return nil, -1, false
	}
	for _, pe := range payload.Errors {
		if pe.Error != nil && strings.Contains(pe.Error.Error(), "premature end of file") {
			return append(append([]byte(nil), content...), '\n', ';'), -1, true
		}
	}
	return nil, -1, false
}

// runCrossplane parses one file's content with crossplane, without
// following includes and without validating directive names, contexts or
// argument counts (so directives of third-party modules and directives in
// included snippets are kept).
func runCrossplane(name string, content []byte) (payload *crossplane.Payload, err error) {
	defer func() {
		if r := recover(); r != nil {
			payload, err = nil, fmt.Errorf("internal error in the nginx parser: %v", r)
		}
	}()
	opts := &crossplane.ParseOptions{
		SingleFile:                true,
		ParseComments:             true,
		SkipDirectiveContextCheck: true,
		SkipDirectiveArgsCheck:    true,
		// *_by_lua_block { … } holds Lua, not nginx syntax.
		LexOptions: crossplane.LexOptions{Lexers: []crossplane.RegisterLexer{(&crossplane.Lua{}).RegisterLexer()}},
		// crossplane dereferences the reader even when Open fails, so it
		// always gets a non-nil one.
		Open: func(p string) (io.ReadCloser, error) {
			if p == name {
				return io.NopCloser(bytes.NewReader(content)), nil
			}
			return io.NopCloser(bytes.NewReader(nil)), &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
		},
		Glob: func(string) ([]string, error) { return nil, nil },
	}
	payload, err = crossplane.Parse(name, opts)
	if err == nil && payload == nil {
		err = errors.New("internal error in the nginx parser: no result")
	}
	return payload, err
}

// convert turns crossplane's directives into nodes with locations.
func convert(f *source.File, scan *stmtScan, tpl *template.Result, orig func(int) int, ds crossplane.Directives) []*node {
	out := make([]*node, 0, len(ds))
	for _, d := range ds {
		if d == nil {
			continue
		}
		n := &node{name: d.Directive, args: d.Args, isBlock: d.IsBlock()}
		key := stmtKey{text: d.Directive, line: d.Line}
		if d.IsComment() {
			n.comment = *d.Comment
			key = stmtKey{comment: true, text: n.comment, line: d.Line}
		}
		if sp, ok := scan.take(key); ok {
			n.loc = f.Span(orig(sp.start), orig(sp.end))
		} else {
			n.loc = guessLoc(f, d.Line, key)
		}
		n.cond = template.ConditionAt(tpl.Conds, n.loc.Start.Offset)
		for i, a := range n.args {
			n.args[i] = tpl.Restore(a)
		}
		if n.isBlock {
			n.block = convert(f, scan, tpl, orig, d.Block)
		}
		out = append(out, n)
	}
	return out
}

// guessLoc locates a directive the mirror lexer did not account for (which
// should not happen): the first occurrence of its name on its line, or the
// start of the line.
func guessLoc(f *source.File, line int, k stmtKey) source.Location {
	line = clampLine(f, line)
	start := f.LineStart(line)
	text := f.Line(line)
	needle := k.text
	if k.comment {
		needle = "#" + k.text
	}
	if i := strings.Index(text, needle); i >= 0 && needle != "" {
		return f.Span(start+i, start+i+len(needle))
	}
	return f.Span(start, start)
}

// clampLine limits line to the lines the file has (at least 1).
func clampLine(f *source.File, line int) int {
	if n := f.LineCount(); line > n {
		line = n
	}
	if line < 1 {
		line = 1
	}
	return line
}

// lineLoc is the whole text of a line, the location given to errors that
// crossplane reports by line only.
func lineLoc(f *source.File, line int) source.Location {
	return f.LineSpan(clampLine(f, line))
}
