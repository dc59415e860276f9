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
			nginxtest.CheckChains(t, "Caddy", srv.Do, srv.Port(1), be, IntermediatesVerified)
		})
	}
}
