package haproxy

import (
	"reflect"
	"strings"
	"testing"
)

func words(l *Line) []string { return l.Texts(0) }

func TestWordSplitting(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{`bind :443 ssl crt /etc/site.pem`, []string{"bind", ":443", "ssl", "crt", "/etc/site.pem"}},
		{"  http-request\tset-header  X-A  v  # trailing comment", []string{"http-request", "set-header", "X-A", "v"}},
		{`http-request set-header X-DN "%{+Q}[ssl_c_s_dn] x"`, []string{"http-request", "set-header", "X-DN", "%{+Q}[ssl_c_s_dn] x"}},
		{`log-format 'a "b" \n c'`, []string{"log-format", `a "b" \n c`}},
		{`a "x\"y" b`, []string{"a", `x"y`, "b"}},
		{`a pre"quoted part"post`, []string{"a", "prequoted partpost"}},
		{`a b\ c`, []string{"a", "b c"}},
		{`a \#not-a-comment`, []string{"a", "#not-a-comment"}},
		{`a "#quoted" # real`, []string{"a", "#quoted"}},
		{`a ""`, []string{"a", ""}},
		{"a\r", []string{"a"}},
	}
	for _, c := range cases {
		f := Parse([]byte("global\n" + c.in + "\n"))
		if len(f.Errors) != 0 {
			t.Errorf("%q: errors %v", c.in, f.Errors)
			continue
		}
		if len(f.Sections) != 1 || len(f.Sections[0].Lines) != 1 {
			t.Errorf("%q: sections %+v", c.in, f.Sections)
			continue
		}
		if got := words(f.Sections[0].Lines[0]); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: words %q, want %q", c.in, got, c.want)
		}
	}
}

func TestOffsetsCoverTheSourceText(t *testing.T) {
	src := "frontend fe\n    bind :443 ssl   # tls\n    http-request set-header X-DN \"%[ssl_c_s_dn]\" if { ssl_c_used }\n"
	f := Parse([]byte(src))
	fe := f.Sections[0]
	if fe.Kind != "frontend" || fe.Name != "fe" || src[fe.Header.Start:fe.Header.End] != "frontend fe" {
		t.Fatalf("header %+v", fe.Header)
	}
	l := fe.Lines[1]
	if got := src[l.Start:l.End]; got != `http-request set-header X-DN "%[ssl_c_s_dn]" if { ssl_c_used }` {
		t.Errorf("line span %q", got)
	}
	w := l.Words[3]
	if got := src[w.Start:w.End]; got != `"%[ssl_c_s_dn]"` || !w.Quoted || w.Text != "%[ssl_c_s_dn]" {
		t.Errorf("word %+v spans %q", w, got)
	}
	if b := fe.Lines[0]; src[b.Start:b.End] != "bind :443 ssl" {
		t.Errorf("bind span %q", src[b.Start:b.End])
	}
}

func TestSectionsAndConditions(t *testing.T) {
	src := `global
    log stdout local0
defaults base
    mode http
frontend fe from base
.if defined(PROD)
    bind :443 ssl crt /p.pem
.elif defined(STAGING)
    bind :8443 ssl crt /s.pem
.else
    bind :8080
.endif
    default_backend app
backend app
    server s1 127.0.0.1:8000
`
	f := Parse([]byte(src))
	if len(f.Errors) != 0 {
		t.Fatalf("errors %v", f.Errors)
	}
	var got []string
	for _, s := range f.Sections {
		got = append(got, s.Kind+":"+s.Name+":"+s.From)
	}
	if want := []string{"global::", "defaults:base:", "frontend:fe:base", "backend:app:"}; !reflect.DeepEqual(got, want) {
		t.Errorf("sections %q, want %q", got, want)
	}
	binds := f.Sections[2].Find("bind")
	if len(binds) != 3 {
		t.Fatalf("binds %d", len(binds))
	}
	wantCond := [][]string{{".if defined(PROD)"}, {".elif defined(STAGING)"}, {".else"}}
	for i, b := range binds {
		if !reflect.DeepEqual(b.Cond, wantCond[i]) {
			t.Errorf("bind %d cond %q, want %q", i, b.Cond, wantCond[i])
		}
	}
	if db := f.Sections[2].Find("default_backend"); len(db) != 1 || len(db[0].Cond) != 0 {
		t.Errorf("default_backend %+v", db)
	}
}

func TestErrorsKeepTheRest(t *testing.T) {
	src := "bind :80\nfrontend fe\n    http-request set-header X \"unterminated\n.endif\n.bogus\n    default_backend app\n.if defined(X)\n"
	f := Parse([]byte(src))
	var msgs []string
	for _, e := range f.Errors {
		msgs = append(msgs, e.Msg)
		if e.Offset < 0 || e.Offset > len(src) {
			t.Errorf("offset %d out of range", e.Offset)
		}
	}
	want := []string{"`bind` outside of any section", "unterminated quote", "`.endif` without `.if`", "unknown directive `.bogus`", "`.if` without `.endif` at the end of the file"}
	if !reflect.DeepEqual(msgs, want) {
		t.Errorf("errors %q, want %q", msgs, want)
	}
	if db := f.Sections[0].Find("default_backend"); len(db) != 1 {
		t.Errorf("the line after the errors was lost: %+v", f.Sections[0].Lines)
	}
	if f.Errors[1].Offset != strings.Index(src, `"unterminated`) {
		t.Errorf("unterminated quote at %d", f.Errors[1].Offset)
	}
}

// FuzzParse checks that parsing never panics and that every offset lies
// within the input, in order.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "global\n", "frontend a\n bind :1 ssl\n", "a \"b", "x 'y\n", "\\", "frontend\n.if\n.else\n.endif\n.endif",
		"backend b\n http-request set-header X %[req.hdr(y)] if { a } || !b\n", "#\n\r\n\x00\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := Parse(data)
		for _, e := range p.Errors {
			if e.Offset < 0 || e.Offset > len(data) {
				t.Fatalf("error offset %d of %d", e.Offset, len(data))
			}
		}
		prev := 0
		for _, s := range p.Sections {
			for _, l := range append([]*Line{s.Header}, s.Lines...) {
				if l.Start < prev || l.End < l.Start || l.End > len(data) {
					t.Fatalf("line [%d,%d) after %d of %d", l.Start, l.End, prev, len(data))
				}
				prev = l.Start
				for _, w := range l.Words {
					if w.Start < l.Start || w.End > l.End || w.End < w.Start {
						t.Fatalf("word [%d,%d) outside line [%d,%d)", w.Start, w.End, l.Start, l.End)
					}
				}
			}
		}
	})
}
