package rules

import (
	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/caddymodel"
)

func init() {
	register(&analyzer.Rule{
		ID:        "CDY002",
		Name:      "caddy-import-not-found",
		Title:     "Caddy `import` names neither a snippet nor a file in the project",
		Severity:  analyzer.Warning,
		Precision: analyzer.High,
		Tags:      []string{"parse-error"},
		WhatItDoes: "Reports an `import` that names no snippet and no file of the project, one that names a " +
			"path outside it, and imports that reach themselves. As in Caddy, a relative path is relative to " +
			"the directory of the file that holds the `import`; an absolute path under `/etc/caddy` maps " +
			"onto the main Caddyfile's directory. A glob that matches nothing is not reported: Caddy accepts " +
			"it too.",
		WhyBad: "Caddy refuses to start when an imported file is missing or imports form a cycle, and " +
			"djleak cannot see the directives of a file outside the project: headers it removes or sets, " +
			"client authentication it turns on. Findings may then be missing or wrong.",
		Example: `
-- Caddyfile --
import sites/*.caddy
-- sites/api.caddy --
api.example.com {
	import snippets/mtls.caddy
	reverse_proxy 127.0.0.1:8000
}
`,
		UseInstead: `
-- Caddyfile --
import sites/*.caddy
-- sites/api.caddy --
api.example.com {
	import snippets/mtls.caddy
	reverse_proxy 127.0.0.1:8000
}
-- sites/snippets/mtls.caddy --
tls /etc/caddy/server.crt /etc/caddy/server.key {
	client_auth {
		mode require_and_verify
		trusted_ca_cert_file /etc/caddy/ca.pem
	}
}
`,
		Requires: []analyzer.Requirement{caddymodel.Configs},
		Run: func(ctx *analyzer.Context) {
			var ps []caddymodel.ImportProblem
			for _, c := range analyzer.Fact(ctx.Project, caddymodel.Configs) {
				ps = append(ps, c.Imports...)
			}
			reportOnce(ctx, ps, func(p caddymodel.ImportProblem) analyzer.Finding {
				return analyzer.Finding{Location: p.File.At(p.D), Message: "Caddy " + p.Msg + ".", Key: p.Msg}
			})
		},
	})
}
