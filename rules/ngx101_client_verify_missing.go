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
		ID:        "NGX101",
		Name:      "client-verify-missing",
		Title:     "TLS server forwards client identity without verifying client certificates",
		Severity:  analyzer.Error,
		CWE:       []int{295, 290},
		Precision: analyzer.High,
		WhatItDoes: "Reports a TLS `server` that passes client-certificate variables (`$ssl_client_*`) to the " +
			"application, or sits in a project whose Django code reads client-identity headers, while " +
			"`ssl_verify_client` is absent, commented out or `off` for that server. A server that never passes " +
			"a request to the application — a catch-all that only answers `return 444;`, or one that serves " +
			"files — is not reported, whatever it inherits. In a template (Jinja, ERB, envsubst), a " +
			"`ssl_verify_client` that only a template conditional sets, or whose value the template fills " +
			"in, is reported too, naming the conditional or placeholder, rather than taken as `on`.",
		WhyBad: "Without `ssl_verify_client`, nginx never asks for a client certificate: `$ssl_client_verify` " +
			"is `NONE` and the DN variables are empty, and anything the application believes about " +
			"the client's identity comes from the request itself. Any client reaches code that was meant " +
			"only for holders of a certificate from your CA.",
		Example: `
-- nginx/site.conf --
server {
    listen 443 ssl;
    server_name api.example.com;
    ssl_certificate /etc/ssl/certs/server.crt;
    ssl_certificate_key /etc/ssl/private/server.key;
    # ssl_verify_client on;
    ssl_client_certificate /etc/ssl/certs/ca.pem;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
}
`,
		UseInstead: `
-- nginx/site.conf --
server {
    listen 443 ssl;
    server_name api.example.com;
    ssl_certificate /etc/ssl/certs/server.crt;
    ssl_certificate_key /etc/ssl/private/server.key;
    ssl_verify_client on;
    ssl_client_certificate /etc/ssl/certs/ca.pem;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
}
`,
		Requires: []analyzer.Requirement{identity.Pass, ngxmodel.Pass},
		Run:      runClientVerifyMissing,
	})
}

func runClientVerifyMissing(ctx *analyzer.Context) {
	model := analyzer.Fact(ctx.Project, ngxmodel.Pass)
	reads := analyzer.Fact(ctx.Project, identity.Pass)
	for _, srv := range model.Servers {
		if !ngxmodel.IsTLS(srv) {
			continue
		}
		verify, _ := srv.Simple("ssl_verify_client")
		// Verification that only a template conditional turns on is not
		// assumed: the finding names the conditional.
		tmpl := templateOnly(srv, "ssl_verify_client")
		// Nor is a value the template fills in (${MTLS_VERIFY}, {{ verify }}).
		rendered := verify != nil && tmpl == nil && templateValue(verify.Arg(0))
		if verify != nil && verify.Arg(0) != "off" && tmpl == nil && !rendered {
			continue
		}
		if !passesToApp(model, srv) {
			// A catch-all that only answers (`return 444;`) or serves
			// files forwards nothing, whatever it inherits.
			continue
		}
		fwd := forwardedCertVar(srv)
		var related []analyzer.Related
		reason := ""
		switch {
		case fwd != nil:
			reason = fmt.Sprintf("it forwards `%s` at line %d", strings.Join(fwd.Args, " "), fwd.Loc.Start.Line)
			related = append(related, analyzer.Related{Location: fwd.Loc, Message: "client-certificate variable forwarded here"})
		case len(reads.Reads) > 0:
			r := reads.Reads[0]
			reason = fmt.Sprintf("the application reads the client-identity value %s (%s:%d)", r.Name, r.Loc.Path, r.Loc.Start.Line)
			related = append(related, analyzer.Related{Location: r.Loc, Message: "the application reads client identity here"})
		default:
			continue
		}
		state, outcome := "no `ssl_verify_client`", "any client can claim any identity"
		if rendered {
			state = fmt.Sprintf("`%s`, a value filled in when the template is rendered", trimSemicolon(verify.String()))
			outcome = "unless it renders as `on`, any client can claim any identity"
			related = append(related, analyzer.Related{Location: verify.Loc, Message: "the template decides verification here"})
		} else if tmpl != nil && verify.Arg(0) != "off" {
			state = fmt.Sprintf("`%s` only under the template conditional %s (line %d), so a rendering without it verifies nothing",
				trimSemicolon(tmpl.String()), tmpl.Condition, tmpl.Loc.Start.Line)
			related = append(related, analyzer.Related{Location: tmpl.Loc, Message: "set only when the template renders this branch"})
		} else if verify != nil {
			state = "`ssl_verify_client off`"
			related = append(related, analyzer.Related{Location: verify.Loc, Message: "verification turned off here"})
		} else if c := ngxmodel.CommentedOut(srv, "ssl_verify_client"); c != nil {
			state = fmt.Sprintf("`ssl_verify_client` commented out at line %d", c.Loc.Start.Line)
			related = append(related, analyzer.Related{Location: c.Loc, Message: "commented-out ssl_verify_client"})
		}
		ctx.Report(analyzer.Finding{
			Location: srv.Dir.Loc,
			Message:  fmt.Sprintf("%s has %s, but %s: %s", srv.Label(), state, reason, outcome),
			Related:  related,
			Key:      srv.Label() + " verify-missing",
		})
	}
}

// forwardedCertVar finds the first directive in the server (its locations
// included, and anything it inherits) that passes a $ssl_client_* variable.
func forwardedCertVar(srv *ngxmodel.Scope) *nginx.Directive {
	var found *nginx.Directive
	check := func(d *nginx.Directive) {
		if found != nil || !passesHeaders[d.Name] {
			return
		}
		for _, a := range d.Args[1:] {
			if strings.Contains(a, "$ssl_client_") {
				found = d
				return
			}
		}
	}
	for sc := srv.Parent; sc != nil; sc = sc.Parent {
		for _, d := range sc.OwnOf(passesHeaderNames...) {
			check(d)
		}
	}
	srv.Walk(func(s *ngxmodel.Scope) {
		for _, d := range s.Directives {
			check(d)
		}
	})
	return found
}

// passesHeaderNames are passesHeaders' names.
var passesHeaderNames = []string{"proxy_set_header", "uwsgi_param", "fastcgi_param", "scgi_param", "grpc_set_header"}

// passesHeaders are the directives that hand values to the upstream.
var passesHeaders = map[string]bool{
	"proxy_set_header": true, "uwsgi_param": true, "fastcgi_param": true,
	"scgi_param": true, "grpc_set_header": true, "add_header": false,
}

// passesToApp reports whether some request to srv reaches the application:
// an upstream in the server that no unconditional `return` answers first.
func passesToApp(m *ngxmodel.Model, srv *ngxmodel.Scope) bool {
	for _, u := range m.UpstreamsOf(srv) {
		if liveUpstream(u) {
			return true
		}
	}
	return false
}
