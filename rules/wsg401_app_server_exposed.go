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
		WhatItDoes: "Reports a gunicorn, uvicorn, daphne or uwsgi (`http`, `http-socket`) HTTP listener that the " +
			"network reaches, in a project where a front end (nginx, Apache httpd, HAProxy, Caddy) sets identity " +
			"headers from client certificates before passing requests to the application. A server started " +
			"by a Compose service (its `command:` or `entrypoint:`, or the CMD of the Dockerfile it builds " +
			"from) or by a Kubernetes container (`command:` and `args:`) must listen on 0.0.0.0 inside its " +
			"container: there the finding is the Compose `ports:` entry that publishes its port on every host " +
			"interface, or the port of a NodePort or LoadBalancer Service (or one with `externalIPs`) that " +
			"selects the pod; a container published nowhere, or only on 127.0.0.1, is not reported. " +
			"Elsewhere it is a bind address on every interface (`0.0.0.0`, `[::]`, `:8000`).",
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
				for _, b := range s.Exposed(s.Binds) {
					n := set.name
					related := []analyzer.Related{{Location: n.At, Message: headerOf(n) + " is set from the client certificate here"}}
					if s.Container != nil {
						related = append(related, analyzer.Related{Location: s.At, Message: s.Kind + " listens on " + b.Addr + " here"})
					}
					ctx.Report(analyzer.Finding{
						Location: b.At,
						Message: fmt.Sprintf("%s %s, so a client can bypass %s and send the identity header %s that %s sets from the client certificate.",
							s.Kind, b.Via, set.route.Front.Title(), headerOf(n), set.route.Front.Title()),
						Related: related,
						Key:     s.Kind + " " + b.Addr,
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
