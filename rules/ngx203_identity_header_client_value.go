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
		ID:        "NGX203",
		Name:      "identity-header-client-value",
		Title:     "Identity header is set from a value the client chooses",
		Severity:  analyzer.Error,
		CWE:       []int{290, 348},
		Precision: analyzer.High,
		WhatItDoes: "Reports a `proxy_set_header` / `*_param` directive in effect for a location that passes to " +
			"the application, which sets a client-identity header or param (`X-Client-DN`, " +
			"`X-SSL-Client-Verify`, `SSL_CLIENT_S_DN`, or any name set from `$ssl_client_*`; a `uwsgi_param`, " +
			"`fastcgi_param` or `scgi_param` spelled like a header, `X-Client-Verify`, counts too) from a " +
			"variable the client controls: a request header (`$http_*`), a query argument (`$arg_*`), a " +
			"cookie (`$cookie_*`), `$request_uri`, `$host` and the like — directly or through `set` and " +
			"`map`. Values that mix a certificate variable with a client-chosen one are reported too.",
		WhyBad: "nginx substitutes the variable per request, so the application receives whatever the client " +
			"put in the header, query string or cookie — `proxy_set_header X-Client-Verify " +
			"$http_x_client_verify;` copies a header the client sends, `curl -H 'X-Client-Verify: SUCCESS'` " +
			"included, while looking as if nginx were the one vouching for the value. A value built from " +
			"`$ssl_client_s_dn` plus a client-chosen part lets the client append to or pad out the verified " +
			"identity.",
		Example: `
-- nginx/api.conf --
server {
    listen 443 ssl;
    ssl_verify_client optional;
    ssl_client_certificate /etc/ssl/certs/ca.pem;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header X-Client-DN $ssl_client_s_dn;
        proxy_set_header X-Client-Verify $http_x_client_verify;
    }
}
`,
		UseInstead: `
-- nginx/api.conf --
server {
    listen 443 ssl;
    ssl_verify_client optional;
    ssl_client_certificate /etc/ssl/certs/ca.pem;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header X-Client-DN $ssl_client_s_dn;
        proxy_set_header X-Client-Verify $ssl_client_verify;
    }
}
`,
		Notes: "When nginx sits behind a TLS-terminating load balancer that sets these headers, restrict who " +
			"can connect (`allow <balancer>; deny all;`): locations whose access rules end in `deny all` " +
			"after specific `allow` lines are not reported. Header names such as `X-Client-IP` or " +
			"`X-Client-Host` are not identity headers and are ignored unless set from `$ssl_client_*`.",
		Requires: []analyzer.Requirement{ngxmodel.Pass},
		Run:      runIdentityHeaderClientValue,
	})
}

func runIdentityHeaderClientValue(ctx *analyzer.Context) {
	model := analyzer.Fact(ctx.Project, ngxmodel.Pass)
	done := map[*nginx.Directive]bool{}
	for _, u := range model.Upstreams() {
		if !liveUpstream(u) || ngxmodel.ClientsRestricted(u.Scope) {
			continue
		}
		for _, d := range u.Params {
			if done[d] || !identityParamStrict(u, d) {
				continue
			}
			expanded := model.ExpandValue(u.Scope, d.Arg(1))
			src := ngxmodel.ClassifyValue(expanded)
			if src != ngxmodel.ClientControlled && src != ngxmodel.Mixed {
				continue
			}
			done[d] = true
			var clientVars []string
			for _, n := range ngxmodel.VarNames(expanded) {
				if ngxmodel.ClassifyValue("$"+n) == ngxmodel.ClientControlled {
					clientVars = append(clientVars, "$"+n)
				}
			}
			via := ""
			if direct := ngxmodel.ClassifyValue(d.Arg(1)); direct != ngxmodel.ClientControlled && direct != ngxmodel.Mixed {
				via = " (through `set`/`map`)"
			}
			label, key := keyLabel(u, u.Key(d)), u.Key(d)
			if !u.Module.HeaderBased() && strings.Contains(d.Arg(0), "-") {
				label, key = d.Arg(0), d.Arg(0)
			}
			msg := fmt.Sprintf("%s is set from %s%s, which the client controls: the application receives the client's own value as %s, "+
				"as if nginx vouched for it", label, strings.Join(clientVars, ", "), via, key)
			if src == ngxmodel.Mixed {
				msg = fmt.Sprintf("%s combines a client-certificate variable with %s%s, which the client controls: the client can "+
					"append to or pad out the identity the application receives as %s", label, strings.Join(clientVars, ", "), via, key)
			}
			ctx.Report(analyzer.Finding{
				Location: d.Loc,
				Message:  msg,
				Related: []analyzer.Related{{Location: upstreamLoc(u).Loc,
					Message: fmt.Sprintf("%s in %s passes it to the application", u.Scope.Label(), ngxServerDesc(u.Server))}},
				Key: strings.Join([]string{ngxServerDesc(u.Server), u.Scope.Label(), u.Key(d), "client-value"}, " "),
			})
		}
	}
}

// nonIdentitySuffixes end identity-prefixed names that do not carry a
// client identity (X-Client-IP, X-Client-Host, …).
var nonIdentitySuffixes = []string{"_IP", "_ADDR", "_ADDRESS", "_HOST", "_PORT", "_PROTO", "_SCHEME", "_AGENT", "_VERSION", "_REQUEST_ID"}

// identityParamStrict is IdentityParam without network-level names such as
// X-Client-IP that match the identity prefixes by accident.
func identityParamStrict(u *ngxmodel.Upstream, d *nginx.Directive) bool {
	if strings.Contains(strings.ToLower(d.Arg(1)), "$ssl_client_") {
		return true
	}
	k := strings.ReplaceAll(u.Key(d), "-", "_")
	if !u.IdentityParam(d) {
		// uwsgi_param X-Client-Verify: a param spelled as a header is the
		// same identity name (the app reads it from the environ as written).
		norm := k
		if u.Module.HeaderBased() || !(ngxmodel.IsIdentityKey(norm) || ngxmodel.IsIdentityKey("HTTP_"+norm)) {
			return false
		}
	}
	for _, s := range nonIdentitySuffixes {
		if strings.HasSuffix(k, s) {
			return false
		}
	}
	return true
}
