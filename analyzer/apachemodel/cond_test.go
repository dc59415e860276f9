package apachemodel

import (
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/parsers/apache"
	"github.com/djleak/djleak/parsers/source"
)

func lookupDN(t *testing.T, conf string) []frontend.Name {
	t.Helper()
	f := &File{Src: source.NewFile("sites-enabled/api.conf", []byte(conf)), Parsed: apache.Parse([]byte(conf))}
	if len(f.Parsed.Errors) > 0 {
		t.Fatalf("parse errors: %v", f.Parsed.Errors)
	}
	var out []frontend.Name
	for _, v := range Build(f).VHosts {
		for _, r := range v.Routes {
			out = append(out, r.Frontend().Lookup(dnKey))
		}
	}
	if len(out) == 0 {
		t.Fatal("no route")
	}
	return out
}

const vhostOpen = "<VirtualHost *:443>\n SSLEngine on\n SSLCACertificateFile /etc/ssl/ca.pem\n SSLVerifyClient require\n"

// A file read on its own loads no module: <IfModule> holds for a module
// whose directives the file uses outside every <IfModule>, and is
// otherwise left open, its RequestHeader directives under its condition.
func TestIfModuleWithoutLoadModule(t *testing.T) {
	cases := []struct {
		name, conf string
		want       frontend.Source
		cond       string // in the finding's condition
	}{
		{"module used elsewhere", vhostOpen + " RequestHeader set X-Other 1\n <IfModule mod_headers.c>\n  RequestHeader unset X-SSL-Client-DN\n </IfModule>\n ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n", frontend.Cleared, ""},
		{"module unknown", vhostOpen + " <IfModule mod_headers.c>\n  RequestHeader unset X-SSL-Client-DN\n </IfModule>\n ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n", frontend.Forgeable, "<IfModule mod_headers.c>"},
		{"negated module used elsewhere", vhostOpen + " RequestHeader set X-Other 1\n <IfModule !headers_module>\n  RequestHeader unset X-SSL-Client-DN\n </IfModule>\n ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n", frontend.Forgeable, ""},
		{"vhost inside unknown module", "<IfModule mod_ssl.c>\n" + vhostOpen + " RequestHeader unset X-SSL-Client-DN\n ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n</IfModule>\n", frontend.Cleared, ""},
		{"define on the command line", vhostOpen + " <IfDefine PRODUCTION>\n  RequestHeader unset X-SSL-Client-DN\n </IfDefine>\n ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n", frontend.Forgeable, "<IfDefine PRODUCTION>"},
		{"version the patch level decides", vhostOpen + " <IfVersion > 2.4>\n  RequestHeader unset X-SSL-Client-DN\n </IfVersion>\n ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n", frontend.Forgeable, "<IfVersion > 2.4>"},
		{"proxy section that unsets for part of the route", vhostOpen + " RequestHeader set X-SSL-Client-DN \"%{SSL_CLIENT_S_DN}s\"\n <Proxy http://127.0.0.1:8000/admin>\n  RequestHeader unset X-SSL-Client-DN\n </Proxy>\n ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n", frontend.Verified, ""},
		{"proxy section for part of the route", vhostOpen + " <Proxy http://127.0.0.1:8000/admin>\n  RequestHeader set X-SSL-Client-DN \"%{SSL_CLIENT_S_DN}s\"\n </Proxy>\n ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n", frontend.Forgeable, "<Proxy http://127.0.0.1:8000/admin>"},
		{"proxymatch expression not in Go", vhostOpen + " <ProxyMatch \"^http://(?<h>[a-z]+)/\">\n  RequestHeader unset X-SSL-Client-DN\n </ProxyMatch>\n ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n", frontend.Forgeable, "<ProxyMatch"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := lookupDN(t, c.conf)[0]
			if n.Source != c.want {
				t.Fatalf("got %s (%s), want %s", n.Source, n.Why, c.want)
			}
			if c.cond != "" && !strings.Contains(n.Condition, c.cond) {
				t.Errorf("condition %q does not name %q", n.Condition, c.cond)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	cases := []struct {
		args []string
		want tri
	}{
		{[]string{">=", "2.4"}, yes},
		{[]string{"2.4"}, unknown},
		{[]string{"<", "2.4"}, no},
		{[]string{"<=", "2.4.100"}, unknown},
		{[]string{">", "2.2.34"}, yes},
		{[]string{"!=", "2.2"}, yes},
		{[]string{"!", "2.2"}, yes},
		{[]string{"=", "3"}, no},
		{[]string{"~", "^2\\.4"}, unknown},
		{[]string{">", "2.4"}, unknown},
	}
	for _, c := range cases {
		if got := version(c.args); got != c.want {
			t.Errorf("version(%q) = %v, want %v", c.args, got, c.want)
		}
	}
}

func TestRegexCovers(t *testing.T) {
	cases := []struct {
		pat, prefix string
		want        tri
	}{
		{"^http://127\\.0\\.0\\.1:8000/", "http://127.0.0.1:8000/", yes},
		{"^https://", "http://127.0.0.1:8000/", no},
		{"^http://127.0.0.1:8000/$", "http://127.0.0.1:8000/", unknown},
		{"/admin", "http://127.0.0.1:8000/", unknown},
		{"^http://127\\.0\\.0\\.1:8000/admin", "http://127.0.0.1:8000/", unknown},
		{"(", "http://x/", unknown},
	}
	for _, c := range cases {
		if got := regexCovers(c.pat, c.prefix); got != c.want {
			t.Errorf("regexCovers(%q, %q) = %v, want %v", c.pat, c.prefix, got, c.want)
		}
	}
}

// A ProxyPass inside <LocationMatch> takes the expression as a plain path:
// httpd answers 404 for every request (observed on httpd 2.4), so the
// section is no route; a ProxyPassMatch there is one.
func TestProxyPassInLocationMatch(t *testing.T) {
	conf := "<VirtualHost *:80>\n <LocationMatch \"^/api/\">\n  ProxyPass http://127.0.0.1:8000/\n </LocationMatch>\n <Location ~ \"^/v2/\">\n  ProxyPassMatch http://127.0.0.1:8000/\n </Location>\n</VirtualHost>\n"
	f := &File{Src: source.NewFile("sites-enabled/api.conf", []byte(conf)), Parsed: apache.Parse([]byte(conf))}
	var got []string
	for _, v := range Build(f).VHosts {
		for _, r := range v.Routes {
			got = append(got, r.Label())
		}
	}
	if want := "<VirtualHost *:80>, ProxyPassMatch ^/v2/"; len(got) != 1 || got[0] != want {
		t.Errorf("routes %q, want [%q]", got, want)
	}
}
