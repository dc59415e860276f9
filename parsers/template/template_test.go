package template

import (
	"slices"
	"strings"
	"testing"
)

func TestNeutralizeLineFormats(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"haproxy.cfg.j2", "frontend fe\n    bind :443 ssl crt {{ cert }}\n    {{ extra_lines }}\n",
			"frontend fe\n    bind :443 ssl crt Tcert_____\n                     \n"},
		{"Caddyfile.tmpl", "{{ .Domain }} {\n\treverse_proxy {{ .Upstream }}\n}\n",
			"TDomain______ {\n\treverse_proxy TUpstream______\n}\n"},
		{"site.conf.erb", "<% if @tls %>\nSSLEngine on\n<% end %>\nServerName <%= @name %>\n",
			"             \nSSLEngine on\n         \nServerName Tname_______\n"},
		{"haproxy.cfg", "bind :443 {{ x }}\n", "bind :443 {{ x }}\n"},
	}
	for _, c := range cases {
		syn, _ := ByName(c.name)
		res := Neutralize([]byte(c.in), syn, LineAlone)
		if string(res.Content) != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, res.Content, c.want)
		}
		if len(res.Content) != len(c.in) {
			t.Errorf("%s: length %d, want %d", c.name, len(res.Content), len(c.in))
		}
	}
	syn, _ := ByName("x.j2")
	res := Neutralize([]byte("a {{ cert }}\n{% if plain %}\nfrontend p\n{% endif %}\n"), syn, LineAlone)
	if got := res.Restore("Tcert_____"); got != "{{ cert }}" {
		t.Errorf("Restore = %q", got)
	}
	if got := ConditionAt(res.Conds, len("a {{ cert }}\n{% if plain %}\n")); got != "`{% if plain %}`" {
		t.Errorf("ConditionAt = %q", got)
	}
}

func TestAlternates(t *testing.T) {
	in := "a\n{% if x %}b\n{% elif y %}c\n{% if z %}d{% else %}e{% endif %}\n{% else %}f\n{% endif %}\ng\n" +
		"<% if @t %>h<% else %>i<% end %>\n"
	res := Neutralize([]byte(in), Syntax{Jinja: true, ERB: true}, LineAlone)
	type alt struct{ text, cond string }
	var got []alt
	for _, a := range res.Alternates {
		got = append(got, alt{in[a.Start:a.End], a.Text})
	}
	want := []alt{
		{"{% elif y %}c\n{% if z %}d{% else %}e{% endif %}\n", "`{% elif y %}` of `{% if x %}`"},
		{"{% else %}e", "`{% else %}` of `{% if z %}`"},
		{"{% else %}f\n", "`{% else %}` of `{% if x %}`"},
		{"<% else %>i", "`<% else %>` of `<% if @t %>`"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("alternates:\n got %q\nwant %q", got, want)
	}
	first := string(res.FirstBranches())
	if len(first) != len(in) || strings.Count(first, "\n") != strings.Count(in, "\n") {
		t.Fatalf("FirstBranches moved text: %q", first)
	}
	if f := strings.Fields(first); !slices.Equal(f, []string{"a", "b", "g", "h"}) {
		t.Errorf("FirstBranches keeps %q, want the first branch of each conditional", f)
	}
	if outer := res.outermost(); len(outer) != 3 || outer[0] != res.Alternates[0] || outer[1] != res.Alternates[2] {
		t.Errorf("outermost = %v", outer)
	}
}

// balanced is a parse of a toy block language: "<" opens, ">" closes; it
// fails when they do not match.
func balanced(text []byte) []string {
	depth := 0
	for _, c := range text {
		switch c {
		case '<':
			depth++
		case '>':
			depth--
			if depth < 0 {
				return []string{"stray >"}
			}
		}
	}
	if depth != 0 {
		return []string{"unclosed <"}
	}
	return nil
}

func TestReread(t *testing.T) {
	clean := func(errs []string) bool { return len(errs) == 0 }
	cases := []struct {
		name, in string
		errs     []string // of the text read
		leftOut  []string
	}{
		{"balanced", "{% if a %}<x>{% else %}<y>{% endif %}\n", nil, nil},
		// Each branch opens a block that one closer after the chain closes.
		{"alternative openers", "{% if a %}<x\n{% else %}<y\n{% endif %}\n>\n{% if b %}<p>{% else %}<q>{% endif %}\n",
			nil, []string{"{% else %}<y"}},
		// The second alternative is put back, the first cannot be.
		{"put back", "{% if a %}<x{% elif b %}<y{% endif %}>{% if c %}1{% else %}2{% endif %}", nil, []string{"{% elif b %}<y"}},
		// No first-branch rendering parses: the errors of the full text stand.
		{"broken", "{% if a %}<x{% else %}y{% endif %}\n", []string{"unclosed <"}, nil},
		{"no alternates", "{% if a %}<x{% endif %}\n", []string{"unclosed <"}, nil},
	}
	for _, c := range cases {
		res := Neutralize([]byte(c.in), Syntax{Jinja: true}, LineAlone)
		errs := Reread(res, balanced(res.Content), balanced, clean)
		if !slices.Equal(errs, c.errs) {
			t.Errorf("%s: errors %q, want %q", c.name, errs, c.errs)
		}
		var left []string
		for _, r := range res.LeftOut {
			left = append(left, c.in[r.Start:r.End])
		}
		if !slices.Equal(left, c.leftOut) {
			t.Errorf("%s: left out %q, want %q", c.name, left, c.leftOut)
		}
	}
}
