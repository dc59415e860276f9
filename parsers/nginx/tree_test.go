package nginx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"testing"

	crossplane "github.com/nginxinc/nginx-go-crossplane"
)

// crossplaneTree parses content with crossplane's own parser, with the
// options djleak's parser follows, and renders the directives and errors.
// ok is false when crossplane panics (it does on `if ()`).
func crossplaneTree(content []byte) (tree string, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	const name = "nginx.conf"
	opts := &crossplane.ParseOptions{
		SingleFile:                true,
		ParseComments:             true,
		SkipDirectiveContextCheck: true,
		SkipDirectiveArgsCheck:    true,
		LexOptions:                crossplane.LexOptions{Lexers: []crossplane.RegisterLexer{(&crossplane.Lua{}).RegisterLexer()}},
		Open: func(p string) (io.ReadCloser, error) {
			if p == name {
				return io.NopCloser(bytes.NewReader(content)), nil
			}
			return io.NopCloser(bytes.NewReader(nil)), &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
		},
		Glob: func(string) ([]string, error) { return nil, nil },
	}
	payload, err := crossplane.Parse(name, opts)
	if err != nil {
		return "fatal: " + err.Error(), true
	}
	var b strings.Builder
	var walk func(ds crossplane.Directives, depth int)
	walk = func(ds crossplane.Directives, depth int) {
		for _, d := range ds {
			if d.IsComment() {
				renderDir(&b, depth, "#", nil, *d.Comment, d.Line, false)
				continue
			}
			renderDir(&b, depth, d.Directive, d.Args, "", d.Line, d.IsBlock())
			walk(d.Block, depth+1)
		}
	}
	walk(payload.Config[0].Parsed, 0)
	for _, e := range payload.Errors {
		line, msg := 0, ""
		var perr *crossplane.ParseError
		if errors.As(e.Error, &perr) {
			msg = perr.What
			if perr.Line != nil {
				line = *perr.Line
			}
		} else {
			msg = e.Error.Error()
		}
		if e.Line != nil {
			line = *e.Line
		}
		fmt.Fprintf(&b, "error %d %s\n", line, msg)
	}
	return b.String(), true
}

func renderDir(b *strings.Builder, depth int, name string, args []string, comment string, line int, block bool) {
	fmt.Fprintf(b, "%s%d %q %q %q %v\n", strings.Repeat("  ", depth), line, name, args, comment, block)
}

// ownTree renders buildTree's result the same way.
func ownTree(content []byte) string {
	toks, stop, luaErrs := lexNginx(content)
	res := buildTree(toks, stop, luaErrs)
	var b strings.Builder
	var walk func(ds []*pdir, depth int)
	walk = func(ds []*pdir, depth int) {
		for _, d := range ds {
			args := d.args
			if args == nil {
				args = []string{}
			}
			if d.isComment {
				args = nil
			}
			renderDir(&b, depth, d.name, args, d.comment, d.line, d.isBlock)
			walk(d.block, depth+1)
		}
	}
	walk(res.dirs, 0)
	for _, e := range res.errs {
		fmt.Fprintf(&b, "error %d %s\n", e.line, e.msg)
	}
	return b.String()
}

// checkTreeMatches asserts that buildTree gives crossplane's directives
// and errors for content, and that each directive's byte range starts at
// its name.
func checkTreeMatches(t *testing.T, content []byte) {
	t.Helper()
	want, ok := crossplaneTree(content)
	if !ok {
		return
	}
	if got := ownTree(content); got != want {
		t.Fatalf("%q:\ngot:\n%s\ncrossplane:\n%s", content, got, want)
	}
	toks, stop, luaErrs := lexNginx(content)
	var check func(ds []*pdir)
	check = func(ds []*pdir) {
		for _, d := range ds {
			if d.start < 0 || d.start >= d.end || d.end > len(content) {
				t.Fatalf("%q: %s: range [%d,%d)", content, d.name, d.start, d.end)
			}
			check(d.block)
		}
	}
	check(buildTree(toks, stop, luaErrs).dirs)
}

var treeSamples = []string{
	"map $a $b { default 1; x 2 3; hostnames; volatile x; y { z; } w; }",
	"types { text/html html htm; image/png; x; }",
	"geo $g { ranges; 1.2.3.4 a b; default 0; }",
	"if ($a = b) { return 403; }\nif ( $a ) { }\nif (x\n) {}\nif ( ) {}",
	"a # c1\n b # c2\n;",
	"server { listen 80 }",
	"a { b } }",
	"{ a; }",
	"a \"b\" 'c' { d; }",
	"map $a $b { # comment\n default 1; }",
	"split_clients $a $b { 50% x; * y z; }",
	"charset_map a b { 1 2; 3; }",
	"match m { status 200; }",
	"content_by_lua_block x;\ny;",
	"set_by_lua_block $v x;",
	"map $a $b { content_by_lua_block x; }",
	"'#'00;",
	"\"#\" a { b; } # c",
}

func TestTreeMatchesCrossplane(t *testing.T) {
	for _, s := range append(append([]string(nil), lexSamples...), treeSamples...) {
		checkTreeMatches(t, []byte(s))
	}
	forEachFixture(t, func(content []byte) { checkTreeMatches(t, content) })
}

// FuzzTreeMatchesCrossplane compares the parse with crossplane's on
// arbitrary input.
func FuzzTreeMatchesCrossplane(f *testing.F) {
	for _, s := range append(append([]string(nil), lexSamples...), treeSamples...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkLexerMatches(t, []byte(s))
		checkTreeMatches(t, []byte(s))
	})
}
