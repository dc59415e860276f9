package caddymodel

import (
	"testing"

	"github.com/djleak/djleak/analyzer/caddymodel/caddytest"
	"github.com/djleak/djleak/analyzer/ngxmodel/nginxtest"
)

// Which client chains Caddy verifies, against IntermediatesVerified: the
// CA's own client certificate and one issued through an intermediate the
// CA signed, sent with it (as a public CA's customer does), under
// `require_and_verify` and `verify_if_given`.
func TestVerifyDepthOracle(t *testing.T) {
	caddytest.Require(t)
	pki := nginxtest.NewPKI(t)
	be := nginxtest.StartHTTPBackend(t)
	for _, mode := range []string{"require_and_verify", "verify_if_given"} {
		t.Run(mode, func(t *testing.T) {
			srv := caddytest.Start(t, site(mode, "", setDN), pki, be)
			for _, c := range nginxtest.ChainCases {
				be.Reset()
				resp, err := srv.Do(nginxtest.Req{Port: srv.Port(1), TLS: true, ClientCert: c.Cert})
				got := err == nil && resp.Status == 200 && be.Count() == 1
				if want := c.Verifies(IntermediatesVerified); got != want {
					t.Errorf("%s certificate: Caddy verifies it: %v (status %d, %v), the model says %v", c.Cert, got, resp.Status, err, want)
				}
			}
		})
	}
}
