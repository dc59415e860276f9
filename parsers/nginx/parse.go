package nginx

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

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
	// isComment tells a comment from a directive whose quoted name is "#".
	isComment bool
	isBlock   bool
	block     []*node
	loc       source.Location
	cond      string // template conditionals around the directive
}

// parsedFile is one file parsed on its own.
type parsedFile struct {
	file *source.File
	// key names the file in the builder: its path, or for an entry of a
	// Kubernetes ConfigMap "manifest.yaml#configmap/key".
	key   string
	nodes []*node
	errs  []Error // syntax errors, KindSyntax
	// leftOut are the template branches the parse left out.
	leftOut []LeftOut
}

// parseFile parses one file's content.
func parseFile(f *source.File) *parsedFile { return parseText(f, f.Path, f.Content) }

// parseText parses text as the nginx configuration of file f, where every
// byte of text is at its place in f (a ConfigMap entry: the manifest up to
// the entry's end with all but the entry blanked). Locations are in f.
func parseText(f *source.File, key string, text []byte) *parsedFile {
	tpl := neutralize(f.Path, text)
	// A rendering tried in place of the full text must parse clean, so it
	// is not repaired.
	tryParse := func(content []byte) *parsedFile { return parseNeutral(f, key, tpl, content, 0) }
	pf := template.Reread(tpl, parseNeutral(f, key, tpl, tpl.Content, maxRepairs), tryParse,
		func(pf *parsedFile) bool { return len(pf.errs) == 0 })
	for _, r := range tpl.LeftOut {
		pf.leftOut = append(pf.leftOut, LeftOut{Loc: f.Span(r.Start, r.End), Condition: r.Text})
	}
	return pf
}

// parseNeutral parses content, the text of f with its template syntax
// neutralized as tpl says, repairing at most repairs syntax errors.
func parseNeutral(f *source.File, key string, tpl *template.Result, content []byte, repairs int) *parsedFile {
	pf := &parsedFile{file: f, key: key}
	toks, lexErr, luaErrs := lexNginx(content)
	scan := scanStatements(content, toks)
	tree := buildTree(toks, lexErr, luaErrs)
	lexErr = lastLexError(lexErr, luaErrs)
	pf.addErrors(tree, lexErr, scan)
	// A syntax error does not discard the file: repair the text where the
	// parse stopped and parse again, so that every block that can be
	// recovered is analysed. Each round fixes one error; the errors of
	// every round are reported.
	var inserted []int // offsets in content of bytes repair inserted, ascending
	for round := 0; round < repairs && (len(tree.errs) > 0 || lexErr != nil); round++ {
		fixed, at, ok := repair(content, lexErr, tree, scan)
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
		toks, lexErr, luaErrs = lexNginx(fixed)
		content, scan, tree = fixed, scanStatements(fixed, toks), buildTree(toks, lexErr, luaErrs)
		lexErr = lastLexError(lexErr, luaErrs)
		pf.addErrors(tree, lexErr, scan)
	}
	// Offsets of the repaired text map back to the file.
	orig := func(off int) int {
		return min(off-sort.SearchInts(inserted, off), len(f.Content))
	}
	pf.nodes = convert(f, tpl, orig, tree.dirs)
	return pf
}

// lastLexError is the error lexRaw reports: the one that stopped the
// lexer, else the last error of a Lua block.
func lastLexError(stop *lexError, luaErrs []*lexError) *lexError {
	if stop == nil && len(luaErrs) > 0 {
		return luaErrs[len(luaErrs)-1]
	}
	return stop
}

// maxRepairs bounds the syntax errors repaired in one file.
const maxRepairs = 64

// addErrors records the syntax errors of one parse of the file.
func (pf *parsedFile) addErrors(tree *treeResult, lexErr *lexError, scan *stmtScan) {
	f := pf.file
	for _, e := range tree.errs {
		msg := e.msg
		// A missing '}' is reported at the end of the file; name the block
		// that most likely lacks it.
		if strings.HasPrefix(msg, "unexpected end of file") {
			if b, ok := scan.unclosed(); ok {
				msg += fmt.Sprintf(": the %q block on line %d is not closed", b.name, f.Pos(b.off).Line)
			}
		}
		pf.errs = append(pf.errs, Error{Loc: lineLoc(f, e.line), Message: msg, Kind: KindSyntax})
	}
	reported := len(tree.errs) > 0
	// An error of a Lua block does not stop the parse (it is an argument
	// of the directive there) but is an error all the same.
	if !reported && lexErr != nil {
		pf.errs = append(pf.errs, Error{Loc: lineLoc(f, lexErr.line), Message: lexErr.msg, Kind: KindSyntax})
	}
	// The parse accepts `listen 80 }`, as crossplane does; nginx does not.
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
func repair(content []byte, lexErr *lexError, tree *treeResult, scan *stmtScan) (out []byte, at int, ok bool) {
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
	for _, e := range tree.errs {
		if e.msg == errPrematureEnd {
			return append(append([]byte(nil), content...), '\n', ';'), -1, true
		}
	}
	return nil, -1, false
}

// convert turns the parsed directives into nodes with locations.
func convert(f *source.File, tpl *template.Result, orig func(int) int, ds []*pdir) []*node {
	out := make([]*node, 0, len(ds))
	for _, d := range ds {
		n := &node{name: d.name, args: d.args, comment: d.comment, isComment: d.isComment, isBlock: d.isBlock}
		n.loc = f.Span(orig(d.start), orig(d.end))
		n.cond = template.ConditionAt(tpl.Conds, n.loc.Start.Offset)
		for i, a := range n.args {
			n.args[i] = tpl.Restore(a)
		}
		if n.isBlock {
			n.block = convert(f, tpl, orig, d.block)
		}
		out = append(out, n)
	}
	return out
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

// lineLoc is the whole text of a line, the location given to syntax
// errors, which are known by line only.
func lineLoc(f *source.File, line int) source.Location {
	return f.LineSpan(clampLine(f, line))
}
