package rules

import (
	"github.com/djleak/djleak/analyzer/frontend"
)

func init() {
	register(unverifiedTransport.For(frontend.FrontDoc{
		Kind:  frontend.HAProxy,
		ID:    "HAP402",
		Name:  "haproxy-upstream-tls-unverified",
		Title: "HAProxy sends client-certificate identity over TLS to a server whose certificate it does not verify",
		WhatItDoes: "Reports a backend `server … ssl verify none` line (or `ssl-server-verify none` in " +
			"`global`) to an address that is not on the same host, on a route where HAProxy sets headers " +
			"from the client certificate.",
		WhyBad: "With `verify none` HAProxy completes the TLS handshake with any server that answers on the " +
			"address. Someone who can redirect the connection terminates TLS themselves, reads the " +
			"identity headers, and forwards altered requests: the traffic is encrypted but not " +
			"authenticated.",
		Example: `
-- haproxy/haproxy.cfg --
defaults
    mode http
frontend fe
    bind :443 ssl crt /etc/haproxy/site.pem ca-file /etc/haproxy/clients-ca.pem verify required
    http-request set-header X-SSL-Client-DN %{+Q}[ssl_c_s_dn]
    default_backend app
backend app
    server app1 10.0.2.15:8443 ssl verify none
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
