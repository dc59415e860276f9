package rules

import (
	"github.com/djleak/djleak/analyzer/frontend"
)

func init() {
	register(identityClientValue.For(frontend.FrontDoc{
		Kind:  frontend.Caddy,
		ID:    "CDY203",
		Name:  "caddy-identity-header-client-value",
		Title: "Caddy sets an identity header from a value the client chooses",
		WhatItDoes: "Reports `header_up` and `request_header` operations that give an identity header a value " +
			"built from client input — `{http.request.header.*}`, `{query.*}`, `{cookie.*}`, the URI or " +
			"the host — or rewrite the client's own value, on a route that reaches the application.",
		WhyBad: "The operation replaces the client's header only to write back what the client sent under " +
			"another name: a client that sends `X-Forwarded-Client-Cert: CN=admin` is `CN=admin` to the " +
			"application.",
		Example: `
-- Caddyfile --
api.example.com {
	reverse_proxy 127.0.0.1:8000 {
		header_up X-SSL-Client-DN {http.request.header.X-Forwarded-Client-Cert}
	}
}
`,
		UseInstead: `
-- Caddyfile --
api.example.com {
	tls /etc/caddy/site.pem /etc/caddy/site.key {
		client_auth {
			mode require_and_verify
			trusted_ca_cert_file /etc/caddy/clients-ca.pem
		}
	}
	reverse_proxy 127.0.0.1:8000 {
		header_up X-SSL-Client-DN {tls_client_subject}
	}
}
`,
	}))
}
