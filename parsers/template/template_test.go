package template

import "testing"

func TestNeutralizeLineFormats(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"haproxy.cfg.j2", "frontend fe\n    bind :443 ssl crt {{ cert }}\n    {{ extra_lines }}\n",
			"frontend fe\n    bind :443 ssl crt Tcert_____\n                     \n"},
		{"Caddyfile.tmpl", "{{ .Domain }} {\n\treverse_proxy {{ .Upstream }}\n}\n",
			"TDomain______ {\n\treverse_proxy TUpstream______\n}\n"},
		{"site.conf.erb", "<% if @tls %>\nSSLEngine on\n<% end %>\nServerName <%= @name %>\n",
			"             \nSSLEngine on\n         \nServerName Tname_______\n"},
		{"haproxy.cfg", "bind :443 {{ x }}\n", "bind :443 {{ x }}\n"},
	}
	for _, c := range cases {
		syn, _ := ByName(c.name)
		res := Neutralize([]byte(c.in), syn, LineAlone)
		if string(res.Content) != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, res.Content, c.want)
		}
		if len(res.Content) != len(c.in) {
			t.Errorf("%s: length %d, want %d", c.name, len(res.Content), len(c.in))
		}
	}
	syn, _ := ByName("x.j2")
	res := Neutralize([]byte("a {{ cert }}\n{% if plain %}\nfrontend p\n{% endif %}\n"), syn, LineAlone)
	if got := res.Restore("Tcert_____"); got != "{{ cert }}" {
		t.Errorf("Restore = %q", got)
	}
	if got := ConditionAt(res.Conds, len("a {{ cert }}\n{% if plain %}\n")); got != "`{% if plain %}`" {
		t.Errorf("ConditionAt = %q", got)
	}
}
