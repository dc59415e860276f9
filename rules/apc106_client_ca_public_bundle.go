package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/apachemodel"
	"github.com/djleak/djleak/analyzer/frontend"
)

func init() {
	register(&analyzer.Rule{
		ID:        "APC106",
		Name:      "apache-client-ca-public-bundle",
		Title:     "Client certificates verified against the public CA bundle",
		Severity:  analyzer.Error,
		CWE:       []int{295, 290},
		Precision: analyzer.High,
		WhatItDoes: "Reports a TLS virtual host that verifies client certificates (`SSLVerifyClient optional` " +
			"or `require`) against the operating system's bundle of public root CAs — " +
			"`SSLCACertificateFile /etc/ssl/certs/ca-certificates.crt`, `SSLCACertificatePath /etc/ssl/certs`, " +
			"`/etc/pki/tls/certs/ca-bundle.crt` and the like, or certifi's `cacert.pem` — with an " +
			"`SSLVerifyDepth` that lets a chain through an intermediate CA verify (2 or more).",
		WhyBad: "That bundle is the web's public PKI: hundreds of CAs that issue certificates to anyone who " +
			"controls a domain, always through an intermediate. With the depth raised for them, httpd " +
			"verifies every one: `SSL_CLIENT_VERIFY` is `SUCCESS` and `SSL_CLIENT_S_DN` carries whatever " +
			"subject a public CA gave the client. An application that trusts verified identities then trusts " +
			"strangers; the client CA must be the organisation's own.",
		Example: `
-- apache2/sites-enabled/app.conf --
<VirtualHost *:443>
    SSLEngine on
    SSLCertificateFile /etc/ssl/certs/server.pem
    SSLCertificateKeyFile /etc/ssl/private/server.key
    SSLVerifyClient require
    SSLCACertificatePath /etc/ssl/certs
    SSLVerifyDepth 3
    RequestHeader set X-Client-DN "%{SSL_CLIENT_S_DN}s"
    ProxyPass / http://127.0.0.1:8000/
</VirtualHost>
`,
		UseInstead: `
-- apache2/sites-enabled/app.conf --
<VirtualHost *:443>
    SSLEngine on
    SSLCertificateFile /etc/ssl/certs/server.pem
    SSLCertificateKeyFile /etc/ssl/private/server.key
    SSLVerifyClient require
    SSLCACertificateFile /etc/apache2/client-ca.pem
    SSLVerifyDepth 3
    RequestHeader set X-Client-DN "%{SSL_CLIENT_S_DN}s"
    ProxyPass / http://127.0.0.1:8000/
</VirtualHost>
`,
		Notes: "httpd counts the trusted CA in the depth (nginx does not): at its default `SSLVerifyDepth 1` " +
			"only certificates a root of the bundle signed itself verify, and public CAs sign none, so that " +
			"configuration is not reported. How many intermediates each depth lets through is proven against " +
			"httpd (`TestVerifyDepthOracle`).",
		Requires: []analyzer.Requirement{apachemodel.Configs},
		Run: func(ctx *analyzer.Context) {
			for _, c := range analyzer.Fact(ctx.Project, apachemodel.Configs) {
				for _, v := range c.VHosts {
					ca := v.Base.CAAt
					if !v.TLS || ca == nil || !frontend.PublicCABundle(ca.Arg(0)) {
						continue
					}
					verifies := false
					for _, r := range v.Routes {
						verifies = verifies || r.Mode() == "optional" || r.Mode() == "require"
					}
					depth, _ := v.VerifyDepth()
					if !verifies || apachemodel.IntermediatesVerified(depth) < 1 {
						continue
					}
					ctx.Report(analyzer.Finding{
						Location: v.At(ca),
						Message: fmt.Sprintf("`%s %s` in %s verifies client certificates against the public CA bundle "+
							"(SSLVerifyDepth %d lets a public CA's intermediate through): anyone can get a certificate "+
							"httpd verifies, with the subject a public CA gives them", ca.Name, ca.Arg(0), v.Label(), depth),
						Key: v.Label() + " public-ca",
					})
				}
			}
		},
	})
}
