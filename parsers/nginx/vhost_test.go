package nginx

import (
	"reflect"
	"strings"
	"testing"
)

// nginx-proxy's vhost.d snippets are modelled inside a server per host:
// HOST at server level, HOST_location in `location /`, and default /
// default_location for hosts without their own file.
func TestVhostSnippets(t *testing.T) {
	s := parseTree(t, map[string]string{
		"proxy/vhost.d/default":                  "client_max_body_size 10m;\n",
		"proxy/vhost.d/default_location":         "proxy_set_header X-Default yes;\n",
		"proxy/vhost.d/app.example.com":          "ssl_client_certificate /etc/nginx/certs/ca.pem;\nssl_verify_client on;\n",
		"proxy/vhost.d/app.example.com_location": "proxy_set_header X-SSL-Client-S-DN $ssl_client_s_dn;\n",
		"proxy/vhost.d/api.example.com_location": "proxy_set_header X-Client-DN $http_x_client_dn;\n",
	})
	noErrors(t, s)
	var got []string
	for _, c := range s.Configs {
		srv := findOne(t, c.Directives, "server", "*")
		name := findOne(t, srv.Block, "server_name", "*").Arg(0)
		var files []string
		for _, f := range c.Files {
			files = append(files, f.Path)
		}
		got = append(got, name+" at "+srv.Loc.Path+" with "+strings.Join(files, " "))
		if !srv.Synthetic || srv.Loc.Start.Line != 1 {
			t.Errorf("%s: modelled server %+v", name, srv.Loc)
		}
	}
	want := []string{
		"app.example.com at proxy/vhost.d/app.example.com with proxy/vhost.d/app.example.com proxy/vhost.d/app.example.com_location",
		"api.example.com at proxy/vhost.d/api.example.com_location with proxy/vhost.d/api.example.com_location proxy/vhost.d/default",
	}
	// Configs are sorted by path.
	want[0], want[1] = want[1], want[0]
	if !reflect.DeepEqual(got, want) {
		t.Errorf("modelled servers\n got %q\nwant %q", got, want)
	}
	// The location snippet is inside `location /`, at its own position.
	app := s.Configs[1]
	psh := findOne(t, app.Directives, "proxy_set_header", "X-SSL-Client-S-DN")
	checkLoc(t, psh, 1, 1, 1, 53)
	if p := psh.Parent; p == nil || p.Name != "include" || p.Parent == nil || p.Parent.Name != "location" || p.Parent.Arg(0) != "/" {
		t.Errorf("location snippet parent chain wrong")
	}
	if v := findOne(t, app.Directives, "ssl_verify_client", "on"); v.Parent.Parent.Name != "server" {
		t.Errorf("server snippet not in the server")
	}
}
