package rules

import "github.com/djleak/djleak/analyzer"

func init() {
	register(&analyzer.Rule{
		ID:        "NGX001",
		Name:      "nginx-syntax-error",
		Title:     "nginx configuration could not be parsed",
		Severity:  analyzer.Error,
		Precision: analyzer.VeryHigh,
		Tags:      []string{"parse-error"},
		WhatItDoes: "Reports nginx configuration files that do not parse (an unbalanced brace, a missing " +
			"`;`, an unterminated quote).",
		WhyBad: "nginx refuses to start with such a file, and djleak cannot check the headers, " +
			"verification and logging it configures: every server in it goes unchecked until the " +
			"syntax is fixed.",
		Example: `
-- nginx/site.conf --
server {
    listen 443 ssl;
    location / {
        proxy_pass http://127.0.0.1:8000;
    }
`,
		UseInstead: `
-- nginx/site.conf --
server {
    listen 443 ssl;
    location / {
        proxy_pass http://127.0.0.1:8000;
    }
}
`,
		Run: func(ctx *analyzer.Context) {
			for _, e := range ctx.Project.Nginx.Errors {
				if e.Kind == "syntax" {
					ctx.Report(analyzer.Finding{Location: e.Loc, Message: e.Message, Key: e.Message})
				}
			}
		},
	})
}
