package rules

import (
	"github.com/djleak/djleak/analyzer/frontend"
)

func init() {
	register(identityNotSet.For(frontend.FrontDoc{
		Kind:  frontend.Apache,
		ID:    "APC202",
		Name:  "apache-identity-header-not-set",
		Title: "Apache route passes a client's own identity header to the application",
		WhatItDoes: "For every `ProxyPass`, `ProxyPassMatch`, `WSGIScriptAlias` and `WSGIScriptAliasMatch` of " +
			"every virtual host (and each `<Location>` or `<LocationMatch>` under them that adds directives), reports identity headers that a client can send itself " +
			"and that reach the application: headers httpd fills from the client certificate on another " +
			"route to the same backend, headers the Django code reads, and identity-named headers that " +
			"the route only appends to (`RequestHeader append|add|merge|setifempty|edit`), sets under an " +
			"`env=` / `expr=` condition djleak cannot decide, or sets under another spelling " +
			"(`X_SSL_Client_DN`). mod_headers merges the server's and the virtual host's directives, " +
			"then for a proxied request the `<Proxy>` / `<ProxyMatch>` sections of its backend URL, for a " +
			"WSGI script the `<Directory>` sections that hold it, the `.htaccess` files " +
			"`AllowOverride FileInfo` lets in, the `<DirectoryMatch>` and the `<Files>` / `<FilesMatch>` " +
			"sections, then every matching `<Location>` / `<LocationMatch>`, then `<If>` / `<ElseIf>` / " +
			"`<Else>` (nested ones under both conditions), with `early` directives first (inside a section " +
			"httpd never runs them); an inner section " +
			"adds to the outer one. `<IfModule>`, `<IfDefine>` and `<IfVersion>` are read as httpd reads " +
			"the file; one djleak cannot decide holds its `RequestHeader` directives under its condition. A header set only " +
			"inside `<If>` (or with `expr=`) is forgeable whenever the condition fails, as for a client " +
			"without a certificate under `<If \"%{SSL_CLIENT_VERIFY} == 'SUCCESS'\">`.",
		WhyBad: "httpd passes every request header it is not told to unset. A second `<VirtualHost>` on port " +
			"80 that proxies to the same application, or a `ProxyPass` in a virtual host that never " +
			"sets the header, delivers a client's own `X-SSL-Client-DN: CN=admin` to code that trusts it " +
			"because another route fills it from a verified certificate. Under mod_wsgi the header " +
			"arrives as `HTTP_X_SSL_CLIENT_DN`; only `SSL_CLIENT_*` environment keys are beyond the " +
			"client's reach. This behaviour was confirmed against a running httpd.",
		Example: `
-- apache2/sites-available/api.conf --
<VirtualHost *:443>
    SSLEngine on
    SSLCACertificateFile /etc/ssl/certs/clients-ca.pem
    SSLVerifyClient require
    RequestHeader set X-SSL-Client-DN "%{SSL_CLIENT_S_DN}s"
    ProxyPass / http://127.0.0.1:8000/
</VirtualHost>
<VirtualHost *:8080>
    ProxyPass / http://127.0.0.1:8000/
</VirtualHost>
`,
		UseInstead: `
-- apache2/sites-available/api.conf --
<VirtualHost *:443>
    SSLEngine on
    SSLCACertificateFile /etc/ssl/certs/clients-ca.pem
    SSLVerifyClient require
    RequestHeader set X-SSL-Client-DN "%{SSL_CLIENT_S_DN}s"
    ProxyPass / http://127.0.0.1:8000/
</VirtualHost>
<VirtualHost *:8080>
    RequestHeader unset X-SSL-Client-DN early
    ProxyPass / http://127.0.0.1:8000/
</VirtualHost>
`,
		Notes: "Put `RequestHeader unset X-SSL-Client-DN early` at the server level so that it applies to " +
			"every virtual host, and set the header from the certificate only where it is verified. Under " +
			"mod_wsgi, read `SSL_CLIENT_S_DN` from the environ (`SSLOptions +StdEnvVars`) instead of a " +
			"header: a client cannot set it.",
	}))
}
