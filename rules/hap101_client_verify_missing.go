package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/haproxymodel"
)

func init() {
	register(&analyzer.Rule{
		ID:        "HAP101",
		Name:      "haproxy-client-verify-missing",
		Title:     "HAProxy TLS bind forwards client identity without verifying client certificates",
		Severity:  analyzer.Error,
		CWE:       []int{295, 290},
		Precision: analyzer.High,
		WhatItDoes: "Reports a `bind … ssl` line whose client-certificate mode is `verify none` (the default, " +
			"even when `ca-file` is given) while a rule on a route of that bind sets a header from a " +
			"client-certificate fetch (`%[ssl_c_s_dn]`, `%[ssl_c_serial]`, …).",
		WhyBad: "Without `verify required` or `verify optional`, HAProxy never asks for a client certificate: " +
			"the `ssl_c_*` fetches are empty on every request, so the header the application trusts " +
			"carries no identity at all. The configuration reads as client-certificate authentication " +
			"but authenticates nobody, and any check that the application makes on the header is made " +
			"against an empty value or against whatever another route lets through.",
		Example: `
-- haproxy/haproxy.cfg --
frontend fe_tls
    mode http
    bind :443 ssl crt /etc/haproxy/site.pem ca-file /etc/haproxy/clients-ca.pem
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
		Requires: []analyzer.Requirement{haproxymodel.Configs},
		Run: func(ctx *analyzer.Context) {
			forEachCertBind(ctx, func(rt *haproxymodel.Route, b *haproxymodel.Bind, set *haproxymodel.Rule) {
				if b.Verify != haproxymodel.VerifyNone {
					return
				}
				f := rt.Front.File
				ca := ""
				if b.CAFile != "" {
					ca = " (a `ca-file` alone does not make HAProxy ask for one)"
				}
				ctx.Report(analyzer.Finding{
					Location: f.At(b.Line),
					Message: fmt.Sprintf("HAProxy does not ask for client certificates on `bind %s`%s, yet %s sets %s from the certificate at line %d: add `verify required`.",
						b.Addr, ca, rt.Label(), set.Header, f.At(set.Line).Start.Line),
					Related: []analyzer.Related{{Location: f.At(set.Line), Message: set.Header + " is set from the client certificate here"}},
					Key:     rt.Front.Name + " " + b.Addr,
				})
			})
		},
	})
}

// forEachCertBind calls fn once per TLS bind line of every HAProxy route
// that sets a header from a client-certificate fetch, with the first such
// rule.
func forEachCertBind(ctx *analyzer.Context, fn func(*haproxymodel.Route, *haproxymodel.Bind, *haproxymodel.Rule)) {
	seen := map[*haproxymodel.Bind]bool{}
	for _, c := range analyzer.Fact(ctx.Project, haproxymodel.Configs) {
		for _, rt := range c.Routes() {
			if !rt.TLS() {
				continue
			}
			var set *haproxymodel.Rule
			for _, r := range rt.Rules {
				if r.Header != "" && (r.Action == "set-header" || r.Action == "add-header") && haproxymodel.FetchIsCertValue(r.Value) {
					set = r
					break
				}
			}
			if set == nil {
				continue
			}
			for _, b := range rt.Binds {
				if !seen[b] {
					seen[b] = true
					fn(rt, b, set)
				}
			}
		}
	}
}
