package driver

import (
	"os"
	"path/filepath"
	"reflect"
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
