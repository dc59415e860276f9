package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/apachemodel"
)

func init() {
	register(&analyzer.Rule{
		ID:        "APC101",
		Name:      "apache-client-verify-missing",
		Title:     "Apache TLS virtual host forwards client identity without asking for client certificates",
		Severity:  analyzer.Error,
		CWE:       []int{295, 290},
		Precision: analyzer.High,
		WhatItDoes: "Reports a `<VirtualHost>` with `SSLEngine on` whose `SSLVerifyClient` is absent or `none` " +
			"where a route sets a header from `%{SSL_CLIENT_…}s`.",
		WhyBad: "Without `SSLVerifyClient`, httpd never asks for a client certificate: the header is `(null)` " +
			"on every request, so the configuration reads as client-certificate authentication but " +
			"authenticates nobody, and any check the application makes on it is made against a constant.",
		Example: `
-- apache2/sites-available/api.conf --
<VirtualHost *:443>
    SSLEngine on
    SSLCACertificateFile /etc/ssl/certs/clients-ca.pem
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
				if r.Mode() != "none" {
					return
				}
				f := r.VHost
				at := f.At(r.VHost.Section)
				ctx.Report(analyzer.Finding{
					Location: at,
					Message: fmt.Sprintf("httpd does not ask for client certificates on %s, yet it sets %s from the certificate at %s: add `SSLVerifyClient require`.",
						r.VHost.Label(), op.Header, lineOf(f.At(op.D), at)),
					Related: []analyzer.Related{{Location: f.At(op.D), Message: op.Header + " is set from the client certificate here"}},
					Key:     r.VHost.Label(),
				})
			})
		},
	})
}

// forEachApacheCertRoute calls fn once per TLS virtual host (and mode)
// with a route and the first RequestHeader of it that reads the client
// certificate.
func forEachApacheCertRoute(ctx *analyzer.Context, fn func(*apachemodel.Route, *apachemodel.Op)) {
	type key struct {
		v    *apachemodel.VHost
		mode string
	}
	seen := map[key]bool{}
	for _, c := range analyzer.Fact(ctx.Project, apachemodel.Configs) {
		for _, v := range c.VHosts {
			if !v.TLS || v.Section == nil {
				continue
			}
			for _, r := range v.Routes {
				k := key{v, r.Mode()}
				if seen[k] {
					continue
				}
				for _, op := range r.Scope.Ops {
					if op.Action == "set" && apachemodel.HasCertVar(op.Value) {
						seen[k] = true
						fn(r, op)
						break
					}
				}
			}
		}
	}
}
