package apachemodel

import "testing"

func TestMatch(t *testing.T) {
	vh := []byte("<VirtualHost *:443>\n  SSLEngine on\n</VirtualHost>\n")
	ngx := []byte("server {\n    listen 443 ssl;\n    proxy_pass http://app;\n}\n")
	cases := []struct {
		rel     string
		content []byte
		want    bool
	}{
		{"apache2/sites-available/api.conf", vh, true},
		{"deploy/sites-enabled/000-default.conf", vh, true},
		{"etc/httpd/conf.d/ssl.conf", vh, true},
		{"httpd.conf", vh, true},
		{"roles/web/templates/apache-vhost.conf.j2", vh, true},
		{"site/.htaccess", []byte("RequestHeader unset X-Client-DN\n"), true},
		{"deploy/apache2/apache2.conf", []byte("IncludeOptional mods-enabled/*.load\nInclude ports.conf\n"), true},
		{"deploy/apache2/ports.conf", []byte("Listen 80\n"), true},
		{"deploy/apache2/mods-enabled/ssl.load", []byte("LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so\n"), true},
		{"sites-enabled/api.conf", ngx, false},
		{"sites-enabled/match.conf", []byte("ProxyPassMatch ^/(api/.*)$ http://127.0.0.1:8000/$1\n"), true},
		{"sites-enabled/wsgi.conf", []byte("WSGIScriptAliasMatch ^/(.*)$ /srv/app/wsgi.py\n"), true},
		{"sites-enabled/site.conf", []byte("server {\n    listen 80;\n    include snippets/x.conf;\n}\n"), false},
		{"docs/api.conf", vh, false},
		{"apache/README.md", vh, false},
	}
	for _, c := range cases {
		if got := match(c.rel, func() []byte { return c.content }); got != c.want {
			t.Errorf("match(%q) = %v, want %v", c.rel, got, c.want)
		}
	}
}
