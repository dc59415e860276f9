package haproxymodel

import (
	"testing"

	"github.com/djleak/djleak/analyzer/haproxymodel/haproxytest"
	"github.com/djleak/djleak/analyzer/ngxmodel/nginxtest"
)

// Which client chains HAProxy verifies, against IntermediatesVerified: the
// CA's own client certificate and one issued through an intermediate the
// CA signed, sent with it (as a public CA's customer does), under
// `verify required` and `verify optional`.
func TestVerifyDepthOracle(t *testing.T) {
	haproxytest.Require(t)
	pki := nginxtest.NewPKI(t)
	be := nginxtest.StartHTTPBackend(t)
	for _, mode := range []string{"required", "optional"} {
		t.Run(mode, func(t *testing.T) {
			srv := haproxytest.Start(t, fe(tlsBind+" verify "+mode, "    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn]"), pki, be)
			nginxtest.CheckChains(t, "HAProxy", srv.Do, srv.Port(1), be, IntermediatesVerified)
		})
	}
}
