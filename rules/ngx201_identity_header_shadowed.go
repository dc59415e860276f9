package rules

import "github.com/djleak/djleak/analyzer/frontend"

func init() {
	register(identityShadowed.For(frontend.FrontDoc{
		Kind: frontend.Nginx,
		ID:   "NGX201",
		WhatItDoes: "Finds client-identity headers and params (`proxy_set_header X-Client-DN $ssl_client_s_dn`, " +
			"`uwsgi_param SSL_CLIENT_VERIFY …`) set at the `http` or `server` level that do not reach a " +
			"location passing requests to the application, because that location (or an `if` block) " +
			"defines `proxy_set_header` / `*_param` directives of its own. nginx inherits these array " +
			"directives only into levels that define none; an `include proxy_params;` counts as defining " +
			"them. When the Django code reads the header, the read is shown as a related location and " +
			"the finding carries the code flow from the client to that read.",
		WhyBad: "For requests to that location nginx neither sets nor clears the header, so the value the " +
			"client sent passes through. Any client — with any valid certificate, or with none when " +
			"verification is optional — sends `X-Client-DN: CN=admin` and the application believes it.",
		Example: `
-- nginx/api.conf --
server {
    listen 443 ssl;
    ssl_verify_client on;
    ssl_client_certificate /etc/ssl/certs/ca.pem;
    proxy_set_header X-Client-DN $ssl_client_s_dn;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header Host $host;
    }
}
`,
		UseInstead: `
-- nginx/api.conf --
server {
    listen 443 ssl;
    ssl_verify_client on;
    ssl_client_certificate /etc/ssl/certs/ca.pem;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header Host $host;
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
}
`,
		Notes: "Repeat the identity headers in every level that sets headers, or move all " +
			"`proxy_set_header` lines into one snippet and `include` it in each location.",
	}))
}
