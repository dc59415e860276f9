package rules

import (
	"github.com/djleak/djleak/analyzer/frontend"
)

func init() {
	register(identityNotSet.For(frontend.FrontDoc{
		Kind:  frontend.Caddy,
		ID:    "CDY202",
		Name:  "caddy-identity-header-not-set",
		Title: "Caddy route passes a client's own identity header to the application",
		WhatItDoes: "For every `reverse_proxy` of every Caddy site (through the `handle`, `handle_path` and " +
			"`route` blocks that lead to it), reports identity headers that a client can send itself " +
			"and that reach the application: headers Caddy fills from the client certificate on another " +
			"route to the same upstream, headers the Django code reads, and identity-named headers that " +
			"the route only adds to (`header_up +X-SSL-Client-DN …`) or removes under a matcher. The " +
			"finding is placed on the operation to change or, when nothing mentions the header, on the " +
			"`reverse_proxy`.",
		WhyBad: "Caddy passes every request header it is not told to remove. A `handle /health` block whose " +
			"`reverse_proxy` has no `header_up -X-SSL-Client-DN`, or a plain-HTTP site in front of the same " +
			"application, delivers a client's own `X-SSL-Client-DN: CN=admin` to code that trusts it " +
			"because the main route fills it from a verified certificate. This behaviour was confirmed " +
			"against a running Caddy.",
		Example: `
-- Caddyfile --
api.example.com {
	tls /etc/caddy/site.pem /etc/caddy/site.key {
		client_auth {
			mode require_and_verify
			trusted_ca_cert_file /etc/caddy/clients-ca.pem
		}
	}
	handle /health {
		reverse_proxy 127.0.0.1:8000
	}
	handle {
		reverse_proxy 127.0.0.1:8000 {
			header_up X-SSL-Client-DN {tls_client_subject}
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
	request_header -X-SSL-Client-DN
	handle /health {
		reverse_proxy 127.0.0.1:8000
	}
	handle {
		reverse_proxy 127.0.0.1:8000 {
			header_up X-SSL-Client-DN {tls_client_subject}
		}
	}
}
`,
		Notes: "A site-level `request_header -X-SSL-Client-DN` removes the client's header before every " +
			"handler of the site, and `header_up` then sets it from the certificate where it is meant " +
			"to be set.",
	}))
}
