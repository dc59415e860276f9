package apache

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestParseTree(t *testing.T) {
	src := `# comment
ServerName localhost
<VirtualHost *:443>
    SSLEngine on
    RequestHeader set X-Client-DN "%{SSL_CLIENT_S_DN}s" early
    RequestHeader set X-Quoted 'single quoted'
    ProxyPass / \
        http://127.0.0.1:8000/
    <Location "/health">
        RequestHeader unset X-Client-DN
    </Location>
</VirtualHost>
`
	f := Parse([]byte(src))
	if len(f.Errors) != 0 {
		t.Fatalf("errors %v", f.Errors)
	}
	if len(f.Directives) != 2 || !f.Directives[0].Is("servername") || !f.Directives[1].Section {
		t.Fatalf("top level %+v", f.Directives)
	}
	vh := f.Directives[1]
	if vh.Name != "VirtualHost" || !reflect.DeepEqual(vh.Texts(), []string{"*:443"}) || vh.Close < 0 {
		t.Errorf("vhost %+v", vh)
	}
	rh := vh.Find("RequestHeader")
	if len(rh) != 2 || !reflect.DeepEqual(rh[0].Texts(), []string{"set", "X-Client-DN", "%{SSL_CLIENT_S_DN}s", "early"}) || rh[1].Arg(2) != "single quoted" {
		t.Errorf("RequestHeader %+v", rh)
	}
	if got := src[rh[0].Args[2].Start:rh[0].Args[2].End]; got != `"%{SSL_CLIENT_S_DN}s"` {
		t.Errorf("quoted word spans %q", got)
	}
	pp := vh.Find("ProxyPass")
	if len(pp) != 1 || !reflect.DeepEqual(pp[0].Texts(), []string{"/", "http://127.0.0.1:8000/"}) {
		t.Errorf("continued line %+v", pp)
	}
	if got := src[pp[0].Start:pp[0].End]; !strings.HasPrefix(got, "ProxyPass /") || !strings.HasSuffix(got, "8000/") {
		t.Errorf("continued line spans %q", got)
	}
	loc := vh.Find("Location")
	if len(loc) != 1 || loc[0].Arg(0) != "/health" || len(loc[0].Body) != 1 {
		t.Errorf("location %+v", loc)
	}
}

func TestErrorsKeepTheRest(t *testing.T) {
	src := "</Location>\n<VirtualHost *:80>\n  <Location />\n  </Directory>\n  ProxyPass / \"http://x\n</VirtualHost>\n<VirtualHost *:81>\n  ProxyPass / http://y/\n"
	f := Parse([]byte(src))
	var msgs []string
	for _, e := range f.Errors {
		msgs = append(msgs, e.Msg)
	}
	want := []string{"`</Location>` without an opening section", "`</Directory>` closes `<Location>`", "unterminated quote", "`<VirtualHost>` is never closed"}
	if !reflect.DeepEqual(msgs, want) {
		t.Errorf("errors %q\nwant %q", msgs, want)
	}
	if len(f.Directives) != 2 || len(f.Directives[1].Find("ProxyPass")) != 1 {
		t.Errorf("the second vhost was lost: %+v", f.Directives)
	}
}

// FuzzParse checks that parsing never panics and offsets stay in range.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "<", "</>", "<A>\n</B>", "a \\\n b", "a \"b", "<V x>\n<L>\n", "#\\\nx", "a\r\n\\\r\nb"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := Parse(data)
		var check func(ds []*Directive)
		check = func(ds []*Directive) {
			for _, d := range ds {
				if d.Start < 0 || d.End > len(data) || d.End < d.Start {
					t.Fatalf("directive [%d,%d) of %d", d.Start, d.End, len(data))
				}
				for _, w := range d.Args {
					if w.Start < 0 || w.End > len(data) || w.End < w.Start {
						t.Fatalf("word [%d,%d) of %d", w.Start, w.End, len(data))
					}
				}
				check(d.Body)
			}
		}
		check(p.Directives)
		for _, e := range p.Errors {
			if e.Offset < 0 || e.Offset > len(data) {
				t.Fatalf("error offset %d of %d", e.Offset, len(data))
			}
		}
	})
}

// Horizon's vhost template opens a <VirtualHost> in each branch of
// {% if SSL %}, closed once after {% endif %}: it is read as rendered with
// the first branch, the {% else %} branch is left out, and its later
// {% else %} branch (balanced) is kept.
func TestTemplateAlternativeSections(t *testing.T) {
	data, err := os.ReadFile("testdata/horizon_apache_vhost.conf.template")
	if err != nil {
		t.Fatal(err)
	}
	if f := Parse(data); len(f.Errors) == 0 {
		t.Fatal("with both branches the sections balance; the test needs a template that does not")
	}
	f := ParseNamed("apache_vhost.conf.template", data)
	if len(f.Errors) != 0 {
		t.Fatalf("errors %v", f.Errors)
	}
	if len(f.Directives) != 1 || !f.Directives[0].Is("VirtualHost") || f.Directives[0].Arg(0) != "{{ NAMEDHOST }}:443" {
		t.Fatalf("top level %+v", f.Directives)
	}
	vh := f.Directives[0]
	for _, name := range []string{"SSLEngine", "ServerName", "WSGIScriptAlias"} {
		if len(vh.Find(name)) != 1 {
			t.Errorf("%s not in the vhost", name)
		}
	}
	var locs []string
	for _, l := range vh.Find("Location") {
		for _, d := range l.Body {
			locs = append(locs, d.Name)
		}
	}
	if want := []string{"Require", "Order", "Allow", "SetHandler"}; !reflect.DeepEqual(locs, want) {
		t.Errorf("Location bodies %q, want %q (both branches of the balanced conditional)", locs, want)
	}
	if len(f.LeftOut) != 1 {
		t.Fatalf("left out %v", f.LeftOut)
	}
	if got := string(data[f.LeftOut[0].Start:f.LeftOut[0].End]); got != "{% else %}\n<VirtualHost {{ NAMEDHOST }}:80>" {
		t.Errorf("left out %q", got)
	}
}

// Continued lines are joined before the words are split, as httpd does: a
// quoted string or a word runs on into the next line, and each word keeps
// the offsets of its first and last bytes in the file.
func TestContinuedWords(t *testing.T) {
	src := "A \"x \\\n y\" b\\\nc\nB\n"
	f := Parse([]byte(src))
	if len(f.Errors) != 0 || len(f.Directives) != 2 {
		t.Fatalf("errors %v, %d directives", f.Errors, len(f.Directives))
	}
	var got []string
	for _, w := range f.Directives[0].Args {
		got = append(got, fmt.Sprintf("%q %q", w.Text, src[w.Start:w.End]))
	}
	want := []string{`"x  y" "\"x \\\n y\""`, `"bc" "b\\\nc"`}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("words %v, want %v", got, want)
	}
	if d := f.Directives[1]; d.Name != "B" || d.Start != strings.Index(src, "B") {
		t.Errorf("second directive %q at %d", d.Name, d.Start)
	}
}
