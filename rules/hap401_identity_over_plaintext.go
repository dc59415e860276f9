package rules

import (
	"github.com/djleak/djleak/analyzer/frontend"
)

func init() {
	register(plainTransport.For(frontend.FrontDoc{
		Kind:  frontend.HAProxy,
		ID:    "HAP401",
		Name:  "haproxy-identity-over-plaintext",
		Title: "HAProxy sends client-certificate identity to a remote server without TLS",
		WhatItDoes: "Reports a backend `server` line without `ssl` whose address is not on the same host " +
			"(not a unix socket, `localhost`, `127.0.0.0/8` or `::1`), on a route where HAProxy sets " +
			"headers from the client certificate. Addresses built from variables are not judged.",
		WhyBad: "The hop carries the identity HAProxy vouches for in clear text: anyone who can observe or " +
			"intercept traffic between HAProxy and the application reads the client's DN and can alter " +
			"it, and the application cannot tell HAProxy's request from one sent straight to its port.",
		Example: `
-- haproxy/haproxy.cfg --
defaults
    mode http
frontend fe
    bind :443 ssl crt /etc/haproxy/site.pem ca-file /etc/haproxy/clients-ca.pem verify required
    http-request set-header X-SSL-Client-DN %{+Q}[ssl_c_s_dn]
    default_backend app
backend app
    server app1 10.0.2.15:8000
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
    server app1 10.0.2.15:8443 ssl ca-file /etc/haproxy/app-ca.pem
`,
	}))
}
