package rules

import (
	"github.com/djleak/djleak/analyzer/frontend"
)

func init() {
	register(identityClientValue.For(frontend.FrontDoc{
		Kind:  frontend.HAProxy,
		ID:    "HAP203",
		Name:  "haproxy-identity-header-client-value",
		Title: "HAProxy sets an identity header from a value the client chooses",
		WhatItDoes: "Reports `http-request set-header`, `replace-header` and `replace-value` rules that give an " +
			"identity header a value built from client input — `%[req.hdr(…)]`, `%[url_param(…)]`, " +
			"`%[req.cook(…)]`, the path or the query — on a route that reaches the application.",
		WhyBad: "The rule replaces the client's header only to write back what the client sent under " +
			"another name: a client that sends `X-Forwarded-Client-Cert: CN=admin` is `CN=admin` to the " +
			"application, with or without a certificate.",
		Example: `
-- haproxy/haproxy.cfg --
defaults
    mode http
frontend fe
    bind :443 ssl crt /etc/haproxy/site.pem ca-file /etc/haproxy/clients-ca.pem verify required
    http-request set-header X-SSL-Client-DN %[req.hdr(X-Forwarded-Client-Cert)]
    default_backend app
backend app
    server app1 127.0.0.1:8000
`,
		UseInstead: `
-- haproxy/haproxy.cfg --
defaults
    mode http
frontend fe
    bind :443 ssl crt /etc/haproxy/site.pem ca-file /etc/haproxy/clients-ca.pem verify required
    http-request set-header X-SSL-Client-DN %{+Q}[ssl_c_s_dn]
    default_backend app
backend app
    server app1 127.0.0.1:8000
`,
	}))
}
