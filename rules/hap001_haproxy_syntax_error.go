package rules

import (
	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/haproxymodel"
)

func init() {
	register(&analyzer.Rule{
		ID:        "HAP001",
		Name:      "haproxy-syntax-error",
		Title:     "HAProxy configuration could not be parsed",
		Severity:  analyzer.Error,
		Precision: analyzer.VeryHigh,
		Tags:      []string{"parse-error"},
		WhatItDoes: "Reports lines of an HAProxy configuration that djleak cannot read: an unterminated " +
			"quote, a keyword outside any section, an unbalanced `.if` / `.endif`, an unknown `.` " +
			"directive. The rest of the file is still analysed.",
		WhyBad: "HAProxy refuses to start with such a file (`haproxy -c` fails), and djleak cannot tell " +
			"what the broken line does to the headers the application receives.",
		Example: `
-- haproxy/haproxy.cfg --
frontend fe
    bind :443 ssl crt /etc/haproxy/site.pem ca-file /etc/haproxy/ca.pem verify required
    http-request set-header X-SSL-Client-DN "%{+Q}[ssl_c_s_dn]
    default_backend app
backend app
    server app1 127.0.0.1:8000
`,
		UseInstead: `
-- haproxy/haproxy.cfg --
frontend fe
    bind :443 ssl crt /etc/haproxy/site.pem ca-file /etc/haproxy/ca.pem verify required
    http-request set-header X-SSL-Client-DN "%{+Q}[ssl_c_s_dn]"
    default_backend app
backend app
    server app1 127.0.0.1:8000
`,
		Run: func(ctx *analyzer.Context) {
			for _, f := range haproxymodel.Files(ctx.Project) {
				for _, e := range f.Parsed.Errors {
					ctx.Report(analyzer.Finding{Location: f.Src.Span(e.Offset, e.Offset), Message: "HAProxy configuration error: " + e.Msg + ".", Key: e.Msg})
				}
			}
		},
	})
}
