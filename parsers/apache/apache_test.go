package apache

import (
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
