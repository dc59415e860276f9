package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/analyzer/ngxmodel"
)

func init() {
	register(&analyzer.Rule{
		ID:        "NGX105",
		Name:      "client-ca-public-bundle",
		Title:     "Client certificates verified against the public CA bundle",
		Severity:  analyzer.Error,
		CWE:       []int{295, 290},
		Precision: analyzer.High,
		WhatItDoes: "Reports a server where `ssl_verify_client` is `on` or `optional` and the CA certificates " +
			"client certificates are verified against (`ssl_client_certificate` or `ssl_trusted_certificate`, " +
			"at the server or inherited) are the operating system's bundle of public root CAs — " +
			"`/etc/ssl/certs/ca-certificates.crt`, `/etc/pki/tls/certs/ca-bundle.crt`, `/etc/ssl/cert.pem` " +
			"and the like, or certifi's `cacert.pem` — while `ssl_verify_depth` lets a chain through an " +
			"intermediate CA verify (nginx's default depth, 1, does).",
		WhyBad: "That bundle is the web's public PKI: hundreds of CAs that issue certificates to anyone who " +
			"controls a domain, always through an intermediate. nginx verifies every one of them, so " +
			"`$ssl_client_verify` says `SUCCESS` and `$ssl_client_s_dn` carries whatever subject a public CA " +
			"gave the client (`CN=attacker.example`). An application that trusts verified identities then " +
			"trusts strangers; the client CA must be the organisation's own.",
		Example: `
-- nginx/site.conf --
server {
    listen 443 ssl;
    ssl_certificate /etc/ssl/certs/server.crt;
    ssl_certificate_key /etc/ssl/private/server.key;
    ssl_verify_client on;
    ssl_client_certificate /etc/ssl/certs/ca-certificates.crt;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
}
`,
		UseInstead: `
-- nginx/site.conf --
server {
    listen 443 ssl;
    ssl_certificate /etc/ssl/certs/server.crt;
    ssl_certificate_key /etc/ssl/private/server.key;
    ssl_verify_client on;
    ssl_client_certificate /etc/nginx/client-ca.pem;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
}
`,
		Notes: "With `ssl_verify_depth 0` only certificates a root of the bundle signed itself would verify, " +
			"and public CAs sign none: that configuration is not reported. How many intermediates each depth " +
			"lets through is proven against nginx (`TestVerifyDepthOracle`).",
		Requires: []analyzer.Requirement{ngxmodel.Pass},
		Run: func(ctx *analyzer.Context) {
			model := analyzer.Fact(ctx.Project, ngxmodel.Pass)
			for _, srv := range model.Servers {
				mode, _ := ngxmodel.CertMode(srv)
				if mode != frontend.CertRequire && mode != frontend.CertOptional {
					continue
				}
				depth, _ := srv.VerifyDepth()
				if ngxmodel.IntermediatesVerified(depth) < 1 {
					continue
				}
				for _, name := range []string{"ssl_client_certificate", "ssl_trusted_certificate"} {
					ca, _ := srv.Simple(name)
					if ca == nil || !frontend.PublicCABundle(ca.Arg(0)) {
						continue
					}
					ctx.Report(analyzer.Finding{
						Location: ca.Loc,
						Message: fmt.Sprintf("`%s %s` in %s verifies client certificates against the public CA bundle "+
							"(depth %d lets a public CA's intermediate through): anyone can get a certificate nginx "+
							"verifies, with the subject a public CA gives them", name, ca.Arg(0), srv.Label(), depth),
						Key: srv.Label() + " " + name + " public-ca",
					})
				}
			}
		},
	})
}
