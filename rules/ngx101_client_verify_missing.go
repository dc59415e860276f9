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
			"`ssl_verify_client` is absent, commented out or `off` for that server.",
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
		Run: runClientVerifyMissing,
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
		if verify != nil && verify.Arg(0) != "off" {
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
		state := "no `ssl_verify_client`"
		if verify != nil {
			state = "`ssl_verify_client off`"
			related = append(related, analyzer.Related{Location: verify.Loc, Message: "verification turned off here"})
		} else if c := ngxmodel.CommentedOut(srv, "ssl_verify_client"); c != nil {
			state = fmt.Sprintf("`ssl_verify_client` commented out at line %d", c.Loc.Start.Line)
			related = append(related, analyzer.Related{Location: c.Loc, Message: "commented-out ssl_verify_client"})
		}
		ctx.Report(analyzer.Finding{
			Location: srv.Dir.Loc,
			Message:  fmt.Sprintf("%s has %s, but %s: any client can claim any identity", srv.Label(), state, reason),
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
