package caddymodel

import "testing"

func TestMatch(t *testing.T) {
	cf := []byte("example.com {\n\treverse_proxy app:8000\n}\n")
	other := []byte("hello\n")
	cases := []struct {
		rel     string
		content []byte
		want    bool
	}{
		{"Caddyfile", cf, true},
		{"deploy/Caddyfile.prod", cf, true},
		{"deploy/site.caddyfile", cf, true},
		{"conf/api.caddy", cf, true},
		{"caddy/sites/api", cf, true},
		{"caddy/api.conf", cf, true},
		{"Caddyfile", other, false},
		{"caddy/README.md", cf, false},
		{"caddy/config.json", cf, false},
		{"docs/site.conf", cf, false},
	}
	for _, c := range cases {
		if got := match(c.rel, func() []byte { return c.content }); got != c.want {
			t.Errorf("match(%q) = %v, want %v", c.rel, got, c.want)
		}
	}
}
