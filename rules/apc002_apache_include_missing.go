package rules

import (
	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/apachemodel"
)

func init() {
	register(&analyzer.Rule{
		ID:        "APC002",
		Name:      "apache-include-not-found",
		Title:     "httpd `Include` names a file that is not in the project",
		Severity:  analyzer.Warning,
		Precision: analyzer.High,
		Tags:      []string{"parse-error"},
		WhatItDoes: "Reports an `Include` whose file or glob matches nothing in the project, one that names a " +
			"path outside it, and includes that reach themselves. Relative paths are relative to the " +
			"ServerRoot, as httpd reads them: the directory of `apache2.conf` / `httpd.conf` (the one above " +
			"`conf/` for `conf/httpd.conf`), and for a file no other file includes, the directory above its " +
			"`sites-*`, `conf-*`, `mods-*` or `conf.d` directory. Absolute paths under the ServerRoot, " +
			"`/etc/apache2`, `/etc/httpd` or `/usr/local/apache2` map onto that directory. `IncludeOptional` " +
			"with no match is not reported: httpd skips it too.",
		WhyBad: "httpd refuses to start when an `Include` matches nothing (a glob included), and djleak " +
			"cannot see the directives of a file outside the project: headers it sets or unsets, " +
			"verification it turns on. Findings may then be missing or wrong. An include cycle makes " +
			"httpd fail after 128 levels.",
		Example: `
-- apache2/apache2.conf --
Include ports.conf
IncludeOptional sites-enabled/*.conf
-- apache2/sites-enabled/api.conf --
<VirtualHost *:443>
    SSLEngine on
    Include snippets/mtls.conf
    ProxyPass / http://127.0.0.1:8000/
</VirtualHost>
`,
		UseInstead: `
-- apache2/apache2.conf --
IncludeOptional sites-enabled/*.conf
-- apache2/sites-enabled/api.conf --
<VirtualHost *:443>
    SSLEngine on
    Include snippets/mtls.conf
    ProxyPass / http://127.0.0.1:8000/
</VirtualHost>
-- apache2/snippets/mtls.conf --
SSLCACertificateFile /etc/ssl/certs/clients-ca.pem
SSLVerifyClient require
RequestHeader set X-SSL-Client-DN "%{SSL_CLIENT_S_DN}s"
`,
		Requires: []analyzer.Requirement{apachemodel.Configs},
		Run: func(ctx *analyzer.Context) {
			var ps []apachemodel.IncludeProblem
			for _, c := range analyzer.Fact(ctx.Project, apachemodel.Configs) {
				ps = append(ps, c.Includes...)
			}
			reportOnce(ctx, ps, func(p apachemodel.IncludeProblem) analyzer.Finding {
				return analyzer.Finding{Location: p.File.At(p.D), Message: "httpd " + p.Msg + ".", Key: p.Msg}
			})
		},
	})
}

// reportOnce reports each of problems once: a file that two main
// configurations include is expanded, and its problems found, in both.
func reportOnce[P comparable](ctx *analyzer.Context, problems []P, finding func(P) analyzer.Finding) {
	seen := map[P]bool{}
	for _, p := range problems {
		if !seen[p] {
			seen[p] = true
			ctx.Report(finding(p))
		}
	}
}
