package rules

import (
	"fmt"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/appserver"
	"github.com/djleak/djleak/analyzer/frontend"
)

func init() {
	register(&analyzer.Rule{
		ID:        "WSG401",
		Name:      "app-server-exposed",
		Title:     "App server listens on every interface while a front end vouches for client identity",
		Severity:  analyzer.Error,
		CWE:       []int{290, 348},
		Precision: analyzer.Medium,
		WhatItDoes: "Reports a gunicorn, uvicorn or daphne bind address on every interface (`0.0.0.0`, `[::]`, " +
			"`:8000`) in a project where a front end (nginx, Apache httpd, HAProxy, Caddy) sets identity " +
			"headers from client certificates before passing requests to the application.",
		WhyBad: "The identity headers are only as trustworthy as the path to the app server. When its port is " +
			"reachable from the network, a client skips the front end, connects to the app server " +
			"directly and sends `X-SSL-Client-DN: CN=admin` itself: every identity header is forgeable.",
		Example: `
-- gunicorn.conf.py --
bind = "0.0.0.0:8000"
-- haproxy/haproxy.cfg --
defaults
    mode http
frontend fe
    bind :443 ssl crt /etc/haproxy/site.pem ca-file /etc/haproxy/clients-ca.pem verify required
    http-request set-header X-SSL-Client-DN %{+Q}[ssl_c_s_dn]
    default_backend app
backend app
    server app1 127.0.0.1:8000
`,
		UseInstead: `
-- gunicorn.conf.py --
bind = "127.0.0.1:8000"
-- haproxy/haproxy.cfg --
defaults
    mode http
frontend fe
    bind :443 ssl crt /etc/haproxy/site.pem ca-file /etc/haproxy/clients-ca.pem verify required
    http-request set-header X-SSL-Client-DN %{+Q}[ssl_c_s_dn]
    default_backend app
backend app
    server app1 127.0.0.1:8000
`,
		Notes: "Bind to 127.0.0.1 or a unix socket the front end proxies to. In a container, where the app " +
			"server must listen on 0.0.0.0, publish only the front end's port and keep the app server's " +
			"on an internal network.",
		Requires: []analyzer.Requirement{appserver.Pass, frontend.Pass},
		Run: func(ctx *analyzer.Context) {
			set := certRoute(analyzer.Fact(ctx.Project, frontend.Pass))
			if set == nil {
				return
			}
			for _, s := range analyzer.Fact(ctx.Project, appserver.Pass) {
				for _, b := range s.Binds {
					if !appserver.Public(b.Value) {
						continue
					}
					n := set.name
					ctx.Report(analyzer.Finding{
						Location: b.At,
						Message: fmt.Sprintf("%s listens on every interface (`%s`), so a client can bypass %s and send the identity header %s that %s sets from the client certificate.",
							s.Kind, b.Value, set.route.Front.Title(), headerOf(n), set.route.Front.Title()),
						Related: []analyzer.Related{{Location: n.At, Message: headerOf(n) + " is set from the client certificate here"}},
						Key:     s.Kind + " " + b.Value,
					})
				}
			}
		},
	})
}

// certRoute is the first route of the model that fills an identity header
// from a client certificate, with that header; nil when none does.
func certRoute(m *frontend.Model) *certSetting {
	for _, r := range m.Routes {
		for _, k := range r.Keys() {
			if n := r.Lookup(k); fromCert(n.Source) && strings.HasPrefix(k, "HTTP_") && !n.At.IsZero() {
				return &certSetting{route: r, name: n}
			}
		}
	}
	return nil
}
