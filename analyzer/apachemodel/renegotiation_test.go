package apachemodel

import (
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer/apachemodel/apachetest"
	"github.com/djleak/djleak/analyzer/ngxmodel/nginxtest"
)

// TestPerDirectoryVerifyUnderTLS13 checks the fact APC105 rests on: a
// per-directory SSLVerifyClient fails for a TLS 1.3 client that holds a
// valid certificate (403), and under TLS 1.2 httpd starts a renegotiation
// instead, which the client must support (Go's refuses by default).
func TestPerDirectoryVerifyUnderTLS13(t *testing.T) {
	apachetest.Require(t)
	pki := nginxtest.NewPKI(t)
	be := nginxtest.StartHTTPBackend(t)
	conf := func(proto string) string {
		return "{{PRELUDE}}\nListen 127.0.0.1:{{PORT1}}\n<VirtualHost 127.0.0.1:{{PORT1}}>\n\tSSLEngine on\n\tSSLCertificateFile {{CERT}}\n\tSSLCertificateKeyFile {{KEY}}\n\tSSLCACertificateFile {{CA}}\n" +
			proto + "\t<Location /admin>\n\t\tSSLVerifyClient require\n\t</Location>\n\tProxyPass / http://{{BACKEND}}/\n</VirtualHost>\n"
	}
	srv := apachetest.Start(t, conf(""), pki, be)
	resp, err := srv.Do(nginxtest.Req{Port: srv.Port(1), TLS: true, Path: "/admin/x", ClientCert: nginxtest.ValidCert})
	if err != nil || resp.Status != 403 {
		t.Errorf("TLS 1.3: status %d, error %v; want 403\n%s", resp.Status, err, srv.ErrorLog())
	}
	srv = apachetest.Start(t, conf("\tSSLProtocol -all +TLSv1.2\n"), pki, be)
	_, err = srv.Do(nginxtest.Req{Port: srv.Port(1), TLS: true, Path: "/admin/x", ClientCert: nginxtest.ValidCert})
	if err == nil || !strings.Contains(err.Error(), "renegotiation") {
		t.Errorf("TLS 1.2: error %v; want the client to be asked to renegotiate", err)
	}
}
