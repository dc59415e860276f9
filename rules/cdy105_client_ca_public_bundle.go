package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/caddymodel"
	"github.com/djleak/djleak/analyzer/frontend"
)

func init() {
	register(&analyzer.Rule{
		ID:        "CDY105",
		Name:      "caddy-client-ca-public-bundle",
		Title:     "Client certificates verified against the public CA bundle",
		Severity:  analyzer.Error,
		CWE:       []int{295, 290},
		Precision: analyzer.High,
		WhatItDoes: "Reports a site whose `client_auth` verifies client certificates (`require_and_verify` or " +
			"`verify_if_given`) against the system's bundle of public root CAs: `trusted_ca_cert_file " +
			"/etc/ssl/certs/ca-certificates.crt`, `/etc/pki/tls/certs/ca-bundle.crt`, `/etc/ssl/cert.pem` " +
			"and the like, or certifi's `cacert.pem`.",
		WhyBad: "That bundle is the web's public PKI: hundreds of CAs that issue certificates to anyone who " +
			"controls a domain, always through an intermediate, and Caddy verifies the chain a client sends " +
			"with no depth limit. Every one verifies, and `{tls_client_subject}` carries whatever subject a " +
			"public CA gave the client. An application that trusts verified identities then trusts " +
			"strangers; the client CA must be the organisation's own.",
		Example: `
-- Caddyfile --
app.example.com {
	tls {
		client_auth {
			mode require_and_verify
			trusted_ca_cert_file /etc/ssl/certs/ca-certificates.crt
		}
	}
	reverse_proxy 127.0.0.1:8000 {
		header_up X-SSL-Client-DN {tls_client_subject}
	}
}
`,
		UseInstead: `
-- Caddyfile --
app.example.com {
	tls {
		client_auth {
			mode require_and_verify
			trusted_ca_cert_file /etc/caddy/clients-ca.pem
		}
	}
	reverse_proxy 127.0.0.1:8000 {
		header_up X-SSL-Client-DN {tls_client_subject}
	}
}
`,
		Notes: "That Caddy verifies a chain through an intermediate is proven against Caddy " +
			"(`TestVerifyDepthOracle`).",
		Requires: []analyzer.Requirement{caddymodel.Configs},
		Run: func(ctx *analyzer.Context) {
			seen := map[*caddymodel.Site]bool{}
			for _, c := range analyzer.Fact(ctx.Project, caddymodel.Configs) {
				for _, r := range c.Routes() {
					ca := r.Site.ClientAuth
					if seen[r.Site] || !r.TLS() || !ca.Verified() || ca.CAAt == nil || !frontend.PublicCABundle(ca.CA) {
						continue
					}
					seen[r.Site] = true
					ctx.Report(analyzer.Finding{
						Location: r.Site.File.At(ca.CAAt),
						Message: fmt.Sprintf("`trusted_ca_cert_file %s` on %s verifies client certificates against the public CA bundle "+
							"(Caddy limits no chain depth): anyone can get a certificate Caddy verifies, with the subject a public "+
							"CA gives them", ca.CA, r.Site.Label()),
						Key: r.Site.Label() + " public-ca",
					})
				}
			}
		},
	})
}
