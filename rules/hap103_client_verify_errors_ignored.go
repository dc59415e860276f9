package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/analyzer/haproxymodel"
)

func init() {
	register(&analyzer.Rule{
		ID:        "HAP103",
		Name:      "haproxy-client-verify-errors-ignored",
		Title:     "HAProxy accepts client certificates that fail verification and forwards their identity",
		Severity:  analyzer.Error,
		CWE:       []int{295, 290},
		Precision: analyzer.High,
		WhatItDoes: "Reports `crt-ignore-err` or `ca-ignore-err` on a `bind … ssl verify required|optional` " +
			"line of a route that sets a header from a client-certificate fetch.",
		WhyBad: "These options tell HAProxy to complete the handshake although the client's certificate " +
			"does not verify: a self-signed certificate, or one issued by any other CA, is accepted, and " +
			"its subject DN reaches the application exactly like a verified one. Anyone can mint a " +
			"certificate with `CN=admin` and be taken for the administrator.",
		Example: `
-- haproxy/haproxy.cfg --
frontend fe_tls
    mode http
    bind :443 ssl crt /etc/haproxy/site.pem ca-file /etc/haproxy/clients-ca.pem verify required crt-ignore-err all ca-ignore-err all
    http-request set-header X-SSL-Client-DN %{+Q}[ssl_c_s_dn]
    default_backend app
backend app
    mode http
    server app1 127.0.0.1:8000
`,
		UseInstead: `
-- haproxy/haproxy.cfg --
frontend fe_tls
    mode http
    bind :443 ssl crt /etc/haproxy/site.pem ca-file /etc/haproxy/clients-ca.pem verify required
    http-request set-header X-SSL-Client-DN %{+Q}[ssl_c_s_dn]
    default_backend app
backend app
    mode http
    server app1 127.0.0.1:8000
`,
		Notes: "If some verification errors must be tolerated (an expired certificate during a rollover), " +
			"gate the identity header on the result: `http-request set-header X-SSL-Client-DN " +
			"%{+Q}[ssl_c_s_dn] if { ssl_c_verify 0 }` after `http-request del-header X-SSL-Client-DN`.",
		Requires: []analyzer.Requirement{haproxymodel.Configs},
		Run: func(ctx *analyzer.Context) {
			forEachCertBind(ctx, func(rt *haproxymodel.Route, b *haproxymodel.Bind, set *haproxymodel.Rule) {
				if b.IgnoreErr == nil || b.Verify == haproxymodel.VerifyNone {
					return
				}
				f := rt.Front.File
				if rt.Frontend().Lookup(frontend.HeaderKey(set.Header)).Source.Trusted() {
					return // the header is gated on a verify result
				}
				ctx.Report(analyzer.Finding{
					Location: f.WordAt(*b.IgnoreErr),
					Message: fmt.Sprintf("`%s` on `bind %s` lets certificates that fail verification through, and %s forwards their %s at line %d as if verified.",
						b.IgnoreErr.Text, b.Addr, rt.Label(), set.Header, f.At(set.Line).Start.Line),
					Related: []analyzer.Related{{Location: f.At(set.Line), Message: set.Header + " is set from the client certificate here"}},
					Key:     rt.Front.Name + " " + b.Addr,
				})
			})
		},
	})
}
