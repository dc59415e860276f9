package rules

// NGX003 against `nginx -t`: every directive djleak models (and a few
// neighbours) is placed in every context a configuration can put it in;
// nginx -t says whether it is "not allowed here", and NGX003, run over the
// same configuration, must report it exactly then.

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/ngxmodel/nginxtest"
)

// placementDirectives are sample lines, valid wherever nginx accepts the
// directive.
var placementDirectives = []string{
	"proxy_set_header X-Client-DN $ssl_client_s_dn;",
	"proxy_pass http://127.0.0.1:1;",
	"proxy_pass_request_headers off;",
	"proxy_ssl_verify on;",
	"proxy_ssl_trusted_certificate {{CA}};",
	"proxy_hide_header X-Secret;",
	"uwsgi_pass 127.0.0.1:1;",
	"uwsgi_param HTTP_X_CLIENT_DN $ssl_client_s_dn;",
	"uwsgi_pass_request_headers off;",
	"fastcgi_pass 127.0.0.1:1;",
	"fastcgi_param SSL_CLIENT_S_DN $ssl_client_s_dn;",
	"scgi_pass 127.0.0.1:1;",
	"scgi_param SSL_CLIENT_S_DN $ssl_client_s_dn;",
	"grpc_pass grpc://127.0.0.1:1;",
	"grpc_set_header X-Client-DN $ssl_client_s_dn;",
	"access_log off;",
	"log_format placement '$uri';",
	"ssl_verify_client optional;",
	"ssl_verify_depth 2;",
	"ssl_client_certificate {{CA}};",
	"underscores_in_headers on;",
	"ignore_invalid_headers off;",
	"set $placement 1;",
	"return 204;",
	"rewrite ^/old /new;",
	"add_header X-Placement 1;",
	"allow 127.0.0.1;",
	"real_ip_header X-Forwarded-For;",
	"auth_request /auth;",
	"server_name placement.test;",
	"if ($arg_placement) { return 204; }",
	"location /placement/ { return 204; }",
}

// placementContexts wrap a directive line (%s) into a context; main is
// the content of nginx's main context, http that of http{}.
var placementContexts = []struct {
	name       string
	main, http string
}{
	{name: "main", main: "%s", http: ""},
	{name: "http", http: "%s"},
	{name: "server", http: "server {\n    listen 127.0.0.1:{{PORT1}};\n    %s\n}"},
	{name: "location", http: "server {\n    listen 127.0.0.1:{{PORT1}};\n    location / {\n        %s\n    }\n}"},
	{name: "if in server", http: "server {\n    listen 127.0.0.1:{{PORT1}};\n    if ($arg_x) {\n        %s\n    }\n}"},
	{name: "if in location", http: "server {\n    listen 127.0.0.1:{{PORT1}};\n    location / {\n        if ($arg_x) {\n            %s\n        }\n    }\n}"},
	{name: "limit_except", http: "server {\n    listen 127.0.0.1:{{PORT1}};\n    location / {\n        limit_except GET {\n            %s\n        }\n    }\n}"},
}

var notAllowedRE = regexp.MustCompile(`"([a-z_0-9]+)" directive is not allowed here`)

func TestNGX003AgreesWithNginx(t *testing.T) {
	nginxtest.Require(t)
	pki := nginxtest.NewPKI(t)
	rule := Lookup("NGX003")
	var (
		mu       sync.Mutex
		judged   int
		rejected int
	)
	for _, c := range placementContexts {
		for _, line := range placementDirectives {
			name := strings.Fields(line)[0]
			c, line := c, line
			t.Run(c.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				mainBody, httpBody := c.main, c.http
				if mainBody != "" {
					mainBody = fmt.Sprintf(mainBody, line)
				}
				if httpBody != "" {
					httpBody = fmt.Sprintf(httpBody, line)
				}
				out, ok := nginxtest.CheckConfig(t, nginxtest.Config{Main: mainBody, HTTP: httpBody, PKI: pki})
				var nginxRejects bool
				switch m := notAllowedRE.FindStringSubmatch(out); {
				case ok:
				case m != nil && m[1] == name:
					nginxRejects = true
				case strings.Contains(out, "unknown directive"):
					t.Skipf("this nginx lacks the module: %s", strings.TrimSpace(out))
				default:
					t.Fatalf("nginx -t fails for another reason; fix the sample line:\n%s", out)
				}

				// The same configuration, as djleak sees a whole nginx.conf.
				static := strings.NewReplacer("{{PORT1}}", "8441", "{{CA}}", "/etc/ssl/certs/ca.pem").Replace(
					"events {\n}\n" + mainBody + "\nhttp {\n" + httpBody + "\n}\n")
				lineNo := 0
				for i, l := range strings.Split(static, "\n") {
					if strings.TrimSpace(l) == strings.NewReplacer("{{CA}}", "/etc/ssl/certs/ca.pem").Replace(line) {
						lineNo = i + 1
						break
					}
				}
				if lineNo == 0 {
					t.Fatalf("sample line not found in:\n%s", static)
				}
				var reported []string
				for _, f := range analyzertest.Run(t, "-- nginx/nginx.conf --\n"+static, rule) {
					if f.Location.Start.Line == lineNo {
						reported = append(reported, f.Message)
					}
				}
				if nginxRejects != (len(reported) > 0) {
					t.Errorf("`%s` in %s: nginx -t rejects it: %v; NGX003 reports it: %v %q\nnginx -t: %s\nconfig:\n%s",
						line, c.name, nginxRejects, len(reported) > 0, reported, strings.TrimSpace(out), static)
				}
				mu.Lock()
				judged++
				if nginxRejects {
					rejected++
				}
				mu.Unlock()
			})
		}
	}
	t.Cleanup(func() {
		t.Logf("NGX003 oracle: %d placements judged by nginx -t, %d rejected", judged, rejected)
	})
}
