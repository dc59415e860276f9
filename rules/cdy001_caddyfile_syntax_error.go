package rules

import (
	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/caddymodel"
)

func init() {
	register(&analyzer.Rule{
		ID:        "CDY001",
		Name:      "caddyfile-syntax-error",
		Title:     "Caddyfile could not be parsed",
		Severity:  analyzer.Error,
		Precision: analyzer.VeryHigh,
		Tags:      []string{"parse-error"},
		WhatItDoes: "Reports what djleak cannot read in a Caddyfile: an unterminated quote, a block that is " +
			"never closed, a stray `}`, a directive outside any site block. The sites that can be " +
			"recovered are still analysed.",
		WhyBad: "Caddy refuses to load such a file (`caddy validate` fails), and djleak cannot tell which " +
			"headers the broken part removes or sets before requests reach the application.",
		Example: `
-- Caddyfile --
api.example.com {
	reverse_proxy 127.0.0.1:8000 {
		header_up X-SSL-Client-DN {tls_client_subject}
}
`,
		UseInstead: `
-- Caddyfile --
api.example.com {
	reverse_proxy 127.0.0.1:8000 {
		header_up X-SSL-Client-DN {tls_client_subject}
	}
}
`,
		Run: func(ctx *analyzer.Context) {
			for _, f := range caddymodel.Files(ctx.Project) {
				for _, e := range f.Parsed.Errors {
					ctx.Report(analyzer.Finding{Location: f.Src.Span(e.Offset, e.Offset), Message: "Caddyfile error: " + e.Msg + ".", Key: e.Msg})
				}
			}
		},
	})
}
