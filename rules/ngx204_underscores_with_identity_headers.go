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
		ID:        "NGX204",
		Name:      "underscores-with-identity-headers",
		Title:     "Header names with underscores are accepted where nginx sets identity headers",
		Severity:  analyzer.Warning,
		CWE:       []int{290, 436},
		Precision: analyzer.Medium,
		WhatItDoes: "Reports `underscores_in_headers on` or `ignore_invalid_headers off` in effect for a `server` " +
			"whose locations set or clear client-identity headers with `proxy_set_header` (or " +
			"`grpc_set_header`) and pass the client's request headers on. The identity header directives " +
			"are shown as related locations.",
		WhyBad: "By default nginx treats header names containing `_` as invalid and drops them. Once they " +
			"are accepted, a client can send `X_Client_DN: CN=admin` next to the request. " +
			"`proxy_set_header X-Client-DN …` replaces (or, with an empty value, removes) only a header " +
			"named `X-Client-DN`, so the underscore spelling reaches the application server unchanged. WSGI " +
			"and ASGI servers build `HTTP_*` keys by upper-casing names and turning `-` into `_`, so both " +
			"spellings become `HTTP_X_CLIENT_DN`: gunicorn before 22.0 joined them into one " +
			"comma-separated value, Django's ASGI handler joins duplicates the same way, and where nginx " +
			"cleared the hyphenated header the client's value arrives alone. (nginx's own uwsgi, FastCGI " +
			"and SCGI modules map both spellings to the same param name and drop both when a `*_param " +
			"HTTP_…` sets it, so they are not affected.)",
		Example: `
-- nginx/api.conf --
server {
    listen 443 ssl;
    ssl_verify_client on;
    ssl_client_certificate /etc/ssl/certs/ca.pem;
    underscores_in_headers on;
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
    ssl_verify_client on;
    ssl_client_certificate /etc/ssl/certs/ca.pem;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
}
`,
		Notes: "If a client really needs underscore headers, accept them only in a server that sets no " +
			"identity headers, or run the application server in a mode that drops them (gunicorn ≥ 22 " +
			"`--header-map drop`, the default). nginx may take `underscores_in_headers` from the default " +
			"server of the listening socket rather than from the name-based virtual server; the rule " +
			"judges each server by its own configuration.",
		Requires: []analyzer.Requirement{ngxmodel.Pass},
		Run:      runUnderscoresWithIdentity,
	})
}

func runUnderscoresWithIdentity(ctx *analyzer.Context) {
	model := analyzer.Fact(ctx.Project, ngxmodel.Pass)
	for _, srv := range model.Servers {
		if ngxmodel.InStream(srv) {
			continue
		}
		var on *nginx.Directive
		if d, _ := srv.Simple("underscores_in_headers"); d != nil && d.Arg(0) == "on" {
			on = d
		} else if d, _ := srv.Simple("ignore_invalid_headers"); d != nil && d.Arg(0) == "off" {
			on = d
		}
		if on == nil {
			continue
		}
		var hdrs []*nginx.Directive
		var names []string
		seen := map[*nginx.Directive]bool{}
		for _, u := range model.UpstreamsOf(srv) {
			if !u.Module.HeaderBased() || !liveUpstream(u) || !u.PassesRequestHeaders() {
				continue
			}
			for _, d := range u.Params {
				if seen[d] || !identityParamStrict(u, d) {
					continue
				}
				seen[d] = true
				hdrs = append(hdrs, d)
				names = append(names, d.Arg(0))
			}
		}
		if len(hdrs) == 0 {
			continue
		}
		names = uniqueFold(names)
		first := names[0]
		var related []analyzer.Related
		for _, d := range hdrs {
			related = append(related, analyzer.Related{Location: d.Loc,
				Message: fmt.Sprintf("`%s` is replaced here, but a client's `%s` is not", d.Arg(0), strings.ReplaceAll(d.Arg(0), "-", "_"))})
		}
		ctx.Report(analyzer.Finding{
			Location: on.Loc,
			Message: fmt.Sprintf("`%s %s` in effect for %s lets clients send `%s` next to the %s nginx sets or clears (at %s): "+
				"nginx replaces only the hyphenated name, and application servers that map both spellings to %s hand the client's value to the application",
				on.Name, on.Arg(0), ngxServerDesc(srv), strings.ReplaceAll(first, "-", "_"), backtickList(names), where(hdrs[0], on.Loc.Path),
				ngxmodel.HeaderKey(first)),
			Related: related,
			Key:     ngxServerDesc(srv) + " underscores-identity",
		})
	}
}

// uniqueFold keeps the first occurrence of each string
// (case-insensitively), in order.
func uniqueFold(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		k := strings.ToLower(s)
		if !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}

// backtickList renders names as "`A`, `B` and `C`".
func backtickList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "`" + n + "`"
	}
	if len(q) <= 1 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}
