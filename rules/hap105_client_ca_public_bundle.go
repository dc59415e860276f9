package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/analyzer/haproxymodel"
)

func init() {
	register(&analyzer.Rule{
		ID:        "HAP105",
		Name:      "haproxy-client-ca-public-bundle",
		Title:     "Client certificates verified against the public CA bundle",
		Severity:  analyzer.Error,
		CWE:       []int{295, 290},
		Precision: analyzer.High,
		WhatItDoes: "Reports a `bind` line that verifies client certificates (`verify optional` or " +
			"`verify required`) against the system's public root CAs: `ca-file @system-ca`, or a bundle file " +
			"such as `/etc/ssl/certs/ca-certificates.crt`, `/etc/pki/tls/certs/ca-bundle.crt` or certifi's " +
			"`cacert.pem`.",
		WhyBad: "That bundle is the web's public PKI: hundreds of CAs that issue certificates to anyone who " +
			"controls a domain, always through an intermediate, and HAProxy has no verification depth to " +
			"stop such a chain (it keeps OpenSSL's default, 100). Every one verifies: `ssl_c_verify` is 0 and " +
			"`ssl_c_s_dn` carries whatever subject a public CA gave the client. An application that trusts " +
			"verified identities then trusts strangers; the client CA must be the organisation's own.",
		Example: `
-- haproxy/haproxy.cfg --
frontend fe
    bind :443 ssl crt /etc/haproxy/site.pem ca-file @system-ca verify required
    http-request set-header X-SSL-Client-DN %{+Q}[ssl_c_s_dn]
    default_backend app
backend app
    server app1 127.0.0.1:8000
`,
		UseInstead: `
-- haproxy/haproxy.cfg --
frontend fe
    bind :443 ssl crt /etc/haproxy/site.pem ca-file /etc/haproxy/client-ca.pem verify required
    http-request set-header X-SSL-Client-DN %{+Q}[ssl_c_s_dn]
    default_backend app
backend app
    server app1 127.0.0.1:8000
`,
		Notes: "That HAProxy verifies a chain through an intermediate is proven against HAProxy " +
			"(`TestVerifyDepthOracle`); 2.6 has no `verify-depth` to limit it.",
		Requires: []analyzer.Requirement{haproxymodel.Configs},
		Run: func(ctx *analyzer.Context) {
			seen := map[*haproxymodel.Bind]bool{}
			for _, c := range analyzer.Fact(ctx.Project, haproxymodel.Configs) {
				for _, rt := range c.Routes() {
					for _, b := range rt.Binds {
						if seen[b] || !b.SSL || b.CAFileWord == nil || b.Verify == haproxymodel.VerifyNone {
							continue
						}
						seen[b] = true
						if b.CAFile != "@system-ca" && !frontend.PublicCABundle(b.CAFile) {
							continue
						}
						ctx.Report(analyzer.Finding{
							Location: rt.Front.File.WordAt(*b.CAFileWord),
							Message: fmt.Sprintf("`ca-file %s` on `bind %s` verifies client certificates against the public CA bundle "+
								"(HAProxy limits no chain depth): anyone can get a certificate HAProxy verifies, with the subject a "+
								"public CA gives them", b.CAFile, b.Addr),
							Key: rt.Front.Name + " " + b.Addr + " public-ca",
						})
					}
				}
			}
		},
	})
}
