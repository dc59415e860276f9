package haproxymodel

import "testing"

func TestMatch(t *testing.T) {
	cfg := []byte("global\n    daemon\nfrontend fe\n    bind :80\n")
	other := []byte("[metadata]\nname = x\n")
	cases := []struct {
		rel     string
		content []byte
		want    bool
	}{
		{"haproxy.cfg", other, true}, // the name alone decides
		{"deploy/haproxy/haproxy.cfg", cfg, true},
		{"deploy/haproxy/edge.cfg", cfg, true},
		{"roles/lb/templates/haproxy.cfg.j2", cfg, true},
		{"haproxy/edge.cfg.tmpl", cfg, true},
		{"etc/haproxy-edge.cfg", cfg, true},
		{"setup.cfg", cfg, false},
		{"haproxy/setup.cfg", other, false},
		{"haproxy/README.md", cfg, false},
		{"conf/edge.cfg", cfg, false},
	}
	for _, c := range cases {
		if got := match(c.rel, func() []byte { return c.content }); got != c.want {
			t.Errorf("match(%q) = %v, want %v", c.rel, got, c.want)
		}
	}
}
