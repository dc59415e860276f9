package rules

import (
	"fmt"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/appserver"
)

func init() {
	register(&analyzer.Rule{
		ID:        "WSG201",
		Name:      "app-server-forwarded-allow-any",
		Title:     "App server trusts X-Forwarded-* headers from any address",
		Severity:  analyzer.Warning,
		CWE:       []int{348},
		Precision: analyzer.High,
		WhatItDoes: "Reports `forwarded_allow_ips = \"*\"` in a gunicorn configuration module and " +
			"`--forwarded-allow-ips=*` on a gunicorn, uvicorn or daphne command line (Procfile, " +
			"Dockerfile, systemd unit).",
		WhyBad: "The app server then takes `X-Forwarded-Proto` (and, for uvicorn, `X-Forwarded-For`) from " +
			"every client that reaches its port, not only from the proxy: a client that connects to it " +
			"directly makes a plain-HTTP request look like HTTPS to Django (`request.is_secure()`, " +
			"secure-cookie and CSRF decisions) and chooses the address Django logs and rate-limits. " +
			"gunicorn's default trusts only 127.0.0.1, as a test against the real gunicorn shows.",
		Example: `
-- gunicorn.conf.py --
bind = "127.0.0.1:8000"
forwarded_allow_ips = "*"
`,
		UseInstead: `
-- gunicorn.conf.py --
bind = "127.0.0.1:8000"
forwarded_allow_ips = "127.0.0.1"
`,
		Notes: "List the front end's own addresses. Behind a load balancer in a private network, name its " +
			"subnet rather than `*`, and keep the app server's port closed to everything else.",
		Requires: []analyzer.Requirement{appserver.Pass},
		Run: func(ctx *analyzer.Context) {
			for _, s := range analyzer.Fact(ctx.Project, appserver.Pass) {
				f := s.ForwardedAllowIPs
				if f == nil || !strings.Contains(f.Value, "*") {
					continue
				}
				ctx.Report(analyzer.Finding{
					Location: f.At,
					Message: fmt.Sprintf("%s trusts X-Forwarded-* headers from any address (`%s`), so a client that reaches it directly can make a plain-HTTP request look like HTTPS to Django.",
						s.Kind, f.Value),
					Key: s.Kind + " forwarded-allow-ips",
				})
			}
		},
	})
}
