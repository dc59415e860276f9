package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/caddymodel"
)

func init() {
	register(&analyzer.Rule{
		ID:        "CDY101",
		Name:      "caddy-client-auth-missing",
		Title:     "Caddy site forwards client-certificate placeholders without asking for client certificates",
		Severity:  analyzer.Error,
		CWE:       []int{295, 290},
		Precision: analyzer.High,
		WhatItDoes: "Reports a TLS site whose `reverse_proxy` sets a header from a client-certificate " +
			"placeholder (`{tls_client_subject}`, `{http.request.tls.client.*}`) while the site's `tls` " +
			"directive has no `client_auth` block, or the site has no `tls` directive at all.",
		WhyBad: "Without `client_auth`, Caddy never asks for a client certificate, so the placeholder is " +
			"never replaced: every request reaches the application with the header set to the " +
			"placeholder's own text, `{http.request.tls.client.subject}`. The configuration reads as " +
			"client-certificate authentication but authenticates nobody, and code that only checks that " +
			"the header is present accepts everyone.",
		Example: `
-- Caddyfile --
api.example.com {
	tls /etc/caddy/site.pem /etc/caddy/site.key
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
		Requires: []analyzer.Requirement{caddymodel.Configs},
		Run: func(ctx *analyzer.Context) {
			forEachCertOp(ctx, func(r *caddymodel.Route, op *caddymodel.Op) {
				if r.Site.ClientAuth != nil {
					return
				}
				f := r.Site.File
				at := f.At(r.Site.Block)
				if r.Site.TLSAt != nil {
					at = f.At(r.Site.TLSAt)
				}
				ctx.Report(analyzer.Finding{
					Location: at,
					Message: fmt.Sprintf("Caddy does not ask for client certificates on %s, yet it sets %s from the certificate at %s: add a `client_auth` block to `tls`.",
						r.Site.Label(), op.Header, lineOf(f.At(op.D), at)),
					Related: []analyzer.Related{{Location: f.At(op.D), Message: op.Header + " is set from the client certificate here"}},
					Key:     r.Site.Label(),
				})
			})
		},
	})
}

// forEachCertOp calls fn once per TLS site with the first header operation
// of its routes that reads a client-certificate placeholder.
func forEachCertOp(ctx *analyzer.Context, fn func(*caddymodel.Route, *caddymodel.Op)) {
	seen := map[*caddymodel.Site]bool{}
	for _, c := range analyzer.Fact(ctx.Project, caddymodel.Configs) {
		for _, r := range c.Routes() {
			if !r.TLS() || seen[r.Site] {
				continue
			}
			for _, op := range r.Ops {
				if (op.Action == "set" || op.Action == "add") && caddymodel.HasCertPlaceholder(op.Value) {
					seen[r.Site] = true
					fn(r, op)
					break
				}
			}
		}
	}
}
