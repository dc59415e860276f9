package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/apachemodel"
)

func init() {
	register(&analyzer.Rule{
		ID:        "APC103",
		Name:      "apache-client-verify-optional-no-ca",
		Title:     "`SSLVerifyClient optional_no_ca` forwards identity from certificates httpd did not verify",
		Severity:  analyzer.Error,
		CWE:       []int{295, 290},
		Precision: analyzer.High,
		WhatItDoes: "Reports `SSLVerifyClient optional_no_ca` in effect for a route that sets a header from " +
			"`%{SSL_CLIENT_…}s`.",
		WhyBad: "With `optional_no_ca` httpd accepts a certificate from any issuer and lets the request " +
			"through with `SSL_CLIENT_VERIFY` set to `FAILED:…`: a self-signed certificate with " +
			"`CN=admin` reaches the application as `X-SSL-Client-DN: CN=admin`.",
		Example: `
-- apache2/sites-available/api.conf --
<VirtualHost *:443>
    SSLEngine on
    SSLCACertificateFile /etc/ssl/certs/clients-ca.pem
    SSLVerifyClient optional_no_ca
    RequestHeader set X-SSL-Client-DN "%{SSL_CLIENT_S_DN}s"
    ProxyPass / http://127.0.0.1:8000/
</VirtualHost>
`,
		UseInstead: `
-- apache2/sites-available/api.conf --
<VirtualHost *:443>
    SSLEngine on
    SSLCACertificateFile /etc/ssl/certs/clients-ca.pem
    SSLVerifyClient require
    RequestHeader set X-SSL-Client-DN "%{SSL_CLIENT_S_DN}s"
    ProxyPass / http://127.0.0.1:8000/
</VirtualHost>
`,
		Requires: []analyzer.Requirement{apachemodel.Configs},
		Run: func(ctx *analyzer.Context) {
			forEachApacheCertRoute(ctx, func(r *apachemodel.Route, op *apachemodel.Op) {
				if r.Mode() != "optional_no_ca" {
					return
				}
				f := r.VHost
				at := f.At(r.Scope.VerifyAt)
				ctx.Report(analyzer.Finding{
					Location: at,
					Message: fmt.Sprintf("`SSLVerifyClient optional_no_ca` accepts client certificates from any issuer, and %s forwards their %s at %s as if verified.",
						r.Label(), op.Header, lineOf(f.At(op.D), at)),
					Related: []analyzer.Related{{Location: f.At(op.D), Message: op.Header + " is set from the client certificate here"}},
					Key:     r.VHost.Label(),
				})
			})
		},
	})
}
