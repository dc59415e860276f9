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
		{"sites-enabled/api.conf", ngx, false},
		{"docs/api.conf", vh, false},
		{"apache/README.md", vh, false},
	}
	for _, c := range cases {
		if got := match(c.rel, func() []byte { return c.content }); got != c.want {
			t.Errorf("match(%q) = %v, want %v", c.rel, got, c.want)
		}
	}
}
