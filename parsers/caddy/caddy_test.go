package caddy

import (
	"reflect"
	"strings"
	"testing"
)

func texts(ds []*Directive) []string {
	var out []string
	for _, d := range ds {
		var ws []string
		for _, w := range d.Words {
			ws = append(ws, w.Text)
		}
		s := strings.Join(ws, " ")
		if d.HasBody {
			s += " {" + strings.Join(texts(d.Body), "; ") + "}"
		}
		out = append(out, s)
	}
	return out
}

func TestParseTree(t *testing.T) {
	src := `{
	admin off
}

(mtls) {
	tls cert.pem key.pem {
		client_auth {
			mode {args.0}
		}
	}
}

# a comment
example.com, www.example.com {
	import mtls require_and_verify
	handle /health {
		respond "ok  now" 200
	}
	reverse_proxy 127.0.0.1:8000 {
		header_up X-Client-DN {tls_client_subject} # trailing comment
		header_up -X-Other
		header_up X-Quoted ` + "`a \"raw\" value`" + `
	}
}
`
	f := Parse([]byte(src))
	if len(f.Errors) != 0 {
		t.Fatalf("errors %v", f.Errors)
	}
	if f.Global == nil || !reflect.DeepEqual(texts(f.Global.Body), []string{"admin off"}) {
		t.Errorf("global %+v", f.Global)
	}
	if got := texts(f.Snippets["mtls"].Body); !reflect.DeepEqual(got, []string{"tls cert.pem key.pem {client_auth {mode {args.0}}}"}) {
		t.Errorf("snippet %q", got)
	}
	want := []string{"example.com, www.example.com {import mtls require_and_verify; handle /health {respond ok  now 200}; " +
		"reverse_proxy 127.0.0.1:8000 {header_up X-Client-DN {tls_client_subject}; header_up -X-Other; header_up X-Quoted a \"raw\" value}}"}
	if got := texts(f.Sites); !reflect.DeepEqual(got, want) {
		t.Errorf("sites\n got %q\nwant %q", got, want)
	}
	rp := f.Sites[0].Find("reverse_proxy")[0]
	h := rp.Body[0]
	if got := src[h.Start:h.End]; got != "header_up X-Client-DN {tls_client_subject}" {
		t.Errorf("header_up span %q", got)
	}
	if got := src[rp.Open : rp.Close+1]; !strings.HasPrefix(got, "{") || !strings.HasSuffix(got, "}") {
		t.Errorf("block span %q", got)
	}
}

func TestSingleSiteForm(t *testing.T) {
	f := Parse([]byte("localhost:8443\n\nreverse_proxy app:8000\nlog\n"))
	if len(f.Errors) != 0 || len(f.Sites) != 1 {
		t.Fatalf("errors %v sites %d", f.Errors, len(f.Sites))
	}
	if got := texts(f.Sites); !reflect.DeepEqual(got, []string{"localhost:8443 {reverse_proxy app:8000; log}"}) {
		t.Errorf("site %q", got)
	}
}

func TestErrorsKeepTheRest(t *testing.T) {
	src := "a.example {\n\trespond \"unterminated\n}\n}\nb.example {\n\treverse_proxy x:1\n"
	f := Parse([]byte(src))
	var msgs []string
	for _, e := range f.Errors {
		msgs = append(msgs, e.Msg)
	}
	if want := []string{"`{` is never closed", "unterminated quote"}; !reflect.DeepEqual(msgs, want) {
		t.Errorf("errors %q, want %q", msgs, want)
	}
	f = Parse([]byte("a.example {\n\trespond ok\n}\n}\nb.example {\n\treverse_proxy x:1\n}\n"))
	if len(f.Errors) != 1 || f.Errors[0].Msg != "`}` without an opening `{`" || len(f.Sites) != 2 {
		t.Errorf("stray brace: errors %v, %d sites", f.Errors, len(f.Sites))
	}
}

// A Caddyfile template whose branches each open the site block is read as
// its first-branch rendering; the other branch is left out.
func TestTemplateAlternativeSites(t *testing.T) {
	src := "{% if tls %}\nsecure.example {\n\ttls /c.pem /k.pem\n{% else %}\n:80 {\n{% endif %}\n\treverse_proxy app:8000\n}\n"
	if f := Parse([]byte(src)); len(f.Errors) == 0 {
		t.Fatal("with both branches the braces balance; the test needs a template that does not")
	}
	f := ParseNamed("Caddyfile.j2", []byte(src))
	if len(f.Errors) != 0 {
		t.Fatalf("errors %v", f.Errors)
	}
	if got, want := texts(f.Sites), []string{"secure.example {tls /c.pem /k.pem; reverse_proxy app:8000}"}; !reflect.DeepEqual(got, want) {
		t.Errorf("sites %q, want %q", got, want)
	}
	if len(f.LeftOut) != 1 || src[f.LeftOut[0].Start:f.LeftOut[0].End] != "{% else %}\n:80 {" {
		t.Errorf("left out %v", f.LeftOut)
	}
}

// FuzzParse checks that parsing never panics and that offsets stay within
// the input.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "{", "}", "a {\n}", "a {\n b {\n c\n}\n}", "\"x", "`y", "a \\\n b", "(s) {\n x\n}\nimport s", "{$X} {\n}\n"} {
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
				for _, w := range d.Words {
					if w.Start < d.Start || w.End > len(data) || w.End < w.Start {
						t.Fatalf("word [%d,%d) outside [%d,%d)", w.Start, w.End, d.Start, d.End)
					}
				}
				check(d.Body)
			}
		}
		check(p.Sites)
		for _, e := range p.Errors {
			if e.Offset < 0 || e.Offset > len(data) {
				t.Fatalf("error offset %d of %d", e.Offset, len(data))
			}
		}
	})
}
