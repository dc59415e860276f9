package rules

import (
	"github.com/djleak/djleak/analyzer/frontend"
)

func init() {
	register(identityNotSet.For(frontend.FrontDoc{
		Kind:  frontend.HAProxy,
		ID:    "HAP202",
		Name:  "haproxy-identity-header-not-set",
		Title: "HAProxy route passes a client's own identity header to the application",
		WhatItDoes: "For every route from an HAProxy `frontend` (or `listen`) bind group to a backend, " +
			"reports identity headers that a client can send itself and that reach the application: " +
			"headers that HAProxy fills from the client certificate on another route to the same " +
			"servers, headers the Django code reads, and identity-named headers the route sets only " +
			"under a condition (`set-header … if { ssl_c_used }` without a `del-header` first) or adds " +
			"with `add-header` next to the client's own. The finding is placed on the rule to change " +
			"(the conditional or additive one) or, when no rule mentions the header, on the frontend. " +
			"`mode tcp` proxies forward the client's bytes and count as passing every header.",
		WhyBad: "HAProxy passes every request header it is not told to remove. A `set-header` that runs only " +
			"`if { ssl_c_used }` leaves a request without a certificate carrying the client's own " +
			"`X-SSL-Client-DN: CN=admin`; a plain-HTTP bind or a second frontend to the same backend does " +
			"the same. The application cannot tell that value from one HAProxy took from a verified " +
			"certificate. This behaviour was confirmed against a running HAProxy.",
		Example: `
-- haproxy/haproxy.cfg --
defaults
    mode http
frontend fe
    bind :443 ssl crt /etc/haproxy/site.pem ca-file /etc/haproxy/clients-ca.pem verify optional
    http-request set-header X-SSL-Client-DN %{+Q}[ssl_c_s_dn] if { ssl_c_used }
    default_backend app
backend app
    server app1 127.0.0.1:8000
`,
		UseInstead: `
-- haproxy/haproxy.cfg --
defaults
    mode http
frontend fe
    bind :443 ssl crt /etc/haproxy/site.pem ca-file /etc/haproxy/clients-ca.pem verify optional
    http-request del-header X-SSL-Client-DN
    http-request set-header X-SSL-Client-DN %{+Q}[ssl_c_s_dn] if { ssl_c_used }
    default_backend app
backend app
    server app1 127.0.0.1:8000
`,
		Notes: "Start every frontend that reaches the application with `http-request del-header` for each " +
			"identity header (`del-header X-SSL- -m beg` removes a whole family), then set them from " +
			"the certificate. A rule in a named `defaults` section runs for every proxy that uses it.",
	}))
}
