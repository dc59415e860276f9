package apachemodel

import (
	"fmt"
	"strings"
	"testing"

	"github.com/djleak/djleak/parsers/apache"
	"github.com/djleak/djleak/parsers/source"
)

func loaderOf(files map[string]string) (MapLoader, []*File) {
	l := MapLoader{}
	var all []*File
	for rel, text := range files {
		f := &File{Src: source.NewFile(rel, []byte(text)), Parsed: apache.Parse([]byte(text))}
		l[rel] = f
		all = append(all, f)
	}
	return l, all
}

func TestIncludes(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		// want lists, per main configuration built, its path, its virtual
		// hosts' files and the include problems' messages.
		want []string
	}{
		{"debian", map[string]string{
			"d/apache2/apache2.conf":           "ServerRoot /etc/apache2\nInclude ports.conf\nIncludeOptional sites-enabled/*.conf\nIncludeOptional conf-enabled/*.conf\n",
			"d/apache2/ports.conf":             "Listen 80\n",
			"d/apache2/sites-enabled/a.conf":   "<VirtualHost *:80>\nInclude /etc/apache2/snippets/x.conf\n</VirtualHost>\n",
			"d/apache2/sites-enabled/b.conf":   "<VirtualHost *:81>\n</VirtualHost>\n",
			"d/apache2/snippets/x.conf":        "RequestHeader unset X-A\n",
			"d/apache2/sites-available/c.conf": "<VirtualHost *:82>\nInclude snippets/x.conf\n</VirtualHost>\n",
		}, []string{
			"d/apache2/apache2.conf: d/apache2/sites-enabled/a.conf d/apache2/sites-enabled/b.conf",
			"d/apache2/sites-available/c.conf: d/apache2/sites-available/c.conf",
		}},
		{"missing", map[string]string{
			"httpd.conf": "Include nothere.conf\nInclude none/*.conf\nIncludeOptional none/*.conf\nIncludeOptional nothere.conf\nInclude /opt/other/x.conf\n",
		}, []string{
			"httpd.conf: | `Include nothere.conf` names a file that is not in the project | `Include none/*.conf` matches no file in the project | `Include /opt/other/x.conf` is outside the project",
		}},
		{"cycle", map[string]string{
			"httpd/a.conf": "Include b.conf\n",
			"httpd/b.conf": "Include a.conf\n",
		}, []string{
			"httpd/a.conf: | `Include a.conf` includes httpd/a.conf again inside itself (httpd/a.conf → httpd/b.conf → httpd/a.conf)",
		}},
		{"rhel", map[string]string{
			"httpd/conf/httpd.conf":  "ServerRoot \"/etc/httpd\"\nIncludeOptional conf.d/*.conf\n",
			"httpd/conf.d/site.conf": "<VirtualHost *:80>\n</VirtualHost>\n",
		}, []string{"httpd/conf/httpd.conf: httpd/conf.d/site.conf"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, files := loaderOf(c.files)
			var got []string
			for _, cfg := range BuildAll(files, l) {
				s := cfg.File.Src.Path + ":"
				for _, v := range cfg.VHosts {
					s += " " + v.File.Src.Path
				}
				for _, p := range cfg.Includes {
					msg, _, _ := strings.Cut(p.Msg, " (looked")
					msg, _, _ = strings.Cut(msg, "; httpd")
					msg, _, _ = strings.Cut(msg, ", so djleak")
					s += " | " + msg
				}
				got = append(got, s)
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// TestIncludedVHostLocation: a virtual host from an included file is at
// its own file and line, and so are directives an include adds to it.
func TestIncludedVHostLocation(t *testing.T) {
	l, files := loaderOf(map[string]string{
		"apache2/apache2.conf":         "IncludeOptional sites-enabled/*.conf\n",
		"apache2/sites-enabled/a.conf": "# a\n<VirtualHost *:80>\n  Include snippets/h.conf\n  ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n",
		"apache2/snippets/h.conf":      "\nRequestHeader set X-A yes\n",
	})
	cfgs := BuildAll(files, l)
	if len(cfgs) != 1 || len(cfgs[0].VHosts) != 1 || len(cfgs[0].VHosts[0].Routes) != 1 {
		t.Fatalf("want one main configuration with one route, got %d", len(cfgs))
	}
	v := cfgs[0].VHosts[0]
	r := v.Routes[0]
	at := func(loc source.Location) string { return loc.Path + ":" + string(rune('0'+loc.Start.Line)) }
	if got := at(v.At(v.Section)); got != "apache2/sites-enabled/a.conf:2" {
		t.Errorf("vhost at %s", got)
	}
	if got := at(r.Frontend().At); got != "apache2/sites-enabled/a.conf:4" {
		t.Errorf("route at %s", got)
	}
	if len(r.Scope.Ops) != 1 || at(v.At(r.Scope.Ops[0].D)) != "apache2/snippets/h.conf:2" {
		t.Errorf("included RequestHeader not located in its file: %v", r.Scope.Ops)
	}
}

// TestMainServerLocation: the main server's routes are grouped at its first
// ProxyPass or WSGIScriptAlias, in the file that holds it, so that a finding
// about the main server as a whole has a place.
func TestMainServerLocation(t *testing.T) {
	l, files := loaderOf(map[string]string{
		"apache2/apache2.conf":          "ServerName example.org\nInclude conf-enabled/app.conf\n",
		"apache2/conf-enabled/app.conf": "Alias /static /srv/static\n\nWSGIScriptAlias /app /srv/app/wsgi.py\nProxyPass /api http://127.0.0.1:8000/\n",
	})
	cfgs := BuildAll(files, l)
	if len(cfgs) != 1 || len(cfgs[0].VHosts) != 1 || len(cfgs[0].VHosts[0].Routes) != 2 {
		t.Fatalf("want one main server with two routes, got %+v", cfgs)
	}
	for _, r := range cfgs[0].VHosts[0].Routes {
		fr := r.Frontend()
		if got := fmt.Sprintf("%s:%d", fr.Server.Path, fr.Server.Start.Line); got != "apache2/conf-enabled/app.conf:3" {
			t.Errorf("%s: the main server is at %q, want its first WSGIScriptAlias", fr.Label, got)
		}
		if !strings.HasPrefix(fr.Label, "main server, ") {
			t.Errorf("route label %q", fr.Label)
		}
	}
}
