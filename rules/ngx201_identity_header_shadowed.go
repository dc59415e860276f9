package rules

import (
	"fmt"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/identity"
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
		own := u.ParamsFrom.Own(u.Module.ParamDirective())[0]
		if strings.HasPrefix(own.Loc.Path, "<") && own.Parent != nil {
			own = own.Parent // `include proxy_params;` of a built-in file
		}
		var labels, spoofed, outerAt []string
		var related []analyzer.Related
		var flow []analyzer.Step
		var reads []identity.Read
		for _, k := range keys {
			v := u.Lookup(k)
			if v.Set != nil || len(v.Shadowed) == 0 {
				continue
			}
			outer := v.Shadowed[0]
			label := keyLabel(u, k)
			labels = append(labels, label)
			outerAt = append(outerAt, fmt.Sprintf("%s-level `%s %s` at %s", levelName(outer), outer.Name, outer.Arg(0), where(outer, loc.Loc.Path)))
			related = append(related, analyzer.Related{Location: outer.Loc, Message: fmt.Sprintf("%s set here, at the %s level, is not inherited by %s", label, levelName(outer), u.Scope.Label())})
			if v.Source == ngxmodel.FromClient {
				spoofed = append(spoofed, label)
				reads = append(reads, appReads(ctx.Project, k)...)
			}
		}
		if len(labels) == 0 {
			continue
		}
		related = append(related, analyzer.Related{Location: own.Loc, Message: fmt.Sprintf("this %s's own %s replaces every inherited one", u.ParamsFrom.Kind, u.Module.ParamDirective())})
		for _, r := range reads {
			related = append(related, analyzer.Related{Location: r.Loc, Message: fmt.Sprintf("the application reads %s here", r.Name)})
		}
		if len(spoofed) > 0 {
			flow = spoofFlow(u, strings.Join(spoofed, ", "), reads)
		}
		how := "at " + where(own, loc.Loc.Path)
		if own.Name == "include" {
			how = fmt.Sprintf("through `include %s` at %s", own.Arg(0), where(own, loc.Loc.Path))
		}
		msg := fmt.Sprintf("%s %s not inherited here because this %s sets its own %s %s",
			strings.Join(outerAt, ", "), plural(len(labels), "is", "are"), u.ParamsFrom.Kind, u.Module.ParamDirective(), how)
		switch {
		case len(spoofed) > 0:
			msg += fmt.Sprintf(": a client's own %s %s the application", strings.Join(spoofed, ", "), plural(len(spoofed), "reaches", "reach"))
		default:
			msg += fmt.Sprintf(": the application receives no %s on this path", strings.Join(labels, ", "))
		}
		ctx.Report(analyzer.Finding{
			Location: loc.Loc, Message: msg, Related: related, Flow: flow,
			Key: strings.Join(append([]string{serverLabel(u), u.Scope.Label()}, keys...), " "),
		})
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
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
