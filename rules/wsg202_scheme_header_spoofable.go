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
		ID:        "WSG202",
		Name:      "app-server-scheme-header-spoofable",
		Title:     "App server takes the request scheme from a header the front end lets the client send",
		Severity:  analyzer.Warning,
		CWE:       []int{348},
		Precision: analyzer.High,
		WhatItDoes: "For every front-end route that passes requests to an app server over HTTP, checks the headers " +
			"that app server takes the scheme from, when it trusts the front end's address: gunicorn's " +
			"`secure_scheme_headers` (by default `X-Forwarded-Proto: https`, `X-Forwarded-Ssl: on` and " +
			"`X-Forwarded-Protocol: ssl`), `X-Forwarded-Proto` for uvicorn and daphne with proxy headers, and " +
			"`X-Forwarded-Proto` and `X-Forwarded-Ssl` for uwsgi, which trusts every peer (over HTTP, and as the " +
			"`HTTP_X_FORWARDED_PROTO` / `HTTP_X_FORWARDED_SSL` params nginx's `uwsgi_pass` sends for the " +
			"client's headers). Reports each such " +
			"header that the front end passes from the client instead of setting or clearing it, on a route " +
			"that takes plain HTTP without redirecting it to https:// (over TLS the claim is true), unless a " +
			"header the front end sets itself wins: gunicorn answers 400 when the client's header disagrees " +
			"with one the front end sets, and uwsgi takes X-Forwarded-Proto over X-Forwarded-Ssl. The route " +
			"is matched to the app server by the address it proxies to (loopback, a unix socket, a port).",
		WhyBad: "The client then decides whether Django sees the request as HTTPS: a plain-HTTP request with " +
			"`X-Forwarded-Ssl: on` is `request.is_secure()`, skips `SECURE_SSL_REDIRECT` and gets secure " +
			"cookies set over clear text. The typical case is gunicorn with its default three headers behind " +
			"a proxy that sets none of them on a plain-HTTP route. " +
			"The oracle battery shows the headers each server takes against the real gunicorn, uvicorn, " +
			"daphne and uwsgi.",
		Example: `
-- gunicorn.conf.py --
bind = "127.0.0.1:8000"
-- nginx/site.conf --
server {
    listen 80;
    listen 443 ssl;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header Host $host;
    }
}
`,
		UseInstead: `
-- gunicorn.conf.py --
bind = "127.0.0.1:8000"
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
-- nginx/site.conf --
server {
    listen 80;
    listen 443 ssl;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header X-Forwarded-Proto $scheme;
    }
}
`,
		Notes: "Name in gunicorn's `secure_scheme_headers` only the header the front end sets on every route " +
			"(`{\"X-FORWARDED-PROTO\": \"https\"}`), or set or clear the others at the front end " +
			"(`proxy_set_header X-Forwarded-Ssl \"\";`). For uvicorn, daphne and uwsgi, have the front end " +
			"set `X-Forwarded-Proto` itself.",
		Requires: []analyzer.Requirement{appserver.Pass, frontend.Pass},
		Run: func(ctx *analyzer.Context) {
			for _, hop := range appServerHops(ctx, true) {
				r, s := hop.route, hop.server
				if !r.AcceptsPlain() || r.RedirectsHTTPS != nil {
					continue
				}
				var set, forgeable []string
				var at frontend.Name
				for _, h := range s.SchemeHeaderList() {
					n := r.Lookup(frontend.HeaderKey(h[0]))
					switch {
					case n.Source == frontend.Forgeable || s.Kind == appserver.UWSGI && n.Forgeable():
						forgeable = append(forgeable, h[0])
						if at.At.IsZero() {
							at = n
						}
					case n.Source == frontend.ServerValue || fromCert(n.Source):
						set = append(set, h[0])
					}
				}
				var spoofable []string
				for _, h := range s.SchemeSpoofs(hop.peer, set, forgeable) {
					for _, p := range s.SchemeHeaderList() {
						if p[0] == h {
							spoofable = append(spoofable, fmt.Sprintf("`%s: %s`", frontend.HeaderName(frontend.HeaderKey(h)), p[1]))
						}
					}
				}
				if len(spoofable) == 0 {
					continue
				}
				loc, fix := r.At, "set or clear them at "+r.Front.Title()
				related := []analyzer.Related{{Location: s.At, Message: s.Kind + " runs the application here"}}
				if s.Kind == appserver.Gunicorn {
					loc = s.At
					if s.SchemeHeaders != nil {
						loc = s.SchemeHeaders.At
					}
					related = []analyzer.Related{{Location: r.At, Message: r.Front.Title() + " passes the client's own header on this route"}}
					fix = "narrow secure_scheme_headers to the header " + r.Front.Title() + " sets"
				}
				if !at.At.IsZero() && at.At != loc {
					related = append(related, analyzer.Related{Location: at.At, Message: "the header is decided here"})
				}
				ctx.Report(analyzer.Finding{
					Location: loc,
					Message: fmt.Sprintf("%s takes %s as HTTPS from %s, which passes a client's own header on %s: a client makes a plain-HTTP request look like HTTPS to Django (%s).",
						s.Kind, strings.Join(spoofable, ", "), r.Front.Title(), r.Label, fix),
					Related: related,
					Key:     s.Kind + " " + r.Label,
				})
			}
		},
	})
}

// appServerHop is a front-end route and an app server it passes to.
type appServerHop struct {
	route  *frontend.Route
	server *appserver.Server
	peer   string // the address the server sees the front end connect from
}

// appServerHops lists the hops from the front-end routes that pass the
// client's headers on (and are not answered by the front end) to the
// project's app servers: over HTTP, and over the uwsgi protocol when
// uwsgi is set.
func appServerHops(ctx *analyzer.Context, uwsgi bool) []appServerHop {
	servers := analyzer.Fact(ctx.Project, appserver.Pass)
	var routes []*frontend.Route
	for _, r := range analyzer.Fact(ctx.Project, frontend.Pass).Routes {
		if !(r.Pass.HeaderBased() || uwsgi && r.Pass == frontend.PassUWSGI) || !r.PassesClientHeaders || r.Answered != nil {
			continue
		}
		routes = append(routes, r)
	}
	// The servers each route reaches at their own address; a server some
	// route reaches so is located: a route to another port goes to
	// something else.
	reached := make([][]*appserver.Server, len(routes))
	located := map[*appserver.Server]bool{}
	for i, r := range routes {
		for _, s := range servers {
			if listensAt(r, s) {
				reached[i] = append(reached[i], s)
				located[s] = true
			}
		}
	}
	var out []appServerHop
	for i, r := range routes {
		to := reached[i]
		if len(to) == 0 {
			to = soleServer(r, servers, located)
		}
		for _, s := range to {
			out = append(out, appServerHop{r, s, proxyPeer(r)})
		}
	}
	return out
}

// proxyPeer is the address an app server sees the front end connect from
// on a route: 127.0.0.1 over loopback, "unix" over a unix socket, and an
// address no trust list names otherwise.
func proxyPeer(r *frontend.Route) string {
	for _, e := range r.Transport.Endpoints {
		if strings.HasPrefix(e, "unix:") {
			return "unix"
		}
	}
	if r.Transport.Known && r.Transport.Loopback {
		return "127.0.0.1"
	}
	return appserver.AnyPeer
}

// soleServer is where a route that reaches no app server at its address
// goes: the project's only app server that speaks the route's protocol
// (its address may come from the environment or a port mapping), unless
// another route reaches that server at its address (located).
func soleServer(r *frontend.Route, servers []*appserver.Server, located map[*appserver.Server]bool) []*appserver.Server {
	var speaking []*appserver.Server
	for _, s := range servers {
		if len(routeListeners(r, s)) > 0 {
			speaking = append(speaking, s)
		}
	}
	if len(speaking) == 1 && !located[speaking[0]] {
		return speaking
	}
	return nil
}

// routeListeners are the addresses of s that route r can reach: its HTTP
// listeners, or its uwsgi-protocol sockets for uwsgi_pass.
func routeListeners(r *frontend.Route, s *appserver.Server) []appserver.Setting {
	if r.Pass == frontend.PassUWSGI {
		return s.Sockets
	}
	return s.Listeners()
}

// listensAt reports whether route r proxies to one of s's addresses.
func listensAt(r *frontend.Route, s *appserver.Server) bool {
	for _, b := range routeListeners(r, s) {
		if endpointMatches(r.Transport.Endpoints, b.Value) {
			return true
		}
	}
	return false
}

// endpointMatches reports whether a route endpoint ("loopback:8000",
// "unix:/run/app.sock", "web:8000") reaches an app-server address.
func endpointMatches(endpoints []string, addr string) bool {
	port := appserver.PortOf(addr)
	for _, e := range endpoints {
		if strings.HasPrefix(e, "unix:") {
			if strings.TrimPrefix(strings.TrimPrefix(addr, "unix:"), "//") == strings.TrimPrefix(e, "unix:") {
				return true
			}
			continue
		}
		if i := strings.LastIndexByte(e, ':'); i >= 0 && port != "" && e[i+1:] == port {
			return true
		}
	}
	return false
}
