package rules

import (
	"fmt"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/ngxmodel"
)

func init() {
	register(&analyzer.Rule{
		ID:        "NGX402",
		Name:      "upstream-tls-unverified",
		Title:     "Client identity or credentials sent over TLS to an upstream whose certificate is not verified",
		Severity:  analyzer.Warning,
		CWE:       []int{295},
		Precision: analyzer.High,
		WhatItDoes: "Reports `proxy_pass https://…`, `grpc_pass grpcs://…` or `uwsgi_pass suwsgi://…` to an " +
			"address that is not on the same host, while the location passes client-identity values or an " +
			"`Authorization` header nginx sets, and `proxy_ssl_verify` (`grpc_ssl_verify`, " +
			"`uwsgi_ssl_verify`) is not `on` where the pass directive is.",
		WhyBad: "nginx does not verify upstream server certificates unless `proxy_ssl_verify on` is set: " +
			"the default is `off`, so nginx completes the TLS handshake with any server that answers on " +
			"the address, self-signed certificates included. Someone who can redirect the connection — " +
			"DNS spoofing, ARP spoofing, a compromised host on the path — terminates TLS themselves and " +
			"receives the client's identity headers and the credentials nginx adds, then can forward " +
			"altered requests to the real application. The traffic is encrypted but not authenticated.",
		Example: `
-- nginx/api.conf --
server {
    listen 443 ssl;
    ssl_verify_client on;
    ssl_client_certificate /etc/ssl/certs/ca.pem;
    location / {
        proxy_pass https://app.internal.example.com;
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
}
`,
		UseInstead: `
-- nginx/api.conf --
server {
    listen 443 ssl;
    ssl_verify_client on;
    ssl_client_certificate /etc/ssl/certs/ca.pem;
    location / {
        proxy_pass https://app.internal.example.com;
        proxy_ssl_verify on;
        proxy_ssl_trusted_certificate /etc/ssl/certs/internal-ca.pem;
        proxy_ssl_server_name on;
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
}
`,
		Notes: "With `proxy_ssl_verify on`, nginx also needs `proxy_ssl_trusted_certificate` (it refuses to " +
			"start without it) and checks the name from `proxy_ssl_name` (by default the host in " +
			"`proxy_pass`); set `proxy_ssl_server_name on` when the upstream relies on SNI.",
		Requires: []analyzer.Requirement{ngxmodel.Pass},
		Run:      runUpstreamTLSUnverified,
	})
}

func runUpstreamTLSUnverified(ctx *analyzer.Context) {
	model := analyzer.Fact(ctx.Project, ngxmodel.Pass)
	for _, g := range groupByPass(model) {
		u := g.ups[0]
		t := model.Transport(u)
		if !t.TLS || !t.Known || len(t.Remote) == 0 || len(g.sensitive) == 0 {
			continue
		}
		name := string(u.Module) + "_ssl_verify"
		verify, _ := u.Scope.Simple(name)
		if verify != nil && verify.Arg(0) == "on" {
			continue
		}
		state := fmt.Sprintf("`%s` is not set and defaults to off", name)
		related := sensitiveRelated(u, g.sensitive)
		if verify != nil {
			state = fmt.Sprintf("`%s %s` at %s", name, verify.Arg(0), where(verify, u.Pass.Loc.Path))
			related = append([]analyzer.Related{{Location: verify.Loc, Message: "upstream certificate verification turned off here"}}, related...)
		}
		ctx.Report(analyzer.Finding{
			Location: u.Pass.Loc,
			Message: fmt.Sprintf("`%s %s` sends %s over TLS without verifying the upstream's certificate (%s): "+
				"whoever can redirect the connection to %s receives them",
				u.Pass.Name, u.Pass.Arg(0), describeSensitive(u, g.sensitive), state, strings.Join(t.Remote, ", ")),
			Related: related,
			Key:     strings.Join([]string{ngxServerDesc(u.Server), u.Scope.Label(), u.Pass.Name, "tls-unverified"}, " "),
		})
	}
}
