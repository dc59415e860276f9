package rules

import (
	"github.com/djleak/djleak/analyzer/frontend"
)

func init() {
	register(unverifiedTransport.For(frontend.FrontDoc{
		Kind:  frontend.Apache,
		ID:    "APC402",
		Name:  "apache-upstream-tls-unverified",
		Title: "Apache sends client-certificate identity over TLS to a backend whose certificate it does not verify",
		WhatItDoes: "Reports a `ProxyPass` to an `https://` backend that is not on the same host when " +
			"`SSLProxyVerify require` is not in effect (the default is `none`), on a route where httpd " +
			"sets headers from the client certificate.",
		WhyBad: "Without `SSLProxyVerify require` httpd completes the TLS handshake with any server that " +
			"answers on the address. Someone who can redirect the connection terminates TLS themselves, " +
			"reads the identity headers and forwards altered requests.",
		Example: `
-- apache2/sites-available/api.conf --
<VirtualHost *:443>
    SSLEngine on
    SSLCACertificateFile /etc/ssl/certs/clients-ca.pem
    SSLVerifyClient require
    SSLProxyEngine on
    RequestHeader set X-SSL-Client-DN "%{SSL_CLIENT_S_DN}s"
    ProxyPass / https://10.0.2.15:8443/
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
