package apachemodel

import (
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer/apachemodel/apachetest"
	"github.com/djleak/djleak/analyzer/ngxmodel/nginxtest"
	"github.com/djleak/djleak/parsers/apache"
	"github.com/djleak/djleak/parsers/source"
)

// Which client chains httpd verifies under each SSLVerifyDepth, against
// the model's VerifyDepth and IntermediatesVerified: the CA's own client
// certificate (no intermediate), one issued through an intermediate
// the CA signed, sent with it (as a public CA's customer does), and the
// other CA's, at the virtual host and inherited from the server.
func TestVerifyDepthOracle(t *testing.T) {
	apachetest.Require(t)
	pki := nginxtest.NewPKI(t)
	be := nginxtest.StartHTTPBackend(t)
	for _, tc := range []struct{ name, server, vhost string }{
		{"default", "", ""},
		{"zero", "", "\tSSLVerifyDepth 0\n"},
		{"one", "", "\tSSLVerifyDepth 1\n"},
		{"two", "", "\tSSLVerifyDepth 2\n"},
		{"three", "", "\tSSLVerifyDepth 3\n"},
		{"inherited", "SSLVerifyDepth 2\n", ""},
		{"vhost-overrides", "SSLVerifyDepth 3\n", "\tSSLVerifyDepth 1\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conf := "{{PRELUDE}}\nListen 127.0.0.1:{{PORT1}}\n" + tc.server + "<VirtualHost 127.0.0.1:{{PORT1}}>\n\tSSLEngine on\n" +
				"\tSSLCertificateFile {{CERT}}\n\tSSLCertificateKeyFile {{KEY}}\n\tSSLCACertificateFile {{CA}}\n\tSSLVerifyClient require\n" +
				tc.vhost + "\tProxyPass / http://{{BACKEND}}/\n</VirtualHost>\n"
			cfg := parseConf(t, conf)
			var v *VHost
			for _, x := range cfg.VHosts {
				if x.TLS {
					v = x
				}
			}
			if v == nil {
				t.Fatal("no TLS virtual host in the model")
			}
			depth, _ := v.VerifyDepth()
			srv := apachetest.Start(t, conf, pki, be)
			for _, c := range nginxtest.ChainCases {
				resp, err := srv.Do(nginxtest.Req{Port: srv.Port(1), TLS: true, ClientCert: c.Cert})
				got := err == nil && resp.Status == 200
				if want := c.Verifies(IntermediatesVerified(depth)); got != want {
					t.Errorf("%s certificate (%d intermediates) at depth %d: httpd verifies it: %v (status %d, %v), the model says %v\n%s",
						c.Cert, c.Intermediates, depth, got, resp.Status, err, want, srv.ErrorLog())
				}
			}
		})
	}
}

// parseConf builds the model of a battery configuration, its placeholders
// filled with fixed values.
func parseConf(t *testing.T, conf string) *Config {
	t.Helper()
	text := strings.NewReplacer("{{PRELUDE}}", "", "{{PORT1}}", "8443", "{{CERT}}", "/etc/ssl/certs/server.pem",
		"{{KEY}}", "/etc/ssl/private/server.key", "{{CA}}", "/etc/ssl/certs/ca.pem", "{{BACKEND}}", "127.0.0.1:9000").Replace(conf)
	return Build(&File{Src: source.NewFile("apache2/sites-enabled/site.conf", []byte(text)), Parsed: apache.Parse([]byte(text))})
}
