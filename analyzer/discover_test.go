package analyzer

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestDiscover(t *testing.T) {
	server := "server {\n listen 80;\n}\n"
	dir := writeTree(t, map[string]string{
		".gitignore":                   "build/\n*.generated.py\n",
		"app/views.py":                 "x = 1\n",
		"app/gen.generated.py":         "x = 1\n",
		"app/sub/.gitignore":           "local_*.py\n",
		"app/sub/local_settings.py":    "DEBUG = True\n",
		"app/sub/ok.py":                "",
		"build/out.py":                 "",
		".venv/lib/x.py":               "",
		"myenv/pyvenv.cfg":             "home = /usr\n",
		"myenv/lib/site.py":            "",
		"node_modules/a/b.py":          "",
		"app/__pycache__/x.py":         "",
		"deploy/nginx.conf":            server,
		"deploy/nginx/app.conf":        "location / { }\n",
		"etc/sites-available/default":  server,
		"etc/sites-available/README":   "notes\n",
		"docker/site.conf.template":    server,
		"docker/other.conf":            "key = value\n",
		"app/templates/app/page.html":  "<a href=\"/\">x</a>",
		"app/templates/email/body.txt": "hi",
		"app/static/page.html":         "",
		"README.md":                    "",
		// Templated nginx and nginx-proxy snippets.
		"docker/templates/default.conf.template":    "server {\n listen ${PORT};\n}\n",
		"ansible/roles/web/templates/nginx.conf.j2": "server {\n listen {{ port }};\n}\n",
		"salt/nginx/site.jinja":                     server,
		"puppet/nginx_site.erb":                     "server {\n listen <%= @port %>;\n}\n",
		"deploy/nginx-app.in":                       server,
		"proxy/vhost.d/default":                     "client_max_body_size 10m;\n",
		"proxy/vhost.d/app.example.com_location":    "proxy_set_header X-Client-DN $ssl_client_s_dn;\n",
		"proxy/vhost.d/README.md":                   "notes\n",
		"sites-enabled/app.example.com":             server,
		// Django templates beside them are not nginx.
		"app/templates/app/base.j2":   "{% load static %}<html><body>{% block c %}{% endblock %}</body></html>",
		"app/templates/app/row.tmpl":  "<div>{{ row }}</div>",
		"app/templates/mail/body.tpl": "Hello {{ user }}",
		"deploy/nginx.yml":            "server {\n}\n",
		"k8s/nginx-cm.yaml":           "kind: ConfigMap\ndata:\n  default.conf: |\n    server {\n      listen 80;\n    }\n",
		"k8s/app-cm.yaml":             "kind: ConfigMap\ndata:\n  DEBUG: \"false\"\n",
		"k8s/deploy.yaml":             "kind: Deployment\nspec:\n  replicas: 2\n",
	})
	d := discover(dir, nil)
	if len(d.bad) > 0 || len(d.notes) > 0 {
		t.Fatalf("unexpected problems %v, notes %v", d.bad, d.notes)
	}
	got := map[string]string{}
	for _, f := range d.files {
		got[f.Path] = f.Kind.String()
	}
	want := map[string]string{
		"app/views.py":                 "python",
		"app/sub/ok.py":                "python",
		"deploy/nginx.conf":            "nginx",
		"deploy/nginx/app.conf":        "nginx",
		"etc/sites-available/default":  "nginx",
		"docker/site.conf.template":    "nginx",
		"app/templates/app/page.html":  "template",
		"app/templates/email/body.txt": "template",

		"docker/templates/default.conf.template":    "nginx",
		"ansible/roles/web/templates/nginx.conf.j2": "nginx",
		"salt/nginx/site.jinja":                     "nginx",
		"puppet/nginx_site.erb":                     "nginx",
		"deploy/nginx-app.in":                       "nginx",
		"proxy/vhost.d/default":                     "nginx",
		"proxy/vhost.d/app.example.com_location":    "nginx",
		"sites-enabled/app.example.com":             "nginx",
		"k8s/nginx-cm.yaml":                         "nginx",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("discover:\n got %v\nwant %v", got, want)
	}
}

func TestFindRoot(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"repo/.git/HEAD":                  "",
		"repo/src/manage.py":              "",
		"repo/src/app/views.py":           "",
		"repo/examples/demo/.djleak.toml": "",
		"repo/examples/demo/app/x.py":     "",
		"lone/manage.py":                  "",
		"lone/app/x.py":                   "",
		"pp/pyproject.toml":               "[tool.djleak]\nselect = [\"DJL\"]\n",
		"pp/a/b.py":                       "",
	})
	cases := map[string]string{
		"repo/src/app":           "repo",
		"repo/examples/demo/app": "repo/examples/demo",
		"lone/app":               "lone",
		"pp/a":                   "pp",
	}
	for start, want := range cases {
		got := FindRoot(filepath.Join(dir, start))
		if got != filepath.Join(dir, want) {
			t.Errorf("FindRoot(%s) = %s, want %s", start, got, want)
		}
	}
}

func TestResolveRelative(t *testing.T) {
	cases := []struct {
		rel    string
		level  int
		module string
		want   string
	}{
		{"mysite/settings/prod.py", 1, "base", "mysite.settings.base"},
		{"mysite/settings/__init__.py", 1, "base", "mysite.settings.base"},
		{"mysite/settings/prod.py", 2, "utils", "mysite.utils"},
		{"mysite/settings/prod.py", 1, "", "mysite.settings"},
		{"app.py", 1, "x", "x"},
	}
	for _, c := range cases {
		if got := ResolveRelative(c.rel, c.level, c.module); got != c.want {
			t.Errorf("ResolveRelative(%q, %d, %q) = %q, want %q", c.rel, c.level, c.module, got, c.want)
		}
	}
}

func TestMask(t *testing.T) {
	cases := map[string]string{
		"":                 "",
		"abc":              "abc…",
		"abcd":             "abcd…",
		"abcdefghij":       "abcd…",
		"ключ-секрет":      "ключ…",
		"Bearer eyJhbGciO": "Bear…",
	}
	for in, want := range cases {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	cases := map[string]string{
		".djleak.toml":   "selec = [\"DJL4\"]\n",
		"pyproject.toml": "[tool.djleak]\nignore = [\"XYZ1\"]\n",
	}
	for name, content := range cases {
		dir := writeTree(t, map[string]string{name: content})
		_, err := LoadConfig(dir)
		if err == nil {
			t.Errorf("%s: want an error for %q", name, content)
			continue
		}
		if _, ok := err.(*UsageError); !ok {
			t.Errorf("%s: want a UsageError, got %T", name, err)
		}
		if !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
	}
	dir := writeTree(t, map[string]string{".djleak.toml": "select = [\n"})
	if _, err := LoadConfig(dir); err == nil || !strings.Contains(err.Error(), ".djleak.toml:") {
		t.Errorf("syntax error should name file and line, got %v", err)
	}
	for content, want := range map[string]string{
		"[[identity-middleware]]\nclasses = [\"a.B\"]\nheaders = [\"X-A\"]\n":                  "identity-middleware[0]: package is missing",
		"[[identity-middleware]]\npackage = \"p\"\nheaders = [\"X-A\"]\n":                      "identity-middleware[0] (p): classes is missing",
		"[[identity-middleware]]\npackage = \"p\"\nclasses = [\"a.B\"]\n":                      "identity-middleware[0] (p): headers is missing",
		"[[identity-middleware]]\npackage = \"p\"\nclasses = [\"a.B\"]\nheaders = [\"X A\"]\n": `"X A" is not a header name`,
	} {
		dir := writeTree(t, map[string]string{".djleak.toml": content})
		_, err := LoadConfig(dir)
		if err == nil || !strings.Contains(err.Error(), ".djleak.toml: "+want) && !strings.Contains(err.Error(), want) {
			t.Errorf("%q: want an error with %q, got %v", content, want, err)
		}
	}
}

func TestIsTestCode(t *testing.T) {
	for path, want := range map[string]bool{
		"app/tests/test_views.py": true, "tests/helpers.py": true, "app/test/util.py": true,
		"app/test_views.py": true, "app/views_test.py": true, "app/views_tests.py": true,
		"app/tests.py": true, "conftest.py": true, "app/conftest.py": true,
		"mysite/test_settings.py": true, "mysite/settings_ci.py": true, "mysite/ci_settings.py": true,
		"mysite/settings/test.py": true, "mysite/settings/testing.py": true, "mysite/settings/ci.py": true,
		"guardian/testapp/testsettings.py": true, "app/tests/__init__.py": true,
		"app/views.py": false, "app/testimonials.py": false, "app/contest.py": false,
		"mysite/settings/production.py": false, "mysite/settings.py": false, "app/latest.py": false,
		"app/ci.py": false, "app/tests.html": false, "app/attest/views.py": false,
	} {
		if got := IsTestCode(path); got != want {
			t.Errorf("IsTestCode(%q) = %v, want %v", path, got, want)
		}
	}
}

// conf.d and snippets are other programs' directories too: a *.conf file
// under them is nginx below a directory named nginx, or when it reads as
// nginx, and not otherwise (FreedomBox's dovecot and needrestart files).
func TestSharedConfDirs(t *testing.T) {
	dovecot := "ssl = required\nssl_min_protocol = TLSv1.2\n"
	site := "server {\n    listen 80;\n}\n"
	for _, c := range []struct {
		rel, content string
		want         Kind
	}{
		{"etc/dovecot/conf.d/90-tls.conf", dovecot, KindUnknown},
		{"etc/needrestart/conf.d/app.conf", "$nrconf{restart} = 'a';\n", KindUnknown},
		{"etc/nginx/conf.d/odd.conf", dovecot, KindNginx},
		{"deploy/nginx/snippets/tls.conf", "", KindNginx},
		{"deploy/conf.d/app.conf", site, KindNginx},
		{"sites-enabled/app.conf", "", KindNginx},
	} {
		if got := Classify(c.rel, func() []byte { return []byte(c.content) }); got != c.want {
			t.Errorf("%s: kind %v, want %v", c.rel, got, c.want)
		}
	}
}
