package rules

import "github.com/djleak/djleak/analyzer"

func init() {
	register(&analyzer.Rule{
		ID:        "NGX002",
		Name:      "nginx-include-not-found",
		Title:     "nginx `include` names a file that is not in the project",
		Severity:  analyzer.Warning,
		Precision: analyzer.High,
		Tags:      []string{"parse-error"},
		WhatItDoes: "Reports an `include` whose file cannot be found relative to the configuration's " +
			"directory, its parent, or the configured `nginx-roots`. Debian's stock `proxy_params`, " +
			"`uwsgi_params`, `fastcgi_params`, `fastcgi.conf`, `scgi_params` and `mime.types` are known to djleak and " +
			"need not be in the project.",
		WhyBad: "Directives in a missing include are invisible to djleak: headers it sets, verification " +
			"it turns on, or logs it writes are not checked, so findings may be missing or wrong.",
		Example: `
-- nginx/site.conf --
server {
    listen 443 ssl;
    include snippets/mtls.conf;
}
`,
		UseInstead: `
-- nginx/site.conf --
server {
    listen 443 ssl;
    include snippets/mtls.conf;
}
-- nginx/snippets/mtls.conf --
ssl_verify_client on;
ssl_client_certificate /etc/ssl/certs/ca.pem;
`,
		Run: func(ctx *analyzer.Context) {
			for _, e := range ctx.Project.Nginx.Errors {
				if e.Kind == "include" {
					ctx.Report(analyzer.Finding{Location: e.Loc, Message: e.Message, Key: e.Message})
				}
			}
		},
	})
}
