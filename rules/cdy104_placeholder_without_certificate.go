package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/caddymodel"
)

func init() {
	register(&analyzer.Rule{
		ID:        "CDY104",
		Name:      "caddy-placeholder-without-certificate",
		Title:     "Caddy `verify_if_given` sends the placeholder's own text as identity for clients without a certificate",
		Severity:  analyzer.Warning,
		CWE:       []int{287},
		Precision: analyzer.High,
		WhatItDoes: "Reports a header set from a client-certificate placeholder on a site whose `client_auth` " +
			"mode is `verify_if_given`, which lets clients without a certificate through.",
		WhyBad: "For a request without a certificate Caddy does not replace the placeholder: the application " +
			"receives `X-SSL-Client-DN: {http.request.tls.client.subject}`, a non-empty value. Code that " +
			"treats any non-empty DN as an authenticated client, or creates an account per DN, lets " +
			"every anonymous client in under that one name.",
		Example: `
-- Caddyfile --
api.example.com {
	tls /etc/caddy/site.pem /etc/caddy/site.key {
		client_auth {
			mode verify_if_given
			trusted_ca_cert_file /etc/caddy/clients-ca.pem
		}
	}
	reverse_proxy 127.0.0.1:8000 {
		header_up X-SSL-Client-DN {tls_client_subject}
	}
}
`,
		UseInstead: `
-- Caddyfile --
api.example.com {
	tls /etc/caddy/site.pem /etc/caddy/site.key {
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
		Notes: "When clients without a certificate must reach the site, serve them from another site or " +
			"port that removes the identity headers (`header_up -X-SSL-Client-DN`), and make the " +
			"application reject the placeholder text.",
		Requires: []analyzer.Requirement{caddymodel.Configs},
		Run: func(ctx *analyzer.Context) {
			forEachCertOp(ctx, func(r *caddymodel.Route, op *caddymodel.Op) {
				if ca := r.Site.ClientAuth; ca == nil || ca.Mode != "verify_if_given" {
					return
				}
				f := r.Site.File
				ctx.Report(analyzer.Finding{
					Location: f.At(op.D),
					Message: fmt.Sprintf("For clients without a certificate, Caddy sends %s as the literal text %s on %s, because `verify_if_given` lets them through.",
						op.Header, "`"+op.Value+"`", r.Site.Label()),
					Related: []analyzer.Related{{Location: f.At(r.Site.ClientAuth.At), Message: "client certificates are optional here"}},
					Key:     r.Site.Label() + " " + op.Header,
				})
			})
		},
	})
}
