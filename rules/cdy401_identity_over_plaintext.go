package rules

import (
	"github.com/djleak/djleak/analyzer/frontend"
)

func init() {
	register(plainTransport.For(frontend.FrontDoc{
		Kind:  frontend.Caddy,
		ID:    "CDY401",
		Name:  "caddy-identity-over-plaintext",
		Title: "Caddy sends client-certificate identity to a remote upstream without TLS",
		WhatItDoes: "Reports a `reverse_proxy` to an upstream that is not on the same host (not a unix socket, " +
			"`localhost`, `127.0.0.0/8` or `::1`), without `https://` or a `transport http { tls }` block, " +
			"on a route where Caddy sets headers from the client certificate. Upstreams built from " +
			"placeholders are not judged.",
		WhyBad: "The hop carries the identity Caddy vouches for in clear text: anyone who can observe or " +
			"intercept traffic between Caddy and the application reads the client's DN and can alter it, " +
			"and the application cannot tell Caddy's request from one sent straight to its port.",
		Example: `
-- Caddyfile --
api.example.com {
	tls /etc/caddy/site.pem /etc/caddy/site.key {
		client_auth {
			mode require_and_verify
			trusted_ca_cert_file /etc/caddy/clients-ca.pem
		}
	}
	reverse_proxy 10.0.2.15:8000 {
		header_up X-SSL-Client-DN {tls_client_subject}
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
	reverse_proxy https://10.0.2.15:8443 {
		header_up X-SSL-Client-DN {tls_client_subject}
		transport http {
			tls_trusted_ca_certs /etc/caddy/app-ca.pem
		}
	}
}
`,
	}))
}
