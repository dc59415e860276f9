package rules

import (
	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/apachemodel"
)

func init() {
	register(&analyzer.Rule{
		ID:        "APC001",
		Name:      "apache-syntax-error",
		Title:     "Apache httpd configuration could not be parsed",
		Severity:  analyzer.Error,
		Precision: analyzer.VeryHigh,
		Tags:      []string{"parse-error"},
		WhatItDoes: "Reports what djleak cannot read in an httpd configuration: a section that is never " +
			"closed, a closing tag that matches no open section, an unterminated quote. The rest of the " +
			"file is still analysed.",
		WhyBad: "httpd refuses to start with such a file (`apachectl -t` fails), and djleak cannot tell " +
			"which headers the broken part sets or removes.",
		Example: `
-- apache2/sites-available/api.conf --
<VirtualHost *:443>
    SSLEngine on
    SSLVerifyClient require
    <Location /api>
        RequestHeader set X-SSL-Client-DN "%{SSL_CLIENT_S_DN}s"
    </Directory>
</VirtualHost>
`,
		UseInstead: `
-- apache2/sites-available/api.conf --
<VirtualHost *:443>
    SSLEngine on
    SSLVerifyClient require
    <Location /api>
        RequestHeader set X-SSL-Client-DN "%{SSL_CLIENT_S_DN}s"
    </Location>
</VirtualHost>
`,
		Run: func(ctx *analyzer.Context) {
			for _, f := range apachemodel.Files(ctx.Project) {
				for _, e := range f.Parsed.Errors {
					ctx.Report(analyzer.Finding{Location: f.Src.Span(e.Offset, e.Offset), Message: "httpd configuration error: " + e.Msg + ".", Key: e.Msg})
				}
			}
		},
	})
}
