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
		ID:        "WSG204",
		Name:      "underscore-identity-header-joined",
		Title:     "App server joins a client's underscored header to the identity header the front end sets",
		Severity:  analyzer.Error,
		CWE:       []int{290, 348},
		Precision: analyzer.Medium,
		WhatItDoes: "Reports a header that a front end sets from the client certificate, on a route that " +
			"forwards header names spelled with underscores (HAProxy, Caddy, Apache httpd's mod_proxy), " +
			"when the project runs an app server that folds such names into the same key: gunicorn before " +
			"22.0 (or with `header_map = \"dangerous\"`), uwsgi, and uvicorn (whose Django ASGI request " +
			"joins them). gunicorn's version comes from the project's requirements files, pyproject.toml, " +
			"Pipfile or Dockerfile pip lines; without a pin it is judged as before 22.0 and the message says so.",
		WhyBad: "These servers map `X_SSL_Client_DN` to the same `HTTP_X_SSL_CLIENT_DN` key as " +
			"`X-SSL-Client-DN` and join the two values with a comma. The front end replaces the dashed " +
			"header but passes the client's underscored one, so the application reads " +
			"`CN=alice,CN=admin`: a DN the client extended, which code that takes the last CN reads as " +
			"the client's choice. The oracle battery shows it against the real gunicorn 20.1, uwsgi 2.0 and " +
			"uvicorn 0.17 with Django 3.2; daphne drops such names, and gunicorn 22.0 drops them by default " +
			"(`header_map = \"drop\"`) or refuses the request (`\"refuse\"`).",
		Example: `
-- Procfile --
web: gunicorn mysite.wsgi --bind 127.0.0.1:8000
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
-- Procfile --
web: gunicorn mysite.wsgi --bind 127.0.0.1:8000
-- haproxy/haproxy.cfg --
defaults
    mode http
frontend fe
    bind :443 ssl crt /etc/haproxy/site.pem ca-file /etc/haproxy/clients-ca.pem verify required
    http-request del-header X_SSL_Client_DN
    http-request set-header X-SSL-Client-DN %{+Q}[ssl_c_s_dn]
    default_backend app
backend app
    server app1 127.0.0.1:8000
`,
		Notes: "Remove the underscored spelling at the front end (HAProxy `http-request del-header " +
			"X_SSL_Client_DN`, Caddy `request_header -X_SSL_Client_DN`, Apache `RequestHeader unset " +
			"X_SSL_Client_DN early`), or run gunicorn 22.0 or later, which drops such headers.",
		Requires: []analyzer.Requirement{appserver.Pass, frontend.Pass},
		Run: func(ctx *analyzer.Context) {
			var joins *appserver.Server
			for _, s := range analyzer.Fact(ctx.Project, appserver.Pass) {
				if u, _ := s.Underscores(); u == appserver.Joined {
					joins = s
					break
				}
			}
			if joins == nil {
				return
			}
			m := analyzer.Fact(ctx.Project, frontend.Pass)
			seen := map[string]bool{}
			for _, r := range m.Routes {
				if !r.PassesUnderscores || !r.Pass.HeaderBased() {
					continue
				}
				for _, k := range r.Keys() {
					n := r.Lookup(k)
					if !fromCert(n.Source) || !strings.HasPrefix(k, "HTTP_") || n.At.IsZero() {
						continue
					}
					under := strings.ReplaceAll(headerOf(n), "-", "_")
					if r.Lookup(k).Written != "" || seen[r.Label+k] || deletesSpelling(r, under) {
						continue
					}
					seen[r.Label+k] = true
					ctx.Report(analyzer.Finding{
						Location: n.At,
						Message: fmt.Sprintf("%s sets %s from the client certificate but passes a client's own %s, which %s joins to it in %s.",
							r.Front.Title(), headerOf(n), under, joiner(joins), k),
						Related: []analyzer.Related{{Location: joins.At, Message: joins.Kind + " runs the application here"}},
						Key:     r.Label + " " + k,
					})
				}
			}
		},
	})
}

// deletesSpelling reports whether the route's own directives handle the
// underscored spelling.
func deletesSpelling(r *frontend.Route, spelling string) bool {
	for _, sp := range r.Spellings {
		if strings.EqualFold(sp, spelling) {
			return true
		}
	}
	return false
}

// joiner names the server that joins the two spellings, and why, for
// messages.
func joiner(s *appserver.Server) string {
	switch s.Kind {
	case appserver.Uvicorn:
		return "uvicorn passes and Django's ASGI request"
	case appserver.Gunicorn:
		if s.HeaderMap != nil && s.HeaderMap.Value == "dangerous" {
			return "gunicorn with `header_map = \"dangerous\"`"
		}
		if _, unknown := s.Underscores(); unknown {
			return "gunicorn before 22.0 (version unknown: the project pins none)"
		}
		if s.Version.Op == "==" {
			return "gunicorn " + s.Version.Number
		}
		return "gunicorn " + s.Version.String()
	}
	return s.Kind
}
