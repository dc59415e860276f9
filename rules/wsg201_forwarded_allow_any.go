package rules

import (
	"fmt"

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
		WhatItDoes: "Reports `forwarded_allow_ips = \"*\"` in a gunicorn configuration module, " +
			"`--forwarded-allow-ips=*` on a gunicorn or uvicorn command line (Procfile, Dockerfile, systemd " +
			"unit, Compose `command:`), `FORWARDED_ALLOW_IPS=*` in the environment they start with (a " +
			"Dockerfile's `ENV`, a unit's `Environment=`, a Compose service's `environment:`, a prefix " +
			"of the command), and daphne's `--proxy-headers` on a daphne that listens beyond loopback.",
		WhyBad: "The app server then takes `X-Forwarded-Proto` (and, for uvicorn and daphne, `X-Forwarded-For`) " +
			"from every client that reaches its port, not only from the proxy: a client that connects to it " +
			"directly makes a plain-HTTP request look like HTTPS to Django (`request.is_secure()`, " +
			"secure-cookie and CSRF decisions) and chooses the address Django logs and rate-limits. " +
			"gunicorn and uvicorn trust only 127.0.0.1 by default; daphne has no list of trusted addresses, " +
			"so `--proxy-headers` trusts everyone who can connect. The oracle battery shows each of these " +
			"against the real servers.",
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
				f := s.TrustSetting()
				if f == nil {
					continue
				}
				msg := fmt.Sprintf("%s trusts X-Forwarded-* headers from any address (`%s`), so a client that reaches it directly can make a plain-HTTP request look like HTTPS to Django.",
					s.Kind, f.Value)
				if s.Kind == appserver.Daphne {
					if !daphneBeyondLoopback(s) {
						continue
					}
					msg = "daphne's `--proxy-headers` trusts X-Forwarded-For and X-Forwarded-Proto from every address, and this daphne listens beyond loopback: a client that reaches it directly chooses the address and the scheme Django sees."
				}
				ctx.Report(analyzer.Finding{Location: f.At, Message: msg, Key: s.Kind + " forwarded-allow-ips"})
			}
		},
	})
}

// daphneBeyondLoopback reports whether a daphne listens on an address
// other hosts reach (its default is 127.0.0.1:8000).
func daphneBeyondLoopback(s *appserver.Server) bool {
	for _, b := range s.Binds {
		if !appserver.Loopback(b.Value) {
			return true
		}
	}
	return false
}
