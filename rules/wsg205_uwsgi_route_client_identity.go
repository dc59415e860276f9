package rules

import (
	"fmt"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/appserver"
	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/analyzer/identity"
)

func init() {
	register(&analyzer.Rule{
		ID:        "WSG205",
		Name:      "uwsgi-route-client-identity",
		Title:     "uwsgi route copies a value the client chooses into an identity key",
		Severity:  analyzer.Error,
		CWE:       []int{290, 348},
		Precision: analyzer.High,
		WhatItDoes: "Reads uwsgi's internal request routing (`route`, `route-if`, `route-if-not`, `route-host`, " +
			"`route-uri`, `route-qs`, `route-run` …, in every file the configuration loads) and reports a route " +
			"whose action writes an identity key — `setuser` (REMOTE_USER), `setremoteaddr` (REMOTE_ADDR), or " +
			"`addvar` of REMOTE_USER, REMOTE_ADDR, an `SSL_*` key, or a key the Django code reads as identity — " +
			"from something the client chooses: a request header `${HTTP_…}` (unless every front-end route " +
			"sets that header from a verified certificate), the path, the query string, a cookie, or a group " +
			"of a regexp matched against one of those.",
		WhyBad: "The routes run in the worker before the application, for every listener: what they write " +
			"is what the application reads. `route-run = setuser:${HTTP_X_REMOTE_USER}` gives Django's " +
			"RemoteUserMiddleware the user the request names; `addvar:SSL_CLIENT_S_DN=${HTTP_X_DN}` makes a " +
			"header look like a verified certificate's subject. The oracle battery shows it against the real " +
			"uwsgi 2.0: each route's value reaches the application's environ, replacing the client's own " +
			"header of that name.",
		Example: `
-- uwsgi.ini --
[uwsgi]
module = mysite.wsgi:application
http-socket = 127.0.0.1:8000
route-run = setuser:${HTTP_X_REMOTE_USER}
`,
		UseInstead: `
-- uwsgi.ini --
[uwsgi]
module = mysite.wsgi:application
http-socket = 127.0.0.1:8000
route-run = addvar:HTTP_X_REMOTE_USER=
`,
		Notes: "Let the front end that verifies the client certificate set the identity (nginx's " +
			"`uwsgi_param REMOTE_USER $ssl_client_s_dn` behind `ssl_verify_client on`), and drop the route; a " +
			"route may still clear a header the application must not trust (`addvar:HTTP_X_REMOTE_USER=`).",
		Requires: []analyzer.Requirement{appserver.Pass, identity.Pass, frontend.Pass},
		Run: func(ctx *analyzer.Context) {
			reads := map[string]bool{}
			for _, r := range analyzer.Fact(ctx.Project, identity.Pass).Reads {
				reads[r.Name] = true
			}
			for _, s := range analyzer.Fact(ctx.Project, appserver.Pass) {
				for _, r := range s.Routes {
					key, from := r.RouteWrites()
					if key == "" || !uwsgiIdentityKey(key, reads) {
						continue
					}
					var chosen []string
					for _, ref := range from {
						name := strings.TrimSuffix(strings.TrimPrefix(ref, "${"), "}")
						if r.ClientChosen(ref) && !(strings.HasPrefix(name, "HTTP_") && frontProves(ctx.Project, name) == frontSafe) {
							chosen = append(chosen, "`"+ref+"`")
						}
					}
					if len(chosen) == 0 {
						continue
					}
					action := r.Action + ":" + r.Arg
					ctx.Report(analyzer.Finding{
						Location: r.At,
						Message: fmt.Sprintf("uwsgi route `%s` sets %s from %s, which the client chooses: any request names its own %s.",
							action, key, joinWords(chosen, "and", ""), key),
						Key: "uwsgi route " + key + " " + action,
					})
				}
			}
		},
	})
}

// uwsgiIdentityKey reports whether an environ key carries identity: the
// authenticated user, the client address, a TLS key, or a key the
// application reads as identity.
func uwsgiIdentityKey(key string, reads map[string]bool) bool {
	return key == "REMOTE_USER" || key == "REMOTE_ADDR" || strings.HasPrefix(key, "SSL_") || reads[key]
}
