package rules

import (
	"fmt"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/ngxmodel"
	"github.com/djleak/djleak/parsers/nginx"
)

func init() {
	register(&analyzer.Rule{
		ID:        "NGX103",
		Name:      "client-verify-optional-no-ca",
		Title:     "`ssl_verify_client optional_no_ca` forwards identity from certificates nginx did not verify",
		Severity:  analyzer.Error,
		CWE:       []int{295, 290},
		Precision: analyzer.High,
		WhatItDoes: "Reports `ssl_verify_client optional_no_ca` in effect for a TLS `server` that passes a " +
			"client-certificate variable other than `$ssl_client_verify` (`$ssl_client_s_dn`, " +
			"`$ssl_client_fingerprint`, `$ssl_client_escaped_cert`, …) to the application, in a location " +
			"that does not first reject unverified requests with `if ($ssl_client_verify != SUCCESS) " +
			"{ return 403; }` (or `!~ SUCCESS`; any `return` status) at the server level or in that " +
			"location. Rewrite directives of an outer location do not apply to a nested one, so a gate " +
			"there does not count.",
		WhyBad: "With `optional_no_ca`, nginx asks for a client certificate but does not fail the handshake " +
			"or the request when the certificate does not chain to a CA in `ssl_client_certificate`: a " +
			"self-signed certificate, or one from an untrusted issuer, is accepted and the request " +
			"proceeds with `$ssl_client_verify` set to `FAILED:<reason>`. The subject DN, serial and " +
			"fingerprint variables still describe that certificate, so anyone can mint a certificate with " +
			"`CN=admin` and the application receives it as the client's identity. The mode exists for " +
			"setups where something else verifies the certificate; the application only gets that chance " +
			"when nginx rejects `$ssl_client_verify` values other than `SUCCESS` or passes the status on.",
		Example: `
-- nginx/api.conf --
server {
    listen 443 ssl;
    server_name api.example.com;
    ssl_certificate /etc/ssl/certs/server.crt;
    ssl_certificate_key /etc/ssl/private/server.key;
    ssl_client_certificate /etc/ssl/certs/ca.pem;
    ssl_verify_client optional_no_ca;
    location / {
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
    ssl_verify_client optional_no_ca;
    if ($ssl_client_verify != SUCCESS) {
        return 403;
    }
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
}
`,
		Notes: "Prefer `ssl_verify_client on` (or `optional` with a gate, see NGX104). Locations that only " +
			"serve static files or forward nothing certificate-derived are not reported. A gate written " +
			"with `map` and an `if` on the mapped variable is not recognised.",
		Requires: []analyzer.Requirement{ngxmodel.Pass},
		Run:      runClientVerifyOptionalNoCA,
	})
}

func runClientVerifyOptionalNoCA(ctx *analyzer.Context) {
	model := analyzer.Fact(ctx.Project, ngxmodel.Pass)
	for _, srv := range model.Servers {
		if ngxmodel.InStream(srv) || !ngxmodel.IsTLS(srv) {
			continue
		}
		verify, _ := srv.Simple("ssl_verify_client")
		if verify == nil || verify.Arg(0) != "optional_no_ca" {
			continue
		}
		var labels []string
		var related []analyzer.Related
		seen := map[*nginx.Directive]bool{}
		for _, u := range model.UpstreamsOf(srv) {
			if !liveUpstream(u) {
				continue
			}
			fwd := certIdentityParams(model, u)
			if len(fwd) == 0 || ngxmodel.VerifyGate(u.Scope, false) != nil {
				continue
			}
			labels = append(labels, fmt.Sprintf("%s (%s)", u.Scope.Label(), describeParams(u, fwd)))
			for _, d := range fwd {
				if !seen[d] {
					seen[d] = true
					related = append(related, analyzer.Related{Location: d.Loc,
						Message: fmt.Sprintf("%s forwarded here without a check of $ssl_client_verify", keyLabel(u, u.Key(d)))})
				}
			}
		}
		if len(labels) == 0 {
			continue
		}
		ctx.Report(analyzer.Finding{
			Location: verify.Loc,
			Message: fmt.Sprintf("`ssl_verify_client optional_no_ca` in %s accepts client certificates that do not chain to a trusted CA, "+
				"yet %s %s certificate details to the application without rejecting requests whose $ssl_client_verify is not SUCCESS: "+
				"a self-signed certificate with any subject sets the identity the application sees",
				ngxServerDesc(srv), strings.Join(labels, " and "), verbFor(len(labels), "passes", "pass")) + templateNote(verify),
			Related: related,
			Key:     ngxServerDesc(srv) + " verify-optional-no-ca",
		})
	}
}

// ngxServerDesc names a server for messages and finding keys: its first
// server_name, or its first listen address when it has none.
func ngxServerDesc(s *ngxmodel.Scope) string {
	if s == nil {
		return "(no server)"
	}
	if l := s.Label(); l != "server" {
		return l
	}
	if ls := s.Own("listen"); len(ls) > 0 {
		return "server on " + ls[0].Arg(0)
	}
	return "server"
}

// verbFor picks the singular or plural form for n subjects.
func verbFor(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// liveUpstream reports whether requests can reach u's *_pass: it is an
// HTTP upstream and no unconditional `return` answers first.
func liveUpstream(u *ngxmodel.Upstream) bool {
	return !ngxmodel.InStream(u.Scope) && ngxmodel.Unreachable(u) == nil
}

// certIdentityParams lists u's effective header/param directives whose
// value (through `set` and `map`) uses a client-certificate variable other
// than $ssl_client_verify.
func certIdentityParams(m *ngxmodel.Model, u *ngxmodel.Upstream) []*nginx.Directive {
	var out []*nginx.Directive
	for _, d := range u.Params {
		for _, n := range ngxmodel.VarNames(m.ExpandValue(u.Scope, d.Arg(1))) {
			if strings.HasPrefix(n, "ssl_client_") && n != "ssl_client_verify" {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

// verifyParam is u's effective header/param directive that passes
// $ssl_client_verify to the application, nil if none does.
func verifyParam(m *ngxmodel.Model, u *ngxmodel.Upstream) *nginx.Directive {
	for _, d := range u.Params {
		if ngxmodel.UsesVar(m.ExpandValue(u.Scope, d.Arg(1)), "ssl_client_verify") {
			return d
		}
	}
	return nil
}

// describeParams names forwarded values for messages: "X-Client-DN from
// $ssl_client_s_dn, X-Client-Serial from $ssl_client_serial". Values are
// quoted only when they are built from variables.
func describeParams(u *ngxmodel.Upstream, ds []*nginx.Directive) string {
	var parts []string
	for _, d := range ds {
		label := keyLabel(u, u.Key(d))
		if v := d.Arg(1); strings.Contains(v, "$") {
			parts = append(parts, fmt.Sprintf("%s from `%s`", label, v))
		} else {
			parts = append(parts, label)
		}
	}
	return strings.Join(parts, ", ")
}
