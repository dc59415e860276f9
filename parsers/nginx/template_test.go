package nginx

import (
	"slices"
	"strings"
	"testing"
)

// Templates parse with the placeholders neutralised, and every directive
// keeps the position it has in the original file.
func TestTemplatePlaceholdersKeepPositions(t *testing.T) {
	conf := strings.Join([]string{
		"{# Ansible managed #}", // 1
		"server {",              // 2
		"    listen {{ nginx_port | default(443) }} ssl;", // 3
		"    server_name ##SERVER_NAME## @ALIAS@;",        // 4
		"{% if verify %}",                             // 5
		"    ssl_verify_client on;",                   // 6
		"{% else %}",                                  // 7
		"    ssl_verify_client optional;",             // 8
		"{% endif %}",                                 // 9
		"    {{ extra_server_config }}",               // 10
		"    location / {",                            // 11
		"        proxy_pass http://${UPSTREAM}:8000;", // 12
		"        proxy_set_header X-Client-DN $ssl_client_s_dn;", // 13
		"    }", // 14
		"}",     // 15
		"",
	}, "\n")
	s := parseTree(t, map[string]string{"templates/nginx.conf.j2": conf})
	noErrors(t, s)
	ds := s.Configs[0].Directives
	listen := findOne(t, ds, "listen", "*")
	checkLoc(t, listen, 3, 5, 3, 48)
	if listen.Arg(1) != "ssl" || len(listen.Args) != 2 || listen.Arg(0) != "{{ nginx_port | default(443) }}" {
		t.Errorf("listen args %q", listen.Args)
	}
	if got := text(listen); got != "listen {{ nginx_port | default(443) }} ssl;" {
		t.Errorf("listen text %q (locations point into the original file)", got)
	}
	sn := findOne(t, ds, "server_name", "*")
	if len(sn.Args) != 2 || sn.Arg(0) != "##SERVER_NAME##" || sn.Arg(1) != "@ALIAS@" {
		t.Errorf("server_name args %q", sn.Args)
	}
	on := findOne(t, ds, "ssl_verify_client", "on")
	checkLoc(t, on, 6, 5, 6, 26)
	if on.Condition != "`{% if verify %}`" {
		t.Errorf("on: condition %q", on.Condition)
	}
	opt := findOne(t, ds, "ssl_verify_client", "optional")
	if opt.Condition != "`{% else %}` of `{% if verify %}`" {
		t.Errorf("optional: condition %q", opt.Condition)
	}
	loc := findOne(t, ds, "location", "/")
	checkLoc(t, loc, 11, 5, 11, 17)
	if loc.Condition != "" || listen.Condition != "" {
		t.Errorf("directives outside conditionals have conditions %q %q", loc.Condition, listen.Condition)
	}
	if pp := findOne(t, ds, "proxy_pass", "*"); pp.Arg(0) != "http://${UPSTREAM}:8000" {
		t.Errorf("proxy_pass %q", pp.Args)
	}
	findOne(t, ds, "proxy_set_header", "X-Client-DN")
}

func TestTemplateNestedConditionsAndERB(t *testing.T) {
	jinja := "server {\n{%- if tls %}\n  listen 443 ssl;\n  {% if mtls -%}\n  ssl_verify_client on;\n  {% endif %}\n  ssl_protocols TLSv1.3;\n{% endif %}\n}\n"
	s := parseTree(t, map[string]string{"nginx/site.conf.jinja": jinja})
	noErrors(t, s)
	ds := s.Configs[0].Directives
	if c := findOne(t, ds, "ssl_verify_client", "on").Condition; c != "`{%- if tls %}` and `{% if mtls -%}`" {
		t.Errorf("nested condition %q", c)
	}
	if c := findOne(t, ds, "ssl_protocols", "*").Condition; c != "`{%- if tls %}`" {
		t.Errorf("after inner endif: %q", c)
	}
	if c := findOne(t, ds, "server", "*").Condition; c != "" {
		t.Errorf("server condition %q", c)
	}

	erb := "server {\n  listen <%= @port %> ssl;\n<%- if @verify -%>\n  ssl_verify_client on;\n<% end -%>\n<% @names.each do |n| %>\n  server_name <%= n %>;\n<% end %>\n}\n"
	s = parseTree(t, map[string]string{"templates/nginx.conf.erb": erb})
	noErrors(t, s)
	ds = s.Configs[0].Directives
	v := findOne(t, ds, "ssl_verify_client", "on")
	checkLoc(t, v, 4, 3, 4, 24)
	if v.Condition != "`<%- if @verify -%>`" {
		t.Errorf("erb condition %q", v.Condition)
	}
	if c := findOne(t, ds, "server_name", "*").Condition; c != "" {
		t.Errorf("a loop is not a condition: %q", c)
	}
}

// Django templates under templates/ are not nginx; nginx templates and
// snippets without blocks are.
func TestSniff(t *testing.T) {
	cases := []struct {
		name, content string
		want          bool
	}{
		{"default.conf.template", "server {\n  listen ${NGINX_PORT};\n}\n", true},
		{"nginx.conf.j2", "{% for s in sites %}\nserver {\n  server_name {{ s.name }};\n}\n{% endfor %}\n", true},
		{"default", "proxy_set_header X-Client-DN $ssl_client_s_dn;\nclient_max_body_size 10m;\n", true},
		{"app.example.com_location", "proxy_set_header X-SSL-Client-Verify $ssl_client_verify;\n", true},
		{"base.html", "{% load static %}\n<!DOCTYPE html>\n<html><body>{% block content %}{% endblock %}</body></html>\n", false},
		{"page.tmpl", "{% extends \"base.html\" %}\n{% block content %}\n<div class=\"server\">\nserver {\n</div>\n{% endblock %}\n", false},
		{"email.j2", "Hello {{ user }},\nyour token expires soon.\n", false},
		{"notes.in", "include this; and that;\n", false},
		{"settings.in", "DEBUG = True\nALLOWED_HOSTS = []\n", false},
		{"empty", "", false},
		// Other programs' conf.d files (FreedomBox's dovecot and
		// needrestart snippets): `name = value`, Perl.
		{"90-freedombox-tls.conf", "ssl = required\n\nssl_min_protocol = TLSv1.2\nssl_prefer_server_ciphers = no\n", false},
		{"05-passdb.conf", "passdb {\n  driver = pam\n}\nuserdb {\n  driver = passwd\n}\n", false},
		{"freedombox.conf", "$nrconf{override_rc}{qr(^freedombox\\.service$)} = 0;\n", false},
		{"unterminated.conf", "include snippets/ssl\ngzip on\n", false},
		{"ssl.conf", "ssl_protocols TLSv1.2 TLSv1.3;\nssl_prefer_server_ciphers off;\n", true},
		{"exact.conf", "location = /healthz {\n    return 200;\n}\n", true},
	}
	for _, tc := range cases {
		if got := Sniff(tc.name, []byte(tc.content)); got != tc.want {
			t.Errorf("Sniff(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// OpenResty configurations embed Lua in *_by_lua_block directives; the Lua
// is one argument and the directives around it keep their positions.
func TestLuaBlocks(t *testing.T) {
	conf := "server {\n" +
		"    listen 443 ssl;\n" +
		"    ssl_verify_client optional;\n" +
		"    location / {\n" +
		"        access_by_lua_block {\n" +
		"            local t = { ok = { \"}\" } }\n" +
		"            if ngx.var.ssl_client_verify ~= \"SUCCESS\" then\n" +
		"                return ngx.exit(403)\n" +
		"            end\n" +
		"        }\n" +
		"        proxy_set_header X-Client-DN $ssl_client_s_dn;\n" +
		"        proxy_pass http://app;\n" +
		"    }\n" +
		"    set_by_lua_block $who { return ngx.var.remote_addr }\n" +
		"}\n"
	s := parseTree(t, map[string]string{"openresty/nginx.conf": conf})
	noErrors(t, s)
	ds := s.Configs[0].Directives
	lua := findOne(t, ds, "access_by_lua_block", "*")
	checkLoc(t, lua, 5, 9, 10, 10)
	if len(lua.Args) != 1 || !strings.Contains(lua.Arg(0), "ngx.exit(403)") || lua.IsBlock {
		t.Errorf("lua directive %q block=%v", lua.Args, lua.IsBlock)
	}
	checkLoc(t, findOne(t, ds, "proxy_set_header", "X-Client-DN"), 11, 9, 11, 55)
	checkLoc(t, findOne(t, ds, "proxy_pass", "*"), 12, 9, 12, 31)
	set := findOne(t, ds, "set_by_lua_block", "$who")
	checkLoc(t, set, 14, 5, 14, 57)
	if loc := findOne(t, ds, "location", "/"); len(loc.Block) != 3 {
		t.Errorf("location holds %d directives", len(loc.Block))
	}
}

// Branches that each open a server block, closed once after the
// conditional, do not parse with both kept: the template is read as its
// first-branch rendering, the else branch is reported as left out, and a
// later else branch that parses is kept.
func TestTemplateAlternativeBlocks(t *testing.T) {
	text := "{% if tls %}\nserver {\n  listen 443 ssl;\n  ssl_verify_client on;\n{% else %}\nserver {\n  listen 80;\n{% endif %}\n" +
		"  location / {\n    proxy_set_header X-Client-DN $ssl_client_s_dn;\n    proxy_pass http://app;\n  }\n" +
		"{% if hsts %}\n  add_header Strict-Transport-Security max-age=63072000;\n{% else %}\n  add_header X-Plain yes;\n{% endif %}\n}\n"
	s := parseTree(t, map[string]string{"nginx/site.conf.j2": text})
	noErrors(t, s)
	ds := s.Configs[0].Directives
	if c := findOne(t, ds, "ssl_verify_client", "on").Condition; c != "`{% if tls %}`" {
		t.Errorf("ssl_verify_client condition %q", c)
	}
	findOne(t, ds, "proxy_set_header", "X-Client-DN")
	if c := findOne(t, ds, "add_header", "X-Plain").Condition; c != "`{% else %}` of `{% if hsts %}`" {
		t.Errorf("a balanced else branch is kept: condition %q", c)
	}
	if got := find(ds, "listen", "*"); len(got) != 1 {
		t.Errorf("listen: %d directives, want the first branch's only", len(got))
	}
	want := []LeftOut{{Loc: s.Files["nginx/site.conf.j2"].Span(len("{% if tls %}\nserver {\n  listen 443 ssl;\n  ssl_verify_client on;\n"),
		len("{% if tls %}\nserver {\n  listen 443 ssl;\n  ssl_verify_client on;\n{% else %}\nserver {\n  listen 80;")),
		Condition: "`{% else %}` of `{% if tls %}`"}}
	if !slices.Equal(s.LeftOut, want) {
		t.Errorf("LeftOut = %+v\nwant %+v", s.LeftOut, want)
	}

	// With no rendering of the first branches that parses, the errors of
	// the full text stand and nothing is left out.
	s = parseTree(t, map[string]string{"nginx/broken.conf.j2": "{% if tls %}\nserver {\n{% else %}\nserver {\n{% endif %}\n"})
	if len(s.Errors) == 0 || len(s.LeftOut) != 0 {
		t.Errorf("broken template: errors %v, left out %v", s.Errors, s.LeftOut)
	}
}
