package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/frontend"
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
			"nor an earlier `if verify != 'SUCCESS': return …` (or `raise`, or `assert verify == 'SUCCESS'`). " +
			"djleak evaluates the check for each status a client can arrive with, so it follows the check " +
			"where code puts it: stored first (`ok = verify == 'SUCCESS'` then `if not ok: return …`, or " +
			"`self.verified = …`), in a helper (`if not is_verified(request): raise PermissionDenied`, or a " +
			"`require_certificate(request)` that raises), or in the `AUTHENTICATION_BACKENDS` backend the value " +
			"is passed to (`authenticate(request, client_dn=dn)`, or `request.client_dn = …` then " +
			"`authenticate(request)`, checked in the backend's `authenticate` before it uses the value). " +
			"Reads of server-environment keys " +
			"(`SSL_CLIENT_S_DN`, set by `uwsgi_param` / `fastcgi_param`) are not reported: a client " +
			"cannot send them.\n\n" +
			"When the project contains nginx configuration that passes requests to the app, djleak " +
			"judges the two together instead: if every path overwrites the header from a certificate " +
			"variable and verification is `on`, the read is safe and not reported; if some path lets " +
			"the client's header through, the NGX2xx rules report it at that nginx location, with this " +
			"read as a related location. Defence in depth: when the front end fills the header from a " +
			"certificate it does not verify on every request — nginx `ssl_verify_client optional_no_ca`, or " +
			"`optional` with nothing that rejects requests without a certificate; HAProxy `crt-ignore-err` — " +
			"the unchecked read is reported too (besides NGX103/NGX104, HAP103 at the front end), with those " +
			"routes as related locations.",
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
		Requires: []analyzer.Requirement{identity.Pass, frontend.Pass},
		Run:      runIdentityReadUnguarded,
	})
}

func runIdentityReadUnguarded(ctx *analyzer.Context) {
	for _, r := range analyzer.Fact(ctx.Project, identity.Pass).Reads {
		if !r.FromHeader() || r.IsVerify() || r.Guard.State != identity.Unguarded || r.Via != "" {
			continue
		}
		if frontProves(ctx.Project, r.Name) == noFront {
			ctx.Report(analyzer.Finding{
				Location: r.Loc,
				Message: fmt.Sprintf("%s is read without checking that a client certificate was verified; "+
					"a client can send the %s header itself unless the proxy overwrites it on every path, "+
					"and no %s configuration in the project shows that", r.Name, r.Header, supportedFronts()),
				Key: r.Name + " " + funcName(r),
			})
			continue
		}
		// Defence in depth: the front end fills the header from a
		// certificate it does not verify on every request. Its own rules
		// report the route; the read must check the verify status too.
		weak := weakCertRoutes(ctx.Project, r.Name)
		if len(weak) == 0 {
			continue
		}
		w := weak[0]
		var related []analyzer.Related
		for _, x := range weak {
			related = append(related, analyzer.Related{Location: x.route.At,
				Message: fmt.Sprintf("%s %s sets %s: %s", x.route.Front.Title(), routeWhere(x.route), r.Header, x.name.Why)})
		}
		more := ""
		if len(weak) > 1 {
			more = fmt.Sprintf(" (and %d more)", len(weak)-1)
		}
		ctx.Report(analyzer.Finding{
			Location: r.Loc,
			Message: fmt.Sprintf("%s is read without checking that the client certificate was verified, and %s %s%s fills %s "+
				"without verifying a certificate on every request: %s; check the verify status ('SUCCESS') before trusting it",
				r.Name, w.route.Front.Title(), routeWhere(w.route), more, r.Header, w.name.Why),
			Related: related,
			Key:     r.Name + " " + funcName(r) + " weak-cert",
		})
	}
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
