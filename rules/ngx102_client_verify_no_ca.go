package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/analyzer/ngxmodel"
)

func init() {
	register(&analyzer.Rule{
		ID:        "NGX102",
		Name:      "client-verify-without-ca",
		Title:     "`ssl_verify_client` without a CA to verify against",
		Severity:  analyzer.Error,
		CWE:       []int{295},
		Precision: analyzer.VeryHigh,
		WhatItDoes: "Reports a server where `ssl_verify_client` is `on` or `optional` but neither " +
			"`ssl_client_certificate` nor `ssl_trusted_certificate` is in effect (at the server or " +
			"inherited from `http`).",
		WhyBad: "Client certificates are verified against the CA certificates named by " +
			"`ssl_client_certificate` / `ssl_trusted_certificate`. Without one, nginx refuses to load the " +
			"configuration (`no ssl_client_certificate for ssl_verify_client`) — and the usual " +
			"emergency fix, switching to `optional_no_ca` or removing verification, silently turns " +
			"mutual TLS off.",
		Example: `
-- nginx/site.conf --
server {
    listen 443 ssl;
    ssl_certificate /etc/ssl/certs/server.crt;
    ssl_certificate_key /etc/ssl/private/server.key;
    ssl_verify_client on;
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
    ssl_client_certificate /etc/ssl/certs/ca.pem;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
}
`,
		Requires: []analyzer.Requirement{ngxmodel.Pass},
		Run: func(ctx *analyzer.Context) {
			model := analyzer.Fact(ctx.Project, ngxmodel.Pass)
			for _, srv := range model.Servers {
				mode, verify := ngxmodel.CertMode(srv)
				if mode != frontend.CertRequire && mode != frontend.CertOptional {
					continue
				}
				if ca, _ := srv.Simple("ssl_client_certificate"); ca != nil {
					continue
				}
				if ca, _ := srv.Simple("ssl_trusted_certificate"); ca != nil {
					continue
				}
				ctx.Report(analyzer.Finding{
					Location: verify.Loc,
					Message: fmt.Sprintf("`ssl_verify_client %s` in %s has no `ssl_client_certificate` or `ssl_trusted_certificate` to verify client certificates against",
						verify.Arg(0), srv.Label()),
					Key: srv.Label() + " verify-no-ca",
				})
			}
		},
	})
}
