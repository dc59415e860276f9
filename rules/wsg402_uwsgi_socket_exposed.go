package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/appserver"
	"github.com/djleak/djleak/analyzer/frontend"
)

func init() {
	register(&analyzer.Rule{
		ID:        "WSG402",
		Name:      "uwsgi-socket-exposed",
		Title:     "uwsgi-protocol socket reachable from the network",
		Severity:  analyzer.Error,
		CWE:       []int{290, 348},
		Precision: analyzer.High,
		WhatItDoes: "Reports a uwsgi `socket` / `uwsgi-socket` (in a uwsgi `.ini` or `.yaml` file or on a uwsgi " +
			"command line) on every interface (`0.0.0.0:3031`, `:3031`), or, for uwsgi in a container, " +
			"the Compose `ports:` entry or the NodePort / LoadBalancer Service port that publishes it.",
		WhyBad: "On a uwsgi-protocol socket the peer does not send headers: it sends the WSGI environ itself. " +
			"Whoever connects chooses every key the application reads — `REMOTE_ADDR`, `HTTPS`, " +
			"`REMOTE_USER` (which Django's RemoteUserMiddleware trusts), and the `SSL_CLIENT_VERIFY` / " +
			"`SSL_CLIENT_S_DN` keys a front end's `uwsgi_param` would set from a verified certificate. The " +
			"oracle battery speaks the protocol to a real uwsgi and reads back every key it sent.",
		Example: `
-- uwsgi.ini --
[uwsgi]
module = mysite.wsgi:application
socket = 0.0.0.0:3031
`,
		UseInstead: `
-- uwsgi.ini --
[uwsgi]
module = mysite.wsgi:application
socket = /run/mysite/uwsgi.sock
chmod-socket = 660
`,
		Notes: "Listen on a unix socket the front end can open (`socket = /run/app/uwsgi.sock`) or on " +
			"127.0.0.1; in a container, keep the port on an internal network and publish only the front end's.",
		Requires: []analyzer.Requirement{appserver.Pass, frontend.Pass},
		Run: func(ctx *analyzer.Context) {
			set := certRoute(analyzer.Fact(ctx.Project, frontend.Pass))
			for _, s := range analyzer.Fact(ctx.Project, appserver.Pass) {
				for _, b := range s.Exposed(s.Sockets) {
					var related []analyzer.Related
					if s.Container != nil {
						related = append(related, analyzer.Related{Location: s.At, Message: "uwsgi opens the socket here"})
					}
					if set != nil {
						related = append(related, analyzer.Related{Location: set.name.At, Message: headerOf(set.name) + " is set from the client certificate here"})
					}
					ctx.Report(analyzer.Finding{
						Location: b.At,
						Message: fmt.Sprintf("The uwsgi-protocol socket %s: whoever connects sends the environ itself and chooses every key the application reads, REMOTE_ADDR, HTTPS, REMOTE_USER and SSL_CLIENT_* included.",
							b.Via),
						Related: related,
						Key:     "uwsgi socket " + b.Addr,
					})
				}
			}
		},
	})
}
