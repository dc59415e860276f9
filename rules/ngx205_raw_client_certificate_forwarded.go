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
		ID:        "NGX205",
		Name:      "raw-client-certificate-forwarded",
		Title:     "Client certificate forwarded as multi-line PEM",
		Severity:  analyzer.Note,
		CWE:       []int{116},
		Precision: analyzer.VeryHigh,
		WhatItDoes: "Reports `proxy_set_header` / `grpc_set_header` directives whose value uses " +
			"`$ssl_client_raw_cert` or `$ssl_client_cert`, and `uwsgi_param` / `fastcgi_param` / " +
			"`scgi_param` directives whose value uses the deprecated `$ssl_client_cert`.",
		WhyBad: "`$ssl_client_raw_cert` is the PEM certificate with its line breaks. Inside an HTTP header a " +
			"line feed ends the header line: the upstream request is malformed, and depending on the " +
			"application server it is rejected or the certificate is cut after `-----BEGIN CERTIFICATE-----` " +
			"with the base64 lines read as bogus header lines. `$ssl_client_cert` is deprecated (nginx names " +
			"`$ssl_client_escaped_cert`, added in 1.13.5, as its replacement); it prefixes every line but the " +
			"first with a tab so the value goes out as an obsolete folded header, a form RFC 9112 tells " +
			"recipients to reject or to unfold into spaces, after which it is no longer line-structured PEM. Code that parses the certificate then works with whatever fragment arrived. " +
			"`$ssl_client_escaped_cert` (URL-encoded PEM) travels safely in a header; " +
			"`$ssl_client_fingerprint` or `$ssl_client_s_dn` are enough when the application only needs " +
			"to recognise the client. uwsgi, FastCGI and SCGI params are length-prefixed, so " +
			"`$ssl_client_raw_cert` is fine there.",
		Example: `
-- nginx/api.conf --
server {
    listen 443 ssl;
    ssl_verify_client on;
    ssl_client_certificate /etc/ssl/certs/ca.pem;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header X-Client-Cert $ssl_client_raw_cert;
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
        proxy_set_header X-Client-Cert $ssl_client_escaped_cert;
    }
}
`,
		Notes:    "Decode `$ssl_client_escaped_cert` in Django with `urllib.parse.unquote()` before loading it.",
		Requires: []analyzer.Requirement{ngxmodel.Pass},
		Run:      runRawClientCertForwarded,
	})
}

func runRawClientCertForwarded(ctx *analyzer.Context) {
	model := analyzer.Fact(ctx.Project, ngxmodel.Pass)
	for _, main := range model.Mains {
		main.Walk(func(s *ngxmodel.Scope) {
			if ngxmodel.InStream(s) {
				return
			}
			for _, d := range s.Directives {
				mod, ok := ngxmodel.ParamModule(d.Name)
				if !ok {
					continue
				}
				reportRawCert(ctx, d, mod)
			}
		})
	}
}

func reportRawCert(ctx *analyzer.Context, d *nginx.Directive, mod ngxmodel.Module) {
	for _, n := range ngxmodel.VarNames(d.Arg(1)) {
		var msg string
		switch {
		case n == "ssl_client_raw_cert" && mod.HeaderBased():
			msg = fmt.Sprintf("`%s %s` sends $ssl_client_raw_cert, a PEM certificate with raw line breaks, in an HTTP header: "+
				"the line feeds end the header early and the application receives a malformed request or a truncated certificate; "+
				"use $ssl_client_escaped_cert (URL-encoded) or $ssl_client_fingerprint", d.Name, d.Arg(0))
		case n == "ssl_client_cert" && mod.HeaderBased():
			msg = fmt.Sprintf("`%s %s` sends the deprecated $ssl_client_cert, a PEM certificate folded over several header lines "+
				"with leading tabs (obsolete line folding that servers may reject); use $ssl_client_escaped_cert (URL-encoded) or $ssl_client_fingerprint",
				d.Name, d.Arg(0))
		case n == "ssl_client_cert":
			msg = fmt.Sprintf("`%s %s` passes the deprecated $ssl_client_cert, whose lines after the first start with a tab, "+
				"so the application receives altered PEM; use $ssl_client_raw_cert for a %s param, or $ssl_client_escaped_cert",
				d.Name, d.Arg(0), strings.TrimSuffix(d.Name, "_param"))
		default:
			continue
		}
		ctx.Report(analyzer.Finding{
			Location: d.Loc,
			Message:  msg,
			Key:      strings.Join([]string{d.Name, d.Arg(0), n}, " "),
		})
	}
}
