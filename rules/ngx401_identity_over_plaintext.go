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
		ID:        "NGX401",
		Name:      "identity-over-plaintext",
		Title:     "Client identity or credentials sent to a remote upstream without TLS",
		Severity:  analyzer.Warning,
		CWE:       []int{319},
		Precision: analyzer.Medium,
		WhatItDoes: "Reports a `proxy_pass http://…`, `grpc_pass grpc://…`, `uwsgi_pass` (without `suwsgi://`), " +
			"`fastcgi_pass` or `scgi_pass` to an address that is not on the same host — not a unix socket, " +
			"`localhost`, `127.0.0.0/8` or `::1`; an `upstream` block counts as remote when any of its " +
			"servers is — while the location passes client-identity values (`$ssl_client_*`, identity " +
			"headers or params) or an `Authorization` header that nginx sets itself. Targets built from " +
			"variables are not judged.",
		WhyBad: "These hops carry the request, and everything nginx added to it, unencrypted: anyone who can " +
			"observe or intercept traffic between nginx and the application — on a shared network, a " +
			"container bridge with other tenants, a cloud VPC path — reads the client's certificate DN " +
			"and credentials nginx injects, and can alter them in flight. Nor can the application tell " +
			"nginx's request from one sent directly to its port, so identity headers are only as trustworthy " +
			"as the network in between.",
		Example: `
-- nginx/api.conf --
upstream app {
    server 10.0.2.15:8000;
}
server {
    listen 443 ssl;
    ssl_verify_client on;
    ssl_client_certificate /etc/ssl/certs/ca.pem;
    location / {
        proxy_pass http://app;
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
}
`,
		UseInstead: `
-- nginx/api.conf --
upstream app {
    server 10.0.2.15:8443;
}
server {
    listen 443 ssl;
    ssl_verify_client on;
    ssl_client_certificate /etc/ssl/certs/ca.pem;
    location / {
        proxy_pass https://app;
        proxy_ssl_verify on;
        proxy_ssl_trusted_certificate /etc/ssl/certs/internal-ca.pem;
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
}
`,
		Notes: "Run the application on the same host (unix socket or loopback), or use TLS to the upstream " +
			"with `proxy_ssl_verify on` (see NGX402). Service names such as `http://web:8000` in a container " +
			"network are treated as remote.",
		Requires: []analyzer.Requirement{ngxmodel.Pass},
		Run:      runIdentityOverPlaintext,
	})
}

func runIdentityOverPlaintext(ctx *analyzer.Context) {
	model := analyzer.Fact(ctx.Project, ngxmodel.Pass)
	for _, g := range groupByPass(model) {
		t := model.Transport(g.ups[0])
		if t.TLS || !t.Known || len(t.Remote) == 0 {
			continue
		}
		fwd := g.sensitive
		if len(fwd) == 0 {
			continue
		}
		u := g.ups[0]
		pass := u.Pass
		related := sensitiveRelated(u, fwd)
		for _, d := range t.RemoteFrom {
			if d != pass {
				related = append(related, analyzer.Related{Location: d.Loc, Message: fmt.Sprintf("upstream server %s is not on this host", d.Arg(0))})
			}
		}
		ctx.Report(analyzer.Finding{
			Location: pass.Loc,
			Message: fmt.Sprintf("`%s %s` sends %s unencrypted to %s, which is not on this host: anyone on the network path can read and alter them",
				pass.Name, pass.Arg(0), describeSensitive(u, fwd), strings.Join(t.Remote, ", ")),
			Related: related,
			Key:     strings.Join([]string{ngxServerDesc(u.Server), u.Scope.Label(), pass.Name, "plaintext"}, " "),
		})
	}
}

// passGroup is the upstreams sharing one *_pass directive (a location and
// the `if` blocks that inherit its proxy_pass), with the sensitive
// headers/params any of them sends.
type passGroup struct {
	ups       []*ngxmodel.Upstream
	sensitive []*nginx.Directive
}

func groupByPass(m *ngxmodel.Model) []*passGroup {
	var out []*passGroup
	idx := map[*nginx.Directive]*passGroup{}
	for _, u := range m.Upstreams() {
		if !liveUpstream(u) {
			continue
		}
		g := idx[u.Pass]
		if g == nil {
			g = &passGroup{}
			idx[u.Pass] = g
			out = append(out, g)
		}
		g.ups = append(g.ups, u)
		for _, d := range sensitiveParams(u) {
			dup := false
			for _, e := range g.sensitive {
				dup = dup || e == d
			}
			if !dup {
				g.sensitive = append(g.sensitive, d)
			}
		}
	}
	return out
}

// sensitiveParams lists u's effective header/param directives that send
// client identity or a credential nginx adds: identity headers/params and
// `$ssl_client_*` values that are not empty, and an `Authorization`
// header nginx sets to something other than the client's own.
func sensitiveParams(u *ngxmodel.Upstream) []*nginx.Directive {
	var out []*nginx.Directive
	for _, d := range u.Params {
		v := d.Arg(1)
		if v == "" {
			continue
		}
		switch {
		case identityParamStrict(u, d):
			out = append(out, d)
		case isAuthorizationParam(u, d) && strings.ToLower(v) != "$http_authorization":
			out = append(out, d)
		}
	}
	return out
}

func isAuthorizationParam(u *ngxmodel.Upstream, d *nginx.Directive) bool {
	k := u.Key(d)
	return k == "HTTP_AUTHORIZATION" || k == "HTTP_PROXY_AUTHORIZATION"
}

// describeSensitive names the values for messages without quoting
// credential literals: "X-Client-DN from `$ssl_client_s_dn` and the
// Authorization header nginx sets".
func describeSensitive(u *ngxmodel.Upstream, ds []*nginx.Directive) string {
	var parts []string
	seen := map[string]bool{}
	for _, d := range ds {
		label := keyLabel(u, u.Key(d))
		if seen[label] {
			continue
		}
		seen[label] = true
		switch {
		case isAuthorizationParam(u, d):
			kind := "header"
			if !u.Module.HeaderBased() {
				kind = "param"
			}
			parts = append(parts, fmt.Sprintf("the %s %s nginx sets", label, kind))
		case strings.Contains(d.Arg(1), "$"):
			parts = append(parts, fmt.Sprintf("%s from `%s`", label, d.Arg(1)))
		default:
			parts = append(parts, label)
		}
	}
	if len(parts) > 1 {
		return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
	}
	return strings.Join(parts, "")
}

func sensitiveRelated(u *ngxmodel.Upstream, ds []*nginx.Directive) []analyzer.Related {
	var out []analyzer.Related
	for _, d := range ds {
		msg := fmt.Sprintf("%s is added to the upstream request here", keyLabel(u, u.Key(d)))
		out = append(out, analyzer.Related{Location: d.Loc, Message: msg})
	}
	return out
}
