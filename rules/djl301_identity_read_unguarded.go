package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/identity"
)

func init() {
	register(&analyzer.Rule{
		ID:        "DJL301",
		Name:      "identity-read-unguarded",
		Title:     "Client-certificate identity read from a request header without a verification check",
		Severity:  analyzer.Error,
		CWE:       []int{290, 345},
		Precision: analyzer.Medium,
		WhatItDoes: "Finds reads of client-identity headers (`request.META['HTTP_X_CLIENT_DN']`, " +
			"`request.headers.get('X-SSL-Client-S-DN')`, …) that no check of the matching verify status " +
			"against exactly `'SUCCESS'` dominates — neither an enclosing `if verify == 'SUCCESS':` " +
			"nor an earlier `if verify != 'SUCCESS': return …`. Reads of server-environment keys " +
			"(`SSL_CLIENT_S_DN`, set by `uwsgi_param` / `fastcgi_param`) are not reported: a client " +
			"cannot send them.\n\n" +
			"When the project contains nginx configuration that passes requests to the app, djleak " +
			"judges the two together instead: if every path overwrites the header from a certificate " +
			"variable and verification is `on`, the read is safe and not reported; if some path lets " +
			"the client's header through, the NGX2xx rules report it at that nginx location, with this " +
			"read as a related location.",
		WhyBad: "`HTTP_*` keys are request headers. Unless the proxy in front overwrites them on every " +
			"path, a client sets them itself: `X-Client-DN: CN=admin` is one header away. Reading the " +
			"DN without proof that the proxy verified a certificate trusts whatever the client wrote.",
		Example: `
-- app/middleware.py --
class ClientCertMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.client_dn = request.META.get("HTTP_X_CLIENT_DN")
        return self.get_response(request)
`,
		UseInstead: `
-- app/middleware.py --
from django.http import HttpResponseForbidden


class ClientCertMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.META.get("HTTP_X_CLIENT_VERIFY", "") != "SUCCESS":
            return HttpResponseForbidden()
        request.client_dn = request.META.get("HTTP_X_CLIENT_DN")
        return self.get_response(request)
`,
		Run: func(ctx *analyzer.Context) {
			for _, r := range analyzer.Fact(ctx.Project, identity.Pass).Reads {
				if !r.FromHeader() || r.IsVerify() || r.Guard.State != identity.Unguarded || r.Via != "" {
					continue
				}
				if nginxProves(ctx.Project, r.Name) != noNginx {
					continue
				}
				ctx.Report(analyzer.Finding{
					Location: r.Loc,
					Message: fmt.Sprintf("%s is read without checking that a client certificate was verified; "+
						"a client can send the %s header itself unless the proxy overwrites it on every path, "+
						"and no nginx config in the project shows that", r.Name, r.Header),
					Key: r.Name + " " + funcName(r),
				})
			}
		},
	})
}

func funcName(r identity.Read) string {
	if r.Func == nil {
		return "<module>"
	}
	if r.Func.Class != nil {
		return r.Func.Class.Name + "." + r.Func.Name
	}
	return r.Func.Name
}
