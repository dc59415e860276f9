package rules

import (
	"github.com/djleak/djleak/analyzer/frontend"
)

func init() {
	register(plainTransport.For(frontend.FrontDoc{
		Kind:  frontend.Apache,
		ID:    "APC401",
		Name:  "apache-identity-over-plaintext",
		Title: "Apache sends client-certificate identity to a remote backend without TLS",
		WhatItDoes: "Reports a `ProxyPass` to an `http://` backend that is not on the same host (not a unix " +
			"socket, `localhost`, `127.0.0.0/8` or `::1`), on a route where httpd sets headers from the " +
			"client certificate.",
		WhyBad: "The hop carries the identity httpd vouches for in clear text: anyone who can observe or " +
			"intercept traffic between httpd and the application reads the client's DN and can alter it, " +
			"and the application cannot tell httpd's request from one sent straight to its port.",
		Example: `
-- apache2/sites-available/api.conf --
<VirtualHost *:443>
    SSLEngine on
    SSLCACertificateFile /etc/ssl/certs/clients-ca.pem
    SSLVerifyClient require
    RequestHeader set X-SSL-Client-DN "%{SSL_CLIENT_S_DN}s"
    ProxyPass / http://10.0.2.15:8000/
</VirtualHost>
`,
		UseInstead: `
-- apache2/sites-available/api.conf --
<VirtualHost *:443>
    SSLEngine on
    SSLCACertificateFile /etc/ssl/certs/clients-ca.pem
    SSLVerifyClient require
    SSLProxyEngine on
    SSLProxyVerify require
    SSLProxyCACertificateFile /etc/ssl/certs/app-ca.pem
    RequestHeader set X-SSL-Client-DN "%{SSL_CLIENT_S_DN}s"
    ProxyPass / https://10.0.2.15:8443/
</VirtualHost>
`,
	}))
}
