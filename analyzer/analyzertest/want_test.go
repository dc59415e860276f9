package analyzertest

import (
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/source"
)

func TestInlineWants(t *testing.T) {
	a := txtar.Parse([]byte(`rules: DJL101
-- app/views.py --
x = 1
y = f(token)  # want DJL101 "token \"q\"" DJL201 "logged"
# a comment that wants nothing: want to keep it
    # want NGX202 "own line"
    # want NGX203 "stacked"
z = 3
-- templates/a.html --
<a href="{{ url }}?t={{ t }}"> {# want DJL106 "in a template" #}
-- apache2/site.conf --
<VirtualHost *:80>
    # want APC202 "forge"
    ProxyPass / http://127.0.0.1:8000/
</VirtualHost>
`))
	ws, err := InlineWants(a)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range ws {
		got = append(got, w.String())
	}
	want := []string{
		`DJL101 app/views.py:2 "token \"q\""`,
		`DJL201 app/views.py:2 "logged"`,
		`NGX202 app/views.py:6 "own line"`,
		`NGX203 app/views.py:6 "stacked"`,
		`DJL106 templates/a.html:1 "in a template"`,
		`APC202 apache2/site.conf:3 "forge"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	for _, bad := range []string{
		"-- a.py --\nx = 1  # want DJL101 \"(\"\n",   // bad regexp
		"-- a.py --\nx = 1\n# want DJL101 \"dangling\"", // nothing after it
	} {
		if _, err := InlineWants(txtar.Parse([]byte(bad))); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestCheckWants(t *testing.T) {
	at := func(rule, path string, line int, msg string) *analyzer.Finding {
		return &analyzer.Finding{RuleID: rule, Message: msg, Location: source.Location{Path: path, Start: source.Pos{Line: line}}}
	}
	a := txtar.Parse([]byte("-- a.py --\nx = 1  # want DJL101 \"token\" DJL101 \"secret\"\n"))
	inline, err := InlineWants(a)
	if err != nil {
		t.Fatal(err)
	}
	header := []Want{{Rule: "NGX202", Path: "n.conf", Line: 4}}
	ok := []*analyzer.Finding{at("DJL101", "a.py", 1, "the secret leaks"), at("DJL101", "a.py", 1, "a token leaks"), at("NGX202", "n.conf", 4, "anything")}
	if p := CheckWants(ok, header, inline); len(p) != 0 {
		t.Errorf("expected no problems, got %v", p)
	}
	bad := []*analyzer.Finding{at("DJL101", "a.py", 1, "a token leaks"), at("DJL101", "a.py", 1, "a token again"), at("NGX202", "n.conf", 5, "moved")}
	got := strings.Join(CheckWants(bad, header, inline), "\n")
	for _, w := range []string{`missing: DJL101 a.py:1 "secret"`, "missing: NGX202 n.conf:4", "unexpected: DJL101 a.py:1 a token again", "unexpected: NGX202 n.conf:5 moved"} {
		if !strings.Contains(got, w) {
			t.Errorf("problems lack %q:\n%s", w, got)
		}
	}
}
