package ngxmodel_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer/ngxmodel"
	"github.com/djleak/djleak/analyzer/ngxmodel/nginxtest"
)

// Which client chains nginx verifies under each ssl_verify_depth, against
// the model's VerifyDepth and IntermediatesVerified: the CA's own client
// certificate (no intermediate), one issued through an intermediate
// that the CA signed, sent with it (as a public CA's customer does), and
// the other CA's, at the server and inherited from http.
func TestVerifyDepthOracle(t *testing.T) {
	nginxtest.Require(t)
	pki := nginxtest.NewPKI(t)
	be := nginxtest.StartHTTPBackend(t)
	for _, tc := range []struct{ name, http, server string }{
		{"default", "", ""},
		{"zero", "", "ssl_verify_depth 0;"},
		{"one", "", "ssl_verify_depth 1;"},
		{"two", "", "ssl_verify_depth 2;"},
		{"three", "", "ssl_verify_depth 3;"},
		{"inherited", "ssl_verify_depth 2;", ""},
		{"server-overrides", "ssl_verify_depth 3;", "ssl_verify_depth 1;"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conf := fmt.Sprintf(`%s
server {
    listen 127.0.0.1:{{PORT1}} ssl;
    {{SSL}}
    ssl_verify_client on;
    ssl_client_certificate {{CA}};
    %s
    location / {
        proxy_pass http://{{BACKEND}};
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
}
`, tc.http, tc.server)
			m := loadModel(t, "-- nginx/nginx.conf --\nevents {}\nhttp {\n"+staticText(conf)+"}\n")
			if len(m.Servers) != 1 {
				t.Fatalf("model has %d servers, want 1", len(m.Servers))
			}
			depth, _ := m.Servers[0].VerifyDepth()
			srv := nginxtest.Start(t, conf, nil, pki, be, nil)
			for _, c := range nginxtest.ChainCases {
				resp := srv.Fetch(t, nginxtest.Req{Port: srv.Port(1), TLS: true, ClientCert: c.Cert})
				got := resp.Status == 200
				if !got && (resp.Status != 400 || !strings.Contains(resp.Body, "The SSL certificate error")) {
					t.Fatalf("%s certificate: status %d, want 200 or nginx's certificate error", c.Cert, resp.Status)
				}
				if want := c.Verifies(ngxmodel.IntermediatesVerified(depth)); got != want {
					t.Errorf("%s certificate (%d intermediates) at depth %d: nginx verifies it: %v, the model says %v",
						c.Cert, c.Intermediates, depth, got, want)
				}
			}
		})
	}
}
