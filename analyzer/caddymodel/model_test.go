package caddymodel

import (
	"strings"
	"testing"

	"github.com/djleak/djleak/parsers/caddy"
	"github.com/djleak/djleak/parsers/source"
)

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

// A reverse_proxy with a matcher names it in its route, so the routes of
// one site to one upstream stay apart in messages and the trust map.
func TestRouteLabelsNameMatchers(t *testing.T) {
	text := "example.com {\n\t@api path /api/*\n\treverse_proxy @api app:8000\n\treverse_proxy /admin/* app:8000\n\treverse_proxy app:8000\n}\n"
	f := &File{Src: source.NewFile("Caddyfile", []byte(text)), Parsed: caddy.Parse([]byte(text))}
	var got []string
	for _, r := range Build(f).Routes() {
		got = append(got, r.Label())
	}
	want := []string{
		"site example.com → reverse_proxy @api app:8000",
		"site example.com → reverse_proxy /admin/* app:8000",
		"site example.com → reverse_proxy app:8000",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("labels\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
