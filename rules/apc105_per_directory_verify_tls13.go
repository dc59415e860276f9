package rules

import (
	"fmt"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/apachemodel"
	"github.com/djleak/djleak/parsers/apache"
)

func init() {
	register(&analyzer.Rule{
		ID:        "APC105",
		Name:      "apache-per-directory-verify-tls13",
		Title:     "Per-directory `SSLVerifyClient` needs renegotiation, which TLS 1.3 clients refuse",
		Severity:  analyzer.Warning,
		CWE:       []int{295},
		Precision: analyzer.High,
		WhatItDoes: "Reports `SSLVerifyClient` inside `<Location>`, `<LocationMatch>`, `<Directory>` or `<If>` " +
			"of a TLS virtual host whose `SSLProtocol` allows TLS 1.3 (httpd 2.4's default does).",
		WhyBad: "A per-directory `SSLVerifyClient` makes httpd ask for the certificate after the handshake. " +
			"Under TLS 1.3 that needs post-handshake authentication, which most clients (browsers, Go, " +
			"many HTTP libraries) do not offer: the request fails with 403, so the protected path is " +
			"unusable — and the usual workaround, dropping the directive or making it `optional`, " +
			"quietly removes the protection.",
		Example: `
-- apache2/sites-available/api.conf --
<VirtualHost *:443>
    SSLEngine on
    SSLCACertificateFile /etc/ssl/certs/clients-ca.pem
    <Location /admin>
        SSLVerifyClient require
    </Location>
    ProxyPass / http://127.0.0.1:8000/
</VirtualHost>
`,
		UseInstead: `
-- apache2/sites-available/api.conf --
<VirtualHost *:443>
    SSLEngine on
    SSLCACertificateFile /etc/ssl/certs/clients-ca.pem
    SSLVerifyClient require
    ProxyPass / http://127.0.0.1:8000/
</VirtualHost>
`,
		Notes: "Ask for the certificate for the whole virtual host (a separate host name for the paths that " +
			"need it). Limiting the virtual host to TLS 1.2 (`SSLProtocol -all +TLSv1.2`) makes httpd " +
			"renegotiate instead, which works only for clients that accept renegotiation (Go's HTTP " +
			"client, for one, refuses it by default).",
		Requires: []analyzer.Requirement{apachemodel.Configs},
		Run: func(ctx *analyzer.Context) {
			for _, c := range analyzer.Fact(ctx.Project, apachemodel.Configs) {
				for _, v := range c.VHosts {
					if !v.TLS || v.Section == nil || !allowsTLS13(c.Directives, v.Section.Body) {
						continue
					}
					var walk func(body []*apache.Directive)
					walk = func(body []*apache.Directive) {
						for _, d := range body {
							if !d.Section {
								continue
							}
							for _, x := range d.Body {
								if x.Is("SSLVerifyClient") && !strings.EqualFold(x.Arg(0), "none") {
									ctx.Report(analyzer.Finding{
										Location: c.At(x),
										Message: fmt.Sprintf("`SSLVerifyClient %s` inside `<%s %s>` needs TLS renegotiation, which TLS 1.3 clients refuse, and %s allows TLS 1.3: requests to that path fail with 403.",
											x.Arg(0), d.Name, d.Arg(0), v.Label()),
										Related: []analyzer.Related{{Location: c.At(v.Section), Message: "TLS 1.3 is allowed on this virtual host"}},
										Key:     v.Label() + " " + d.Arg(0),
									})
								}
							}
							walk(d.Body)
						}
					}
					walk(v.Section.Body)
				}
			}
		},
	})
}

// allowsTLS13 reports whether the last SSLProtocol in effect (server, then
// virtual host) allows TLS 1.3; httpd 2.4 allows it by default.
func allowsTLS13(levels ...[]*apache.Directive) bool {
	allow := true
	for _, body := range levels {
		for _, d := range body {
			if !d.Is("SSLProtocol") {
				continue
			}
			allow = false
			for _, p := range d.Texts() {
				switch strings.ToLower(p) {
				case "all", "+all", "tlsv1.3", "+tlsv1.3":
					allow = true
				case "-tlsv1.3", "-all":
					allow = false
				}
			}
		}
	}
	return allow
}
