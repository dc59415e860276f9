package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/caddymodel"
)

func init() {
	register(&analyzer.Rule{
		ID:        "CDY103",
		Name:      "caddy-client-auth-unverified",
		Title:     "Caddy `client_auth` mode accepts certificates it does not verify, and their identity is forwarded",
		Severity:  analyzer.Error,
		CWE:       []int{295, 290},
		Precision: analyzer.High,
		WhatItDoes: "Reports `client_auth` in mode `request` or `require` (the default when no trusted CA is " +
			"given) on a site that sets a header from a client-certificate placeholder.",
		WhyBad: "`request` and `require` make Caddy ask for a certificate but not check who issued it: a " +
			"self-signed certificate with `CN=admin` is accepted, and `{tls_client_subject}` carries " +
			"`CN=admin` to the application exactly like a certificate from your CA. Only " +
			"`require_and_verify` (or `verify_if_given`) checks the chain against `trusted_ca_cert_file`.",
		Example: `
-- Caddyfile --
api.example.com {
	tls /etc/caddy/site.pem /etc/caddy/site.key {
		client_auth {
			mode require
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
		Requires: []analyzer.Requirement{caddymodel.Configs},
		Run: func(ctx *analyzer.Context) {
			forEachCertOp(ctx, func(r *caddymodel.Route, op *caddymodel.Op) {
				ca := r.Site.ClientAuth
				if ca == nil || ca.Verified() {
					return
				}
				f := r.Site.File
				at, how := f.At(ca.At), "without a trusted CA, `client_auth` defaults to mode `require`, which"
				if ca.ModeAt != nil {
					at, how = f.At(ca.ModeAt), "mode `"+ca.Mode+"`"
				}
				ctx.Report(analyzer.Finding{
					Location: at,
					Message: fmt.Sprintf("On %s, %s accepts client certificates from any issuer, and %s from such a certificate reaches the application (%s): use `mode require_and_verify` with `trusted_ca_cert_file`.",
						r.Site.Label(), how, op.Header, lineOf(f.At(op.D), at)),
					Related: []analyzer.Related{{Location: f.At(op.D), Message: op.Header + " is set from the client certificate here"}},
					Key:     r.Site.Label(),
				})
			})
		},
	})
}
