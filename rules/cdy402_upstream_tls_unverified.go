package rules

import (
	"github.com/djleak/djleak/analyzer/frontend"
)

func init() {
	register(unverifiedTransport.For(frontend.FrontDoc{
		Kind:  frontend.Caddy,
		ID:    "CDY402",
		Name:  "caddy-upstream-tls-unverified",
		Title: "Caddy sends client-certificate identity over TLS to an upstream whose certificate it does not verify",
		WhatItDoes: "Reports a `reverse_proxy` with `transport http { tls_insecure_skip_verify }` to an " +
			"upstream that is not on the same host, on a route where Caddy sets headers from the client " +
			"certificate.",
		WhyBad: "`tls_insecure_skip_verify` makes Caddy complete the handshake with any server that answers on " +
			"the address. Someone who can redirect the connection terminates TLS themselves, reads the " +
			"identity headers and forwards altered requests: the traffic is encrypted but not " +
			"authenticated.",
		Example: `
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
			tls_insecure_skip_verify
		}
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
