package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/ngxmodel"
)

func init() {
	register(&analyzer.Rule{
		ID:        "NGX104",
		Name:      "client-verify-optional-ungated",
		Title:     "`ssl_verify_client optional` lets requests without a certificate reach a location that forwards identity",
		Severity:  analyzer.Warning,
		CWE:       []int{287},
		Precision: analyzer.Medium,
		WhatItDoes: "Reports a location of a TLS `server` with `ssl_verify_client optional` in effect that passes " +
			"client-certificate details (`$ssl_client_s_dn`, `$ssl_client_fingerprint`, …) to the application " +
			"while neither rejecting requests without a verified certificate — `if ($ssl_client_verify != " +
			"SUCCESS) { return 403; }`, `!~ SUCCESS` or `= NONE`, ending in a `return`, at the server level or " +
			"in that location — nor passing `$ssl_client_verify` itself in the same location's headers or " +
			"params.",
		WhyBad: "With `optional`, nginx rejects certificates that fail verification but lets clients that " +
			"send no certificate at all through: `$ssl_client_verify` is `NONE` and every other " +
			"`$ssl_client_*` variable is empty. nginx then omits a `proxy_set_header` whose value is " +
			"empty (and sends an empty `*_param`), so the application receives the request without any " +
			"identity and without any sign that mutual TLS did not happen. Code written for a location " +
			"that \"requires a client certificate\" — a view without its own authentication, a middleware " +
			"that falls back to a default user when the DN is missing — serves anonymous clients.",
		Example: `
-- nginx/api.conf --
server {
    listen 443 ssl;
    server_name api.example.com;
    ssl_certificate /etc/ssl/certs/server.crt;
    ssl_certificate_key /etc/ssl/private/server.key;
    ssl_client_certificate /etc/ssl/certs/ca.pem;
    ssl_verify_client optional;
    location /api/ {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
}
`,
		UseInstead: `
-- nginx/api.conf --
server {
    listen 443 ssl;
    server_name api.example.com;
    ssl_certificate /etc/ssl/certs/server.crt;
    ssl_certificate_key /etc/ssl/private/server.key;
    ssl_client_certificate /etc/ssl/certs/ca.pem;
    ssl_verify_client optional;
    location /api/ {
        if ($ssl_client_verify != SUCCESS) {
            return 403;
        }
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
}
`,
		Notes: "Passing `$ssl_client_verify` (e.g. `proxy_set_header X-Client-Verify $ssl_client_verify;`) " +
			"silences the rule because the application can then check it; the DJL30x rules check that it " +
			"does. A gate written with `map` and an `if` on the mapped variable is not recognised.",
		Requires: []analyzer.Requirement{ngxmodel.Pass},
		Run:      runClientVerifyOptionalUngated,
	})
}

func runClientVerifyOptionalUngated(ctx *analyzer.Context) {
	model := analyzer.Fact(ctx.Project, ngxmodel.Pass)
	for _, u := range model.Upstreams() {
		if u.Server == nil || !liveUpstream(u) || !ngxmodel.IsTLS(u.Server) {
			continue
		}
		verify, _ := u.Server.Simple("ssl_verify_client")
		if verify == nil || verify.Arg(0) != "optional" {
			continue
		}
		fwd := certIdentityParams(model, u)
		if len(fwd) == 0 || ngxmodel.VerifyGate(u.Scope, true) != nil || verifyParam(model, u) != nil {
			continue
		}
		loc := upstreamLoc(u)
		related := []analyzer.Related{{Location: verify.Loc, Message: "client certificates are optional here"}}
		for _, d := range fwd {
			related = append(related, analyzer.Related{Location: d.Loc,
				Message: fmt.Sprintf("%s is empty for a client without a certificate", keyLabel(u, u.Key(d)))})
		}
		ctx.Report(analyzer.Finding{
			Location: loc.Loc,
			Message: fmt.Sprintf("%s in %s passes %s under `ssl_verify_client optional` (%s) but neither rejects requests whose "+
				"$ssl_client_verify is not SUCCESS nor passes $ssl_client_verify to the application: clients without a certificate "+
				"reach it with no identity and no sign that mutual TLS did not happen",
				u.Scope.Label(), ngxServerDesc(u.Server), describeParams(u, fwd), where(verify, loc.Loc.Path)) + templateNote(verify),
			Related: related,
			Key:     ngxServerDesc(u.Server) + " " + u.Scope.Label() + " verify-optional-ungated",
		})
	}
}
