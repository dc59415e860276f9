package nginx

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/djleak/djleak/parsers/source"
)

// fixture returns the absolute path of a directory under testdata.
func fixture(t testing.TB, name string) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// listFiles returns every file under dir, project-relative and sorted.
func listFiles(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// writeTree creates files (project-relative path → content) in a new
// temporary directory and returns it.
func writeTree(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for rel, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// parseTree writes files and parses the given candidates (all files if none).
func parseTree(t testing.TB, files map[string]string, cands ...string) *Set {
	t.Helper()
	dir := writeTree(t, files)
	if len(cands) == 0 {
		for p := range files {
			cands = append(cands, p)
		}
	}
	return ParseFiles(dir, cands, Options{})
}

// find returns the directives (in Walk order) of cfg named name whose
// first argument is arg0 (any if arg0 is "*").
func find(ds []*Directive, name, arg0 string) []*Directive {
	var out []*Directive
	Walk(ds, func(d *Directive) bool {
		if d.Name == name && (arg0 == "*" || d.Arg(0) == arg0) {
			out = append(out, d)
		}
		return true
	})
	return out
}

// findOne is find that requires exactly one match.
func findOne(t testing.TB, ds []*Directive, name, arg0 string) *Directive {
	t.Helper()
	got := find(ds, name, arg0)
	if len(got) != 1 {
		t.Fatalf("want one %s %s, found %d", name, arg0, len(got))
	}
	return got[0]
}

// text is the source text a location covers.
func text(d *Directive) string {
	return string(d.File.Content[d.Loc.Start.Offset:d.Loc.End.Offset])
}

// configPaths lists the root paths of a set.
func configPaths(s *Set) []string {
	var out []string
	for _, c := range s.Configs {
		out = append(out, c.Path)
	}
	return out
}

func filePaths(fs []*source.File) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Path)
	}
	return out
}

func noErrors(t testing.TB, s *Set) {
	t.Helper()
	for _, e := range s.Errors {
		t.Errorf("unexpected error: %s (%s)", e, e.Kind)
	}
}

// checkLoc asserts a directive's start and end line/column.
func checkLoc(t testing.TB, d *Directive, line, col, endLine, endCol int) {
	t.Helper()
	l := d.Loc
	if l.Start.Line != line || l.Start.Column != col || l.End.Line != endLine || l.End.Column != endCol {
		t.Errorf("%s: location %d:%d-%d:%d, want %d:%d-%d:%d", d, l.Start.Line, l.Start.Column,
			l.End.Line, l.End.Column, line, col, endLine, endCol)
	}
	if l.Path != d.File.Path {
		t.Errorf("%s: location path %q, file %q", d, l.Path, d.File.Path)
	}
}

func TestSeedConfigPositions(t *testing.T) {
	s := ParseFiles(fixture(t, "seed"), []string{"api.conf"}, Options{})
	noErrors(t, s)
	if got := configPaths(s); !reflect.DeepEqual(got, []string{"api.conf"}) {
		t.Fatalf("configs %v", got)
	}
	cfg := s.Configs[0]
	if len(cfg.Directives) != 1 || cfg.Directives[0].Name != "server" || !cfg.Directives[0].IsBlock {
		t.Fatalf("top level: %v", cfg.Directives)
	}
	server := cfg.Directives[0]
	checkLoc(t, server, 1, 1, 1, 9)

	dn := findOne(t, cfg.Directives, "proxy_set_header", "X-Client-DN")
	// "    proxy_set_header X-Client-DN $ssl_client_s_dn;" — the name starts
	// after four spaces; the span ends after ';' (4+46 = 50 bytes, so the
	// exclusive end column is 51).
	checkLoc(t, dn, 10, 5, 10, 51)
	if got := text(dn); got != "proxy_set_header X-Client-DN $ssl_client_s_dn;" {
		t.Errorf("text %q", got)
	}
	if dn.Loc.Start.UTF16Col != 5 || dn.Loc.Start.Offset != dn.File.LineStart(10)+4 {
		t.Errorf("start %+v", dn.Loc.Start)
	}
	if !reflect.DeepEqual(dn.Args, []string{"X-Client-DN", "$ssl_client_s_dn"}) {
		t.Errorf("args %q", dn.Args)
	}
	if dn.Parent != server || dn.IsBlock {
		t.Errorf("parent %v, block %v", dn.Parent, dn.IsBlock)
	}

	loc := findOne(t, cfg.Directives, "location", "/")
	checkLoc(t, loc, 12, 5, 12, 17)
	if text(loc) != "location / {" || !loc.IsBlock || loc.Parent != server || len(loc.Block) != 4 {
		t.Errorf("location %q block=%v children=%d", text(loc), loc.IsBlock, len(loc.Block))
	}
	pass := loc.Block[0]
	checkLoc(t, pass, 13, 9, 13, 42)
	if pass.Name != "proxy_pass" || pass.Arg(0) != "http://127.0.0.1:8000" || pass.Arg(1) != "" || pass.Parent != loc {
		t.Errorf("proxy_pass: %v", pass)
	}

	// The comment keeps its place among the server's children.
	var names []string
	for _, d := range server.Block {
		names = append(names, d.Name)
	}
	want := []string{"listen", "server_name", "ssl_certificate", "ssl_certificate_key", "#",
		"ssl_verify_client", "ssl_client_certificate", "proxy_set_header", "proxy_set_header",
		"proxy_set_header", "location"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("server children %v", names)
	}
	c := server.Block[4]
	if c.Comment != " Require and verify client certificates" || c.Args != nil {
		t.Errorf("comment %q args %q", c.Comment, c.Args)
	}
	checkLoc(t, c, 6, 5, 6, 45)

	if got := filePaths(cfg.Files); !reflect.DeepEqual(got, []string{"api.conf"}) {
		t.Errorf("files %v", got)
	}
	if s.Files["api.conf"] != cfg.Files[0] || dn.File != cfg.Files[0] {
		t.Error("file objects not shared")
	}
}

func TestNestedLocationsAndIf(t *testing.T) {
	s := parseTree(t, map[string]string{"nginx/site.conf": `http {
  server {
    location /api/ {
      location /api/admin/ {
        if ($ssl_client_verify != SUCCESS) {
          return 403;
        }
        proxy_pass http://app;
      }
    }
    if ($http_x_forwarded_proto = "http") { return 301 https://$host$request_uri; }
  }
}
`})
	noErrors(t, s)
	ds := s.Configs[0].Directives
	outer := findOne(t, ds, "location", "/api/")
	inner := findOne(t, ds, "location", "/api/admin/")
	if inner.Parent != outer || outer.Parent.Name != "server" || outer.Parent.Parent.Name != "http" ||
		outer.Parent.Parent.Parent != nil {
		t.Error("wrong nesting of locations")
	}
	checkLoc(t, inner, 4, 7, 4, 29)

	ifs := find(ds, "if", "*")
	if len(ifs) != 2 {
		t.Fatalf("want 2 ifs, got %d", len(ifs))
	}
	if !reflect.DeepEqual(ifs[0].Args, []string{"$ssl_client_verify", "!=", "SUCCESS"}) || ifs[0].Parent != inner {
		t.Errorf("if args %q parent %v", ifs[0].Args, ifs[0].Parent)
	}
	checkLoc(t, ifs[0], 5, 9, 5, 45)
	ret := ifs[0].Block[0]
	if ret.Name != "return" || ret.Arg(0) != "403" || ret.Parent != ifs[0] {
		t.Errorf("return: %v", ret)
	}
	checkLoc(t, ret, 6, 11, 6, 22)

	// Several directives on one line.
	second := ifs[1]
	if !reflect.DeepEqual(second.Args, []string{"$http_x_forwarded_proto", "=", "http"}) {
		t.Errorf("if args %q", second.Args)
	}
	checkLoc(t, second, 11, 5, 11, 44)
	r := second.Block[0]
	if text(r) != "return 301 https://$host$request_uri;" {
		t.Errorf("return text %q", text(r))
	}
	if r.Loc.Start.Column != 45 {
		t.Errorf("return column %d", r.Loc.Start.Column)
	}
}

func TestIncludeFromSitesEnabledFindsSiblingSnippets(t *testing.T) {
	s := parseTree(t, map[string]string{
		"deploy/sites-enabled/app.conf": `server {
    listen 443 ssl;
    include snippets/ssl.conf;
    include ../snippets/headers.conf;
}
`,
		"deploy/snippets/ssl.conf":     "ssl_verify_client on;\n",
		"deploy/snippets/headers.conf": "proxy_set_header X-Client-DN $ssl_client_s_dn;\n",
	})
	noErrors(t, s)
	if got := configPaths(s); !reflect.DeepEqual(got, []string{"deploy/sites-enabled/app.conf"}) {
		t.Fatalf("configs %v (snippets must not be roots)", got)
	}
	cfg := s.Configs[0]
	incs := find(cfg.Directives, "include", "*")
	if len(incs) != 2 {
		t.Fatalf("includes: %d", len(incs))
	}
	for i, want := range []string{"deploy/snippets/ssl.conf", "deploy/snippets/headers.conf"} {
		inc := incs[i]
		if inc.Missing || len(inc.Included) != 1 {
			t.Fatalf("%s: missing=%v included=%d", inc, inc.Missing, len(inc.Included))
		}
		d := inc.Included[0]
		if d.File.Path != want || d.Parent != inc || d.Loc.Path != want || d.Loc.Start.Line != 1 || d.Loc.Start.Column != 1 {
			t.Errorf("included %v from %s parent %v loc %+v", d, d.File.Path, d.Parent, d.Loc)
		}
	}
	checkLoc(t, incs[0], 3, 5, 3, 31)
	// Walk treats include content as inline.
	var order []string
	Walk(cfg.Directives, func(d *Directive) bool {
		order = append(order, d.Name)
		return true
	})
	want := []string{"server", "listen", "include", "ssl_verify_client", "include", "proxy_set_header"}
	if !reflect.DeepEqual(order, want) {
		t.Errorf("walk order %v", order)
	}
	if got := filePaths(cfg.Files); !reflect.DeepEqual(got, []string{
		"deploy/sites-enabled/app.conf", "deploy/snippets/ssl.conf", "deploy/snippets/headers.conf"}) {
		t.Errorf("files %v", got)
	}
	if len(s.Files) != 3 {
		t.Errorf("set files %v", s.Files)
	}
}

func TestIncludeGlob(t *testing.T) {
	s := parseTree(t, map[string]string{
		"nginx.conf": `http {
    include conf.d/*.conf;
    include /etc/nginx/sites-enabled/*;
    include modules-enabled/*.conf;
}
`,
		"conf.d/b.conf":        "gzip on;\n",
		"conf.d/a.conf":        "server_tokens off;\n",
		"conf.d/.hidden.conf":  "this is hidden;\n",
		"conf.d/notes.txt":     "not matched;\n",
		"sites-enabled/site":   "server { listen 80; }\n",
		"sites-enabled/x.conf": "server { listen 81; }\n",
	}, "nginx.conf", "conf.d/a.conf", "conf.d/b.conf", "sites-enabled/x.conf")
	noErrors(t, s)
	if got := configPaths(s); !reflect.DeepEqual(got, []string{"nginx.conf"}) {
		t.Fatalf("configs %v: included candidates must not be roots", got)
	}
	cfg := s.Configs[0]
	incs := find(cfg.Directives, "include", "*")
	var got []string
	for _, d := range incs[0].Included {
		got = append(got, d.File.Path+":"+d.Name)
	}
	if !reflect.DeepEqual(got, []string{"conf.d/a.conf:server_tokens", "conf.d/b.conf:gzip"}) {
		t.Errorf("glob order/content %v", got)
	}
	if len(incs[1].Included) != 2 || incs[1].Included[0].File.Path != "sites-enabled/site" {
		t.Errorf("/etc/nginx glob: %v", incs[1].Included)
	}
	if incs[2].Missing || incs[2].Included != nil {
		t.Errorf("empty glob: missing=%v included=%v", incs[2].Missing, incs[2].Included)
	}
	want := []string{"nginx.conf", "conf.d/a.conf", "conf.d/b.conf", "sites-enabled/site", "sites-enabled/x.conf"}
	if got := filePaths(cfg.Files); !reflect.DeepEqual(got, want) {
		t.Errorf("files %v", got)
	}
}

func TestBuiltinIncludes(t *testing.T) {
	conf := `server {
    location / {
        include proxy_params;
        include /etc/nginx/uwsgi_params;
        include fastcgi_params;
        include fastcgi.conf;
        include scgi_params;
    }
}
`
	t.Run("missing from project", func(t *testing.T) {
		s := parseTree(t, map[string]string{"sites-enabled/app.conf": conf})
		noErrors(t, s)
		cfg := s.Configs[0]
		incs := find(cfg.Directives, "include", "*")
		pp := incs[0]
		if pp.Missing || len(pp.Included) != 4 {
			t.Fatalf("proxy_params: missing=%v %d directives", pp.Missing, len(pp.Included))
		}
		var headers []string
		for _, d := range pp.Included {
			if d.Name != "proxy_set_header" || d.File.Path != "<builtin>/proxy_params" || d.Parent != pp {
				t.Errorf("builtin directive %v in %s", d, d.File.Path)
			}
			headers = append(headers, d.Arg(0)+"="+d.Arg(1))
		}
		want := []string{"Host=$host", "X-Real-IP=$remote_addr",
			"X-Forwarded-For=$proxy_add_x_forwarded_for", "X-Forwarded-Proto=$scheme"}
		if !reflect.DeepEqual(headers, want) {
			t.Errorf("proxy_params %v", headers)
		}
		params := map[string]string{}
		for _, d := range incs[1].Included {
			params[d.Arg(0)] = strings.Join(d.Args[1:], " ")
		}
		if incs[1].Included[0].File.Path != "<builtin>/uwsgi_params" || params["HTTPS"] != "$https if_not_empty" ||
			params["REMOTE_ADDR"] != "$remote_addr" || params["HTTP_HOST"] != "$host" || len(params) != 15 {
			t.Errorf("uwsgi_params %v", params)
		}
		for i, name := range []string{"fastcgi_params", "fastcgi.conf", "scgi_params"} {
			inc := incs[2+i]
			if len(inc.Included) == 0 || inc.Included[0].File.Path != "<builtin>/"+name {
				t.Errorf("%s not built in: %v", name, inc.Included)
			}
		}
		if sf := find(incs[3].Included, "fastcgi_param", "SCRIPT_FILENAME"); len(sf) != 1 {
			t.Error("fastcgi.conf lacks SCRIPT_FILENAME")
		}
		want = []string{"sites-enabled/app.conf", "<builtin>/proxy_params", "<builtin>/uwsgi_params",
			"<builtin>/fastcgi_params", "<builtin>/fastcgi.conf", "<builtin>/scgi_params"}
		if got := filePaths(cfg.Files); !reflect.DeepEqual(got, want) {
			t.Errorf("config files %v", got)
		}
		if len(s.Files) != 1 || s.Files["sites-enabled/app.conf"] == nil {
			t.Errorf("builtins must not be in Set.Files: %v", s.Files)
		}
	})
	t.Run("project copy wins", func(t *testing.T) {
		s := parseTree(t, map[string]string{
			"sites-enabled/app.conf": conf,
			"proxy_params":           "proxy_set_header X-Custom yes;\n",
		}, "sites-enabled/app.conf")
		noErrors(t, s)
		pp := find(s.Configs[0].Directives, "include", "proxy_params")[0]
		if len(pp.Included) != 1 || pp.Included[0].File.Path != "proxy_params" || pp.Included[0].Arg(0) != "X-Custom" {
			t.Errorf("project proxy_params not used: %v", pp.Included)
		}
		if s.Files["proxy_params"] == nil {
			t.Error("project copy missing from Set.Files")
		}
	})
}

func TestMissingInclude(t *testing.T) {
	s := parseTree(t, map[string]string{"nginx/site.conf": `server {
    listen 443 ssl;
    include snippets/mtls.conf;
    include /opt/other/thing.conf;
    ssl_verify_client on;
}
`})
	if len(s.Errors) != 2 {
		t.Fatalf("errors: %v", s.Errors)
	}
	e := s.Errors[0]
	if e.Kind != KindInclude || e.Loc.Path != "nginx/site.conf" || e.Loc.Start.Line != 3 || e.Loc.Start.Column != 5 ||
		!strings.Contains(e.Message, `"snippets/mtls.conf" not found`) ||
		!strings.Contains(e.Message, "nginx/snippets/mtls.conf, snippets/mtls.conf") {
		t.Errorf("error %+v", e)
	}
	if e2 := s.Errors[1]; e2.Kind != KindInclude || e2.Loc.Start.Line != 4 {
		t.Errorf("error %+v", e2)
	}
	ds := s.Configs[0].Directives
	inc := findOne(t, ds, "include", "snippets/mtls.conf")
	if !inc.Missing || inc.Included != nil || e.Loc != inc.Loc {
		t.Errorf("include missing=%v included=%v", inc.Missing, inc.Included)
	}
	// Parsing continued after the missing include.
	findOne(t, ds, "ssl_verify_client", "on")
}

func TestSyntaxErrors(t *testing.T) {
	dir := fixture(t, "broken")
	s := ParseFiles(dir, listFiles(t, dir), Options{})
	if got := configPaths(s); !reflect.DeepEqual(got, []string{"bad.conf", "extra-brace.conf", "good.conf"}) {
		t.Fatalf("configs %v", got)
	}
	if len(s.Errors) != 2 {
		t.Fatalf("errors %v", s.Errors)
	}
	bad := s.Errors[0]
	// The error is where the file ends (line 6; the trailing newline does
	// not start a line). The '}' on line 6 is indented like `server`, so the
	// message names the `location` block on line 3 as the one missing its
	// brace.
	if bad.Kind != KindSyntax || bad.Loc.Path != "bad.conf" || bad.Loc.Start.Line != 6 ||
		!strings.Contains(bad.Message, `unexpected end of file, expecting "}"`) ||
		!strings.Contains(bad.Message, `"location" block on line 3 is not closed`) {
		t.Errorf("bad.conf error %+v", bad)
	}
	if bad.Loc.Start.Column != 1 || bad.Loc.End.Column != 2 {
		t.Errorf("error should span its line: %+v", bad.Loc)
	}
	extra := s.Errors[1]
	if extra.Kind != KindSyntax || extra.Loc.Path != "extra-brace.conf" || extra.Loc.Start.Line != 4 ||
		extra.Message != `unexpected "}"` {
		t.Errorf("extra-brace.conf error %+v", extra)
	}
	// The other file still parses.
	var good *Config
	for _, c := range s.Configs {
		if c.Path == "good.conf" {
			good = c
		}
	}
	if ret := findOne(t, good.Directives, "return", "200"); ret.Loc.Start.Line != 4 {
		t.Errorf("return at %+v", ret.Loc)
	}
	for _, p := range []string{"bad.conf", "extra-brace.conf", "good.conf"} {
		if s.Files[p] == nil {
			t.Errorf("%s not in Set.Files", p)
		}
	}
}

func TestMoreSyntaxErrors(t *testing.T) {
	cases := []struct {
		name, conf string
		line       int
		msg        string
	}{
		{"missing final brace", "server {\n    listen 80;\n", 2, `"server" block on line 1 is not closed`},
		{"missing inner brace", "server {\n    location / {\n        if ($a) {\n            return 403;\n    }\n}\n", 6,
			`"if" block on line 3 is not closed`},
		{"missing brace, no telling indentation", "server {\nlocation / {\nreturn 403;\n}\n", 4,
			`"server" block on line 1 is not closed`},
		{"missing semicolon at EOF", "server {\n    listen 80;\n}\nworker_processes 2", 4, "premature end of file"},
		{"missing semicolon before brace", "server {\n    listen 80\n}\n", 3, `directive "listen" is not terminated by ";"`},
		{"double semicolon", "events {\n    worker_connections 10;;\n}\n", 2, `unexpected ";"`},
		{"include without argument", "http {\n    include;\n}\n", 2, `invalid number of arguments in "include"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := parseTree(t, map[string]string{"nginx.conf": tc.conf})
			if len(s.Errors) != 1 {
				t.Fatalf("errors %v", s.Errors)
			}
			e := s.Errors[0]
			if e.Kind != KindSyntax || e.Loc.Start.Line != tc.line || !strings.Contains(e.Message, tc.msg) {
				t.Errorf("got %s (%s), want line %d %q", e, e.Kind, tc.line, tc.msg)
			}
		})
	}
}

func TestIncludedFileIsNotARoot(t *testing.T) {
	dir := fixture(t, "debian")
	s := ParseFiles(dir, listFiles(t, dir), Options{})
	if got := configPaths(s); !reflect.DeepEqual(got, []string{"nginx.conf", "sites-available/legacy.conf"}) {
		t.Fatalf("configs %v", got)
	}
	main := s.Configs[0]
	want := []string{"nginx.conf", "<builtin>/mime.types", "conf.d/gzip.conf", "conf.d/tls.conf",
		"sites-enabled/app.conf", "snippets/mtls.conf", "<builtin>/proxy_params", "<builtin>/uwsgi_params"}
	if got := filePaths(main.Files); !reflect.DeepEqual(got, want) {
		t.Errorf("files %v", got)
	}
	v := findOne(t, main.Directives, "ssl_verify_client", "on")
	// server > include snippets/mtls.conf > … the include chain is visible
	// through Parent.
	var chain []string
	for p := v.Parent; p != nil; p = p.Parent {
		chain = append(chain, p.Name+" "+p.Arg(0))
	}
	wantChain := []string{"include snippets/mtls.conf", "server ", "include sites-enabled/*", "http "}
	if !reflect.DeepEqual(chain, wantChain) {
		t.Errorf("parent chain %q", chain)
	}
	if len(s.Errors) != 1 || s.Errors[0].Loc.Path != "sites-available/legacy.conf" || s.Errors[0].Loc.Start.Line != 5 {
		t.Errorf("errors %v", s.Errors)
	}
	paths := make([]string, 0, len(s.Files))
	for p := range s.Files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	if !reflect.DeepEqual(paths, listFiles(t, dir)) {
		t.Errorf("set files %v", paths)
	}
}

func TestIncludeCycle(t *testing.T) {
	s := parseTree(t, map[string]string{
		"conf/a.conf": "include b.conf;\nserver_tokens off;\n",
		"conf/b.conf": "include a.conf;\ngzip on;\n",
		"conf/c.conf": "include *.conf;\n",
	}, "conf/a.conf", "conf/b.conf")
	if got := configPaths(s); !reflect.DeepEqual(got, []string{"conf/a.conf"}) {
		t.Fatalf("configs %v", got)
	}
	cfg := s.Configs[0]
	findOne(t, cfg.Directives, "gzip", "on")
	findOne(t, cfg.Directives, "server_tokens", "off")
	if len(s.Errors) != 1 || s.Errors[0].Kind != KindInclude || s.Errors[0].Loc.Path != "conf/b.conf" ||
		!strings.Contains(s.Errors[0].Message, "include cycle") {
		t.Errorf("errors %v", s.Errors)
	}

	// A glob that matches the including file itself.
	s = parseTree(t, map[string]string{
		"conf/a.conf": "gzip on;\n",
		"conf/c.conf": "include *.conf;\n",
	})
	if got := configPaths(s); !reflect.DeepEqual(got, []string{"conf/c.conf"}) {
		t.Fatalf("configs %v", got)
	}
	if len(s.Errors) != 1 || !strings.Contains(s.Errors[0].Message, "include cycle") {
		t.Errorf("errors %v", s.Errors)
	}
	findOne(t, s.Configs[0].Directives, "gzip", "on")
}

func TestMultiByteColumns(t *testing.T) {
	s := parseTree(t, map[string]string{"nginx.conf": "# ünïcödé 🚀\n" +
		"server { set $g \"héllo 🚀\"; add_header X-G $g; # trailing é\n" +
		"}\n"})
	noErrors(t, s)
	ds := s.Configs[0].Directives
	c := ds[0]
	if c.Name != "#" || c.Comment != " ünïcödé 🚀" {
		t.Fatalf("comment %q", c.Comment)
	}
	// "# ünïcödé 🚀" is 11 code points, 12 UTF-16 units, 19 bytes.
	if c.Loc.End.Column != 12 || c.Loc.End.UTF16Col != 13 || c.Loc.End.Offset != len("# ünïcödé 🚀") {
		t.Errorf("comment end %+v", c.Loc.End)
	}
	set := findOne(t, ds, "set", "$g")
	if set.Arg(1) != "héllo 🚀" || text(set) != `set $g "héllo 🚀";` {
		t.Errorf("set %q text %q", set.Args, text(set))
	}
	h := findOne(t, ds, "add_header", "X-G")
	// `server { set $g "héllo 🚀"; ` is 27 code points; 🚀 takes two UTF-16 units.
	if h.Loc.Start.Line != 2 || h.Loc.Start.Column != 28 || h.Loc.Start.UTF16Col != 29 {
		t.Errorf("add_header start %+v", h.Loc.Start)
	}
	if text(h) != "add_header X-G $g;" {
		t.Errorf("add_header text %q", text(h))
	}
	tr := h.Parent.Block[2]
	if tr.Name != "#" || tr.Comment != " trailing é" || text(tr) != "# trailing é" {
		t.Errorf("trailing comment %v %q", tr, text(tr))
	}
}

func TestTrickyTokens(t *testing.T) {
	dir := fixture(t, "misc")
	s := ParseFiles(dir, []string{"tricky.conf"}, Options{})
	noErrors(t, s)
	ds := s.Configs[0].Directives
	m := findOne(t, ds, "map", "$http_x_client_dn")
	if len(m.Block) != 3 || m.Block[1].Name != "~^CN=alice" || text(m.Block[1]) != `"~^CN=alice" 1;` {
		t.Errorf("map entries %v", m.Block)
	}
	q := findOne(t, ds, "proxy_set_header", "X-Quoted")
	if q.Arg(1) != "a;b{c}" || text(q) != `proxy_set_header X-Quoted "a;b{c}" ;` {
		t.Errorf("quoted %q %q", q.Args, text(q))
	}
	e := findOne(t, ds, "proxy_set_header", "X-Esc")
	if e.Arg(1) != `a\;b` || text(e) != `proxy_set_header X-Esc a\;b;` {
		t.Errorf("escaped %q %q", e.Args, text(e))
	}
	lf := findOne(t, ds, "log_format", "main")
	if lf.Arg(1) != `$remote_addr "$request" ${ssl_client_s_dn}` {
		t.Errorf("log_format %q", lf.Args)
	}
	in := findOne(t, ds, "location", "/api/internal/")
	if in.Loc.Start.Line != 11 || in.Loc.Start.Column != 9 || in.Block[0].Loc.Start.Column != 35 {
		t.Errorf("inner location %+v deny %+v", in.Loc.Start, in.Block[0].Loc.Start)
	}
	// A directive from a third-party module is kept.
	findOne(t, ds, "more_set_headers", "Server: none")
}

func TestOverlayAndRoots(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"deploy/nginx/site.conf":      "server { include common/headers.conf; include extra/*.conf; }\n",
		"shared/common/headers.conf":  "add_header X-Disk 1;\n",
		"shared/extra/on-disk.conf":   "gzip on;\n",
		"deploy/nginx/unrelated.conf": "events {}\n",
	})
	overlay := map[string][]byte{
		"deploy/nginx/site.conf":            []byte("server {\n  include common/headers.conf;\n  include extra/*.conf;\n}\n"),
		"shared/extra/only-in-overlay.conf": []byte("server_tokens off;\n"),
	}
	s := ParseFiles(dir, []string{"deploy/nginx/site.conf"}, Options{Roots: []string{"shared", filepath.Join(dir, "shared")}, Overlay: overlay})
	noErrors(t, s)
	ds := s.Configs[0].Directives
	inc := findOne(t, ds, "include", "common/headers.conf")
	if inc.Loc.Start.Line != 2 || len(inc.Included) != 1 || inc.Included[0].File.Path != "shared/common/headers.conf" {
		t.Errorf("overlay content or Roots not used: %+v %v", inc.Loc, inc.Included)
	}
	glob := findOne(t, ds, "include", "extra/*.conf")
	var got []string
	for _, d := range glob.Included {
		got = append(got, d.File.Path)
	}
	if !reflect.DeepEqual(got, []string{"shared/extra/on-disk.conf", "shared/extra/only-in-overlay.conf"}) {
		t.Errorf("glob with overlay: %v", got)
	}
}

func TestWalkStopsDescending(t *testing.T) {
	s := parseTree(t, map[string]string{"nginx.conf": "http { server { listen 80; } include x.conf; }\n", "x.conf": "gzip on;\n"}, "nginx.conf")
	noErrors(t, s)
	var seen []string
	Walk(s.Configs[0].Directives, func(d *Directive) bool {
		seen = append(seen, d.Name)
		return d.Name != "server" && d.Name != "include"
	})
	if !reflect.DeepEqual(seen, []string{"http", "server", "include"}) {
		t.Errorf("walk %v", seen)
	}
	var d *Directive
	if d.Arg(0) != "" || (&Directive{Args: []string{"a"}}).Arg(-1) != "" {
		t.Error("Arg out of range")
	}
}

func TestUnreadableCandidate(t *testing.T) {
	dir := writeTree(t, map[string]string{"nginx/ok.conf": "events {}\n"})
	s := ParseFiles(dir, []string{"nginx/ok.conf", "nginx/gone.conf", "../outside.conf", ""}, Options{})
	if got := configPaths(s); !reflect.DeepEqual(got, []string{"nginx/ok.conf"}) {
		t.Errorf("configs %v", got)
	}
	if len(s.Errors) != 1 || s.Errors[0].Loc.Path != "nginx/gone.conf" || s.Errors[0].Loc.Start.Line != 1 ||
		strings.Contains(s.Errors[0].Message, dir) {
		t.Errorf("errors %v", s.Errors)
	}
}

// summary renders a set compactly, for comparing runs.
func summary(s *Set) string {
	var sb strings.Builder
	for _, c := range s.Configs {
		fmt.Fprintf(&sb, "config %s %v\n", c.Path, filePaths(c.Files))
		Walk(c.Directives, func(d *Directive) bool {
			fmt.Fprintf(&sb, "%s:%d:%d-%d:%d %s %q %q missing=%v\n", d.Loc.Path, d.Loc.Start.Line, d.Loc.Start.Column,
				d.Loc.End.Line, d.Loc.End.Column, d.Name, d.Args, d.Comment, d.Missing)
			return true
		})
	}
	for _, e := range s.Errors {
		fmt.Fprintf(&sb, "error %s %s\n", e.Kind, e)
	}
	return sb.String()
}

func TestConcurrentAndDeterministic(t *testing.T) {
	dir := fixture(t, "debian")
	files := listFiles(t, dir)
	want := summary(ParseFiles(dir, files, Options{}))
	// Reversed candidate order must not matter.
	rev := append([]string(nil), files...)
	sort.Sort(sort.Reverse(sort.StringSlice(rev)))
	var wg sync.WaitGroup
	results := make([]string, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				results[i] = summary(ParseFiles(dir, files, Options{}))
			} else {
				results[i] = summary(ParseFiles(dir, rev, Options{}))
			}
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r != want {
			t.Errorf("run %d differs:\n%s\nwant:\n%s", i, r, want)
		}
	}
}

func TestBuiltinsParseCleanly(t *testing.T) {
	for _, name := range []string{"proxy_params", "uwsgi_params", "fastcgi_params", "fastcgi.conf", "scgi_params", "mime.types"} {
		content, ok := builtinContent(name)
		if !ok {
			t.Fatalf("%s not built in", name)
		}
		pf := parseFile(source.NewFile(builtinPrefix+name, []byte(content)))
		if len(pf.errs) != 0 || len(pf.nodes) == 0 {
			t.Errorf("%s: errors %v, %d directives", name, pf.errs, len(pf.nodes))
		}
	}
}

// A syntax error does not discard the file: the error is reported where it
// is, and every server and location that can be recovered is still parsed,
// at its own position.
func TestSyntaxErrorRecovery(t *testing.T) {
	cases := []struct {
		name, conf string
		errLines   []int
		want       []string // name arg0 @line of directives that must be found
	}{
		{"missing brace", "server {\n    listen 443 ssl;\n    location / {\n        proxy_pass http://app;\n}\n" +
			"server {\n    listen 80;\n    return 301 https://$host$request_uri;\n}\n",
			[]int{9}, []string{"server @1", "location / @3", "proxy_pass http://app @4", "server @6", "return 301 @8"}},
		{"extra brace mid-file", "server {\n    listen 80;\n}\n}\nserver {\n    listen 443 ssl;\n    location /api/ {\n        proxy_set_header X-Client-DN $ssl_client_s_dn;\n    }\n}\n",
			[]int{4}, []string{"listen 80 @2", "server @5", "location /api/ @7", "proxy_set_header X-Client-DN @8"}},
		{"two errors", "events {\n    worker_connections 10;;\n}\nhttp {\n    server { listen 80; }\n}\n}\nhttp {\n    server { listen 81; }\n}\n",
			[]int{2, 7}, []string{"worker_connections 10 @2", "listen 80 @5", "listen 81 @9"}},
		{"double brace", "server {\n    location / { {\n        return 403;\n    }\n}\nserver {\n    listen 8080;\n}\n",
			[]int{2}, []string{"return 403 @3", "listen 8080 @7"}},
		{"missing semicolon at end", "server {\n    listen 80;\n}\nworker_processes 2", []int{4}, []string{"listen 80 @2", "worker_processes 2 @4"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := parseTree(t, map[string]string{"nginx.conf": tc.conf})
			var lines []int
			for _, e := range s.Errors {
				if e.Kind != KindSyntax {
					t.Errorf("error %s of kind %s", e, e.Kind)
				}
				lines = append(lines, e.Loc.Start.Line)
			}
			if !reflect.DeepEqual(lines, tc.errLines) {
				t.Errorf("error lines %v, want %v (%v)", lines, tc.errLines, s.Errors)
			}
			if len(s.Configs) != 1 {
				t.Fatalf("configs %v", configPaths(s))
			}
			if tc.name == "missing brace" {
				// The '}' indented like server closes the server: the
				// second server stays at the top level.
				if ds := s.Configs[0].Directives; len(ds) != 2 || ds[1].Name != "server" || len(ds[0].Block) != 2 {
					t.Errorf("top level %v", ds)
				}
			}
			for _, w := range tc.want {
				spec, at, _ := strings.Cut(w, " @")
				name, arg, _ := strings.Cut(spec, " ")
				if arg == "" {
					arg = "*"
				}
				var line int
				fmt.Sscan(at, &line)
				found := false
				for _, d := range find(s.Configs[0].Directives, name, arg) {
					found = found || d.Loc.Start.Line == line
				}
				if !found {
					t.Errorf("%s %s not recovered at line %d", name, arg, line)
				}
			}
		})
	}
}

// A directive whose quoted name is "#" is a directive (one nginx rejects
// as unknown), not a comment, and keeps its arguments.
func TestQuotedHashIsNotAComment(t *testing.T) {
	s := parseTree(t, map[string]string{"nginx.conf": "'#' 00;\n# real\n"})
	noErrors(t, s)
	ds := s.Configs[0].Directives
	if len(ds) != 2 {
		t.Fatalf("directives %v", ds)
	}
	if d := ds[0]; d.IsComment() || d.Name != "#" || d.Arg(0) != "00" || d.String() != "# 00;" {
		t.Errorf("quoted '#': comment=%v name %q args %q string %q", d.IsComment(), d.Name, d.Args, d.String())
	}
	if c := ds[1]; !c.IsComment() || c.Comment != " real" {
		t.Errorf("comment: comment=%v %q", c.IsComment(), c.Comment)
	}
}
