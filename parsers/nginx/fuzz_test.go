package nginx

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	crossplane "github.com/nginxinc/nginx-go-crossplane"
)

// lexSamples are inputs that exercise the corners of crossplane's lexer.
var lexSamples = []string{
	"",
	"a b;",
	"a \"b c\" 'd\\'e' f\\ g;\r\nh { i; }\n",
	"# only a comment",
	"x ${a b} $c{d};",
	"a\\\nb;",
	"a \\\r\n b;",
	"a;;",
	"a { {",
	"}",
	"a {\n b",
	"a \"unterminated",
	"a \xff\xfe;",
	"server { listen 80 }",
	"a #c\n b # d\n;",
	"\"quoted name\" x;",
	"a b\"c\"d;",
	"é \u00a0 x;",
	"a\u0085b;",
	// Lua blocks (crossplane's Lua lexer).
	"content_by_lua_block { ngx.say(\"}\") }\nx;",
	"location / {\n  access_by_lua_block {\n    local t = {a = {1}}\n    if ngx.var.ssl_client_verify ~= 'SUCCESS' then ngx.exit(403) end\n  }\n}\n",
	"set_by_lua_block $res { return 1 }\n",
	"set_by_lua_block   $res\n{ return '{' }",
	"content_by_lua_block x;",
	"content_by_lua_block {",
	"a content_by_lua_block { b; }",
	"# content_by_lua_block {\n",
	"log_by_lua_block{ x }",
}

// crossplaneTokens runs crossplane's own lexer.
func crossplaneTokens(content []byte) (toks []crossplane.NgxToken, errLine int) {
	opts := crossplane.LexOptions{Lexers: []crossplane.RegisterLexer{(&crossplane.Lua{}).RegisterLexer()}}
	for tok := range crossplane.LexWithOptions(bytes.NewReader(content), opts) {
		if tok.Error != nil {
			errLine = -1
			var perr *crossplane.ParseError
			if pe, ok := tok.Error.(*crossplane.ParseError); ok {
				perr = pe
			}
			if perr != nil && perr.Line != nil {
				errLine = *perr.Line
			}
			continue
		}
		toks = append(toks, tok)
	}
	return toks, errLine
}

// checkLexerMatches asserts that lexRaw produces crossplane's tokens, and
// that the byte ranges it records are consistent with the token values.
func checkLexerMatches(t *testing.T, content []byte) {
	t.Helper()
	want, wantErrLine := crossplaneTokens(content)
	got, lexErr := lexRaw(content)
	if len(got) != len(want) {
		t.Fatalf("%q: %d tokens, crossplane %d", content, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.value != w.Value || g.line != w.Line || g.quoted != w.IsQuoted {
			t.Fatalf("%q: token %d = %q line %d quoted %v; crossplane %q line %d quoted %v",
				content, i, g.value, g.line, g.quoted, w.Value, w.Line, w.IsQuoted)
		}
		if g.start < 0 || g.start > g.end || g.end > len(content) {
			t.Fatalf("%q: token %d range [%d,%d)", content, i, g.start, g.end)
		}
		if i > 0 && g.start < got[i-1].end && !got[i-1].lua && !g.lua {
			t.Fatalf("%q: token %d overlaps the previous one", content, i)
		}
		raw := content[g.start:g.end]
		if g.value == ";" && g.start == g.end {
			continue // the ';' the Lua lexer adds after a block
		}
		if g.quoted && len(raw) >= 2 && raw[0] == '{' && raw[len(raw)-1] == '}' {
			raw = raw[1 : len(raw)-1] // a Lua block
		} else if g.quoted && len(raw) > 0 && (raw[0] == '"' || raw[0] == '\'') {
			raw = raw[1:]
			if len(raw) > 0 && raw[len(raw)-1] == content[g.start] && g.end-g.start >= 2 {
				raw = raw[:len(raw)-1]
			}
		}
		// Without escapes, carriage returns or invalid UTF-8 the range holds
		// the value verbatim.
		if utf8.Valid(raw) && !bytes.ContainsAny(raw, "\\\r") && string(raw) != g.value && !g.lua {
			t.Fatalf("%q: token %d value %q but range holds %q", content, i, g.value, raw)
		}
	}
	switch {
	case wantErrLine != 0 && lexErr == nil:
		t.Fatalf("%q: crossplane reports a lexer error, the mirror does not", content)
	case wantErrLine == 0 && lexErr != nil:
		t.Fatalf("%q: the mirror reports %q, crossplane no error", content, lexErr.msg)
	case lexErr != nil && wantErrLine > 0 && lexErr.line != wantErrLine:
		t.Fatalf("%q: error line %d, crossplane %d", content, lexErr.line, wantErrLine)
	}
}

func TestLexerMatchesCrossplane(t *testing.T) {
	for _, s := range lexSamples {
		checkLexerMatches(t, []byte(s))
	}
	forEachFixture(t, func(content []byte) { checkLexerMatches(t, content) })
}

// forEachFixture calls fn with the content of every file of the nginx
// test fixtures.
func forEachFixture(t *testing.T, fn func(content []byte)) {
	t.Helper()
	for _, dir := range []string{"seed", "debian", "broken", "misc"} {
		d := fixture(t, dir)
		for _, rel := range listFiles(t, d) {
			content, err := os.ReadFile(filepath.Join(d, rel))
			if err != nil {
				t.Fatal(err)
			}
			fn(content)
		}
	}
}

// checkSet asserts the structural invariants of a parse result.
func checkSet(t *testing.T, s *Set) {
	t.Helper()
	for _, c := range s.Configs {
		if len(c.Files) == 0 || c.Files[0].Path != c.Path {
			t.Fatalf("config %s: files %v", c.Path, filePaths(c.Files))
		}
		var check func(ds []*Directive, parent *Directive)
		check = func(ds []*Directive, parent *Directive) {
			for _, d := range ds {
				if d.Parent != parent {
					t.Fatalf("%v: wrong parent", d)
				}
				if d.File == nil || d.Loc.Path != d.File.Path {
					t.Fatalf("%v: location path %q", d, d.Loc.Path)
				}
				st, en := d.Loc.Start, d.Loc.End
				if st.Offset < 0 || st.Offset > en.Offset || en.Offset > len(d.File.Content) || st.Line < 1 || st.Column < 1 {
					t.Fatalf("%v: bad location %+v", d, d.Loc)
				}
				if d.Name != "" && d.Loc.End.Offset == d.Loc.Start.Offset {
					t.Fatalf("%v: empty location", d)
				}
				if !d.IsComment() && d.Comment != "" || d.IsComment() && (d.Name != "#" || len(d.Args) > 0) {
					t.Fatalf("%v: comment mismatch", d)
				}
				if !d.IsBlock && len(d.Block) > 0 {
					t.Fatalf("%v: children without a block", d)
				}
				if d.Name != "include" && (d.Included != nil || d.Missing) {
					t.Fatalf("%v: include fields on a non-include", d)
				}
				check(d.Block, d)
				check(d.Included, d)
			}
		}
		check(c.Directives, nil)
	}
	for _, e := range s.Errors {
		if e.Kind != KindSyntax && e.Kind != KindInclude {
			t.Fatalf("error kind %q", e.Kind)
		}
		if e.Loc.Path == "" || e.Loc.Start.Line < 1 || e.Message == "" {
			t.Fatalf("error %+v", e)
		}
	}
	for p, f := range s.Files {
		if f.Path != p || strings.HasPrefix(p, builtinPrefix) {
			t.Fatalf("set file %q → %q", p, f.Path)
		}
	}
}

// FuzzParse parses arbitrary content as a root nginx.conf plus an included
// file, asserting that nothing panics, that locations are sane and that the
// mirror lexer agrees with crossplane's.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"seed", "debian", "broken", "misc"} {
		d := fixture(f, dir)
		for _, rel := range listFiles(f, d) {
			content, err := os.ReadFile(filepath.Join(d, rel))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(string(content), "proxy_set_header X-A $a;\n")
		}
	}
	f.Add("http { include conf.d/*.conf; include proxy_params; include nginx.conf; }", "include ../nginx.conf;")
	f.Add("include conf.d/x.conf; include conf.d/x.conf;", "include conf.d/x.conf;")
	for _, s := range lexSamples {
		f.Add(s, s)
	}
	root := f.TempDir() // empty: all content comes from the overlay
	f.Fuzz(func(t *testing.T, main, included string) {
		checkLexerMatches(t, []byte(main))
		overlay := map[string][]byte{
			"nginx.conf":      []byte(main),
			"conf.d/x.conf":   []byte(included),
			"snippets/y.conf": []byte(main),
		}
		s := ParseFiles(root, []string{"nginx.conf", "conf.d/x.conf", "snippets/y.conf"}, Options{Overlay: overlay})
		checkSet(t, s)
		if again := ParseFiles(root, []string{"snippets/y.conf", "conf.d/x.conf", "nginx.conf"}, Options{Overlay: overlay}); summary(again) != summary(s) {
			t.Fatal("result depends on candidate order")
		}
	})
}
