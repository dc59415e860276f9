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
		ID:        "NGX201",
		Name:      "identity-header-shadowed",
		Title:     "Identity header set at an outer level is not inherited by a location that sets its own headers",
		Severity:  analyzer.Error,
		CWE:       []int{290, 348},
		Precision: analyzer.VeryHigh,
		WhatItDoes: "Finds client-identity headers and params (`proxy_set_header X-Client-DN $ssl_client_s_dn`, " +
			"`uwsgi_param SSL_CLIENT_VERIFY …`) set at the `http` or `server` level that do not reach a " +
			"location passing requests to the application, because that location (or an `if` block) " +
			"defines `proxy_set_header` / `*_param` directives of its own. nginx inherits these array " +
			"directives only into levels that define none; an `include proxy_params;` counts as defining " +
			"them. When the Django code reads the header, the read is shown as a related location and " +
			"the finding carries the code flow from the client to that read.",
		WhyBad: "For requests to that location nginx neither sets nor clears the header, so the value the " +
			"client sent passes through. Any client — with any valid certificate, or with none when " +
			"verification is optional — sends `X-Client-DN: CN=admin` and the application believes it.",
		Example: `
-- nginx/api.conf --
server {
    listen 443 ssl;
    ssl_verify_client on;
    ssl_client_certificate /etc/ssl/certs/ca.pem;
    proxy_set_header X-Client-DN $ssl_client_s_dn;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header Host $host;
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
        proxy_set_header Host $host;
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
}
`,
		Notes: "Repeat the identity headers in every level that sets headers, or move all " +
			"`proxy_set_header` lines into one snippet and `include` it in each location.",
		Run: runIdentityShadowed,
	})
}

func runIdentityShadowed(ctx *analyzer.Context) {
	model := analyzer.Fact(ctx.Project, ngxmodel.Pass)
	for _, u := range model.Upstreams() {
		if u.ParamsFrom == nil {
			continue
		}
		// Keys set at outer levels, in order, each once.
		var keys []string
		seen := map[string]bool{}
		for sc := u.ParamsFrom.Parent; sc != nil; sc = sc.Parent {
			for _, d := range sc.Own(u.Module.ParamDirective()) {
				k := u.Key(d)
				if u.IdentityParam(d) && !seen[k] {
					seen[k] = true
					keys = append(keys, k)
				}
			}
		}
		loc := upstreamLoc(u)
		for _, k := range keys {
			v := u.Lookup(k)
			if v.Set != nil || len(v.Shadowed) == 0 {
				continue
			}
			outer := v.Shadowed[0]
			own := u.ParamsFrom.Own(u.Module.ParamDirective())[0]
			label := keyLabel(u, k)
			msg := fmt.Sprintf("%s-level `%s %s` at %s is not inherited here because this %s sets its own %s at %s",
				levelName(outer), outer.Name, outer.Arg(0), where(outer, loc.Loc.Path),
				u.ParamsFrom.Kind, u.Module.ParamDirective(), where(own, loc.Loc.Path))
			switch v.Source {
			case ngxmodel.FromClient:
				msg += fmt.Sprintf(": a client's own %s reaches the application", label)
			case ngxmodel.Absent:
				msg += fmt.Sprintf(": the application receives no %s on this path", label)
			}
			related := []analyzer.Related{
				{Location: outer.Loc, Message: fmt.Sprintf("%s set here, at the %s level", label, levelName(outer))},
				{Location: own.Loc, Message: fmt.Sprintf("this %s's own %s replaces every inherited one", u.ParamsFrom.Kind, u.Module.ParamDirective())},
			}
			reads := appReads(ctx.Project, k)
			for _, r := range reads {
				related = append(related, analyzer.Related{Location: r.Loc, Message: fmt.Sprintf("the application reads %s here", r.Name)})
			}
			var flow []analyzer.Step
			if v.Source == ngxmodel.FromClient {
				flow = spoofFlow(u, label, reads)
			}
			ctx.Report(analyzer.Finding{
				Location: loc.Loc, Message: msg, Related: related, Flow: flow,
				Key: strings.Join([]string{u.Server.Label(), u.Scope.Label(), k}, " "),
			})
		}
	}
}

// levelName is the kind of block a directive sits in ("server", "http").
func levelName(d *nginx.Directive) string {
	for p := d.Parent; p != nil; p = p.Parent {
		if p.Name != "include" {
			return p.Name
		}
	}
	return "top"
}
