package rules

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/ngxmodel"
	"github.com/djleak/djleak/analyzer/settings"
	"github.com/djleak/djleak/analyzer/taint"
	"github.com/djleak/djleak/parsers/nginx"
	"github.com/djleak/djleak/parsers/source"
)

func init() {
	register(&analyzer.Rule{
		ID:        "NGX302",
		Name:      "query-string-logged-with-query-tokens",
		Title:     "Access log records query strings that carry the application's credentials",
		Severity:  analyzer.Warning,
		CWE:       []int{532, 598},
		Precision: analyzer.Medium,
		WhatItDoes: "Connects the two sides: when the Django code accepts a credential from the query string to " +
			"authenticate (the fact behind DJL104) or the production settings enable django-sesame, whose login " +
			"tokens travel in the query string (DJL107), finds every place nginx passes requests to the application " +
			"and writes an access log that records the query string — a `log_format` with `$request`, " +
			"`$request_uri`, `$args` or `$query_string`, the built-in `combined` format (also what an " +
			"`access_log` without a format name uses), or no `access_log` at all, which leaves nginx's default " +
			"`combined` log on. `access_log` follows nginx's inheritance: a level with its own `access_log` " +
			"lines does not inherit outer ones, and `access_log off` silences its level. The finding points at " +
			"the variable in the `log_format`, at the `access_log` that uses `combined`, or at the `server` " +
			"that configures no log; the locations and the Django code that reads the credential are related " +
			"locations and the code flow.",
		WhyBad: "Clients of an API that takes `?token=…` put the credential into every request line, and nginx " +
			"writes request lines to its access log for every request, in clear text. The log is rotated, " +
			"shipped to collectors and kept for months; whoever can read it can replay the tokens. Neither side " +
			"alone looks wrong: the log format is nginx's standard one, and the Django view only reads a " +
			"parameter.",
		Example: `
-- nginx/site.conf --
server {
    listen 443 ssl;
    server_name api.example.com;
    access_log /var/log/nginx/api.log combined;
    location / {
        proxy_pass http://127.0.0.1:8000;
    }
}
-- app/auth.py --
from rest_framework.authentication import BaseAuthentication
from rest_framework.authtoken.models import Token


class QueryTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        key = request.query_params.get("token")
        if not key:
            return None
        token = Token.objects.get(key=key)
        return (token.user, token)
`,
		UseInstead: `
-- nginx/site.conf --
log_format noquery '$remote_addr - $remote_user [$time_local] '
                   '"$request_method $uri $server_protocol" $status $body_bytes_sent '
                   '"$http_user_agent"';
server {
    listen 443 ssl;
    server_name api.example.com;
    access_log /var/log/nginx/api.log noquery;
    location / {
        proxy_pass http://127.0.0.1:8000;
    }
}
-- app/auth.py --
from rest_framework.authentication import BaseAuthentication
from rest_framework.authtoken.models import Token


class QueryTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        key = request.query_params.get("token")
        if not key:
            return None
        token = Token.objects.get(key=key)
        return (token.user, token)
`,
		Notes: "The better fix is on the Django side: accept the credential in the `Authorization` header " +
			"(DJL104), after which the query string carries nothing secret. Until then, log `$uri` (the path " +
			"without the query string) instead of `$request` or `$request_uri`, or turn the log off for the " +
			"locations that receive tokens. nginx's error log also records the request line when it logs an " +
			"error about a request (an upstream timeout, a 502); that is not reported, while an error log at the " +
			"debug level, which records every request, is NGX303.\n\n" +
			"Locations that pass to a gRPC backend or a PHP FastCGI socket are not the Django application and " +
			"are skipped; when nginx forwards client-certificate identity, only locations passing to the " +
			"addresses that receive it count as the application. Which Django URLs a location serves is not " +
			"compared with the view that reads the token. A format name that no `log_format` in the scanned " +
			"configuration defines (it may live in a file outside the repository) is not judged.",
		Requires: append([]analyzer.Requirement{ngxmodel.Pass, settings.Pass}, taint.Sinks(taint.SinkAuth)...),
		Run:      runQueryStringLogged,
	})
}

// queryLogPlace is one place in the nginx configuration that makes query
// strings reach an access log: a format variable, an `access_log … combined`
// or a server without access_log. It is one finding.
type queryLogPlace struct {
	loc  source.Location
	key  string
	what string // how the query string gets into the log, for the message
	logs []*nginx.Directive
	ups  []*ngxmodel.Upstream
	// scope describes where the first upstream's requests are logged:
	// its location, or an `if` inside it.
	scope string
	// byDefault marks a server without access_log (the message names the
	// server already).
	byDefault bool
}

// queryLogPlaces collects the places, one per key.
type queryLogPlaces struct {
	byKey map[string]*queryLogPlace
	order []string
}

// add records that requests u passes, handled in scope sc, reach the log
// through the place at loc.
func (c *queryLogPlaces) add(loc source.Location, key, what string, log *nginx.Directive, u *ngxmodel.Upstream, sc *ngxmodel.Scope) *queryLogPlace {
	p := c.byKey[key]
	if p == nil {
		p = &queryLogPlace{loc: loc, key: key, what: what, scope: sc.Label()}
		if sc != u.Scope {
			p.scope += " in " + u.Scope.Label()
		}
		c.byKey[key] = p
		c.order = append(c.order, key)
	}
	if log != nil && !slices.Contains(p.logs, log) {
		p.logs = append(p.logs, log)
	}
	if len(p.ups) == 0 || p.ups[len(p.ups)-1] != u {
		p.ups = append(p.ups, u) // an upstream's scopes come one after another
	}
	return p
}

// collect adds the places where an access log in effect in scope sc (one
// of u's scopes) records the query string.
func (c *queryLogPlaces) collect(m *ngxmodel.Model, sc *ngxmodel.Scope, u *ngxmodel.Upstream) {
	for _, l := range m.AccessLogs(sc) {
		v := l.QueryVar()
		switch {
		case v == "":
			// A format without the query string, or one defined elsewhere.
		case l.Dir == nil:
			srv := u.Server
			if srv == nil || srv.Dir == nil {
				continue
			}
			desc := ngxServerDesc(srv)
			c.add(srv.Dir.Loc, desc+" default access_log",
				fmt.Sprintf("%s configures no `access_log`, so nginx writes its default access log in the built-in "+
					"`combined` format, whose $request holds the request line with its query string, and", desc),
				nil, u, sc).byDefault = true
		case l.Format == nil:
			c.add(l.Dir.Loc, fmt.Sprintf("access_log %s combined", l.Dir.Arg(0)),
				fmt.Sprintf("`access_log %s` uses the built-in `combined` format, whose $request holds the "+
					"request line with its query string, and", l.Dir.Arg(0)), l.Dir, u, sc)
		default:
			c.add(directiveVarLoc(l.Format, v), "log_format "+l.Name+" $"+v,
				fmt.Sprintf("log_format %s writes $%s (%s) to the access log (`access_log %s` at %s) and",
					l.Name, v, ngxmodel.QueryLogVars[v], l.Dir.Arg(0), where(l.Dir, l.Format.Loc.Path)), l.Dir, u, sc)
		}
	}
}

func runQueryStringLogged(ctx *analyzer.Context) {
	model := analyzer.Fact(ctx.Project, ngxmodel.Pass)
	app := appEndpoints(model)
	c := &queryLogPlaces{byKey: map[string]*queryLogPlace{}}
	for _, u := range model.Upstreams() {
		if !liveUpstream(u) || !djangoBackend(u) || !reachesApp(model, u, app) {
			continue
		}
		for _, sc := range u.Scopes() {
			c.collect(model, sc, u)
		}
	}
	if len(c.order) == 0 {
		return // no access log writes the query: the application's side is not needed
	}
	reads := queryTokenSources(ctx)
	if len(reads) == 0 {
		return
	}
	first := reads[0]
	readAt := fmt.Sprintf("%s:%d", filepath.Base(first.loc.Path), first.loc.Start.Line)
	more := ""
	if len(reads) > 1 {
		more = fmt.Sprintf(" and %d more %s", len(reads)-1, plural(len(reads)-1, "place", "places"))
	}
	for _, k := range c.order {
		p := c.byKey[k]
		u := p.ups[0]
		scopes := p.scope
		if !p.byDefault {
			scopes += " in " + ngxServerDesc(u.Server)
		}
		if n := len(p.ups) - 1; n > 0 {
			scopes += fmt.Sprintf(" (and %d more %s)", n, plural(n, "location", "locations"))
		}
		msg := fmt.Sprintf("%s %s passes requests to the application, which authenticates with %s at %s%s: "+
			"every such credential ends up in the log in clear text; log $uri instead of the query string, or "+
			"take the credential from the Authorization header", p.what, scopes, first.what, readAt, more)
		var related []analyzer.Related
		for _, l := range p.logs {
			if l.Loc != p.loc {
				related = append(related, analyzer.Related{Location: l.Loc, Message: "this `access_log` writes the query string"})
			}
		}
		for i, u := range p.ups {
			if i == 5 {
				break
			}
			related = append(related, analyzer.Related{Location: u.Pass.Loc,
				Message: fmt.Sprintf("%s passes requests to the application here", u.Scope.Label())})
		}
		for i, r := range reads {
			if i == 5 {
				break // the message counts the rest
			}
			related = append(related, analyzer.Related{Location: r.loc,
				Message: fmt.Sprintf("the application accepts %s from the query string here", r.what)})
		}
		ctx.Report(analyzer.Finding{
			Location: p.loc,
			Message:  msg,
			Related:  related,
			Flow:     queryLogFlow(u, first, p.loc),
			Key:      p.key,
		})
	}
}

// queryLogFlow is the token's way: the client's request reaches the
// location, the application takes the credential from the query string
// and authenticates with it, and nginx logs the request line.
func queryLogFlow(u *ngxmodel.Upstream, r queryTokenSource, logAt source.Location) []analyzer.Step {
	steps := []analyzer.Step{{Location: u.Pass.Loc,
		Message: fmt.Sprintf("a client sends the credential in the query string; %s passes the request to the application", u.Scope.Label())}}
	steps = append(steps, r.steps...)
	return append(steps, analyzer.Step{Location: logAt, Message: "nginx writes the request's query string, credential included, to the access log"})
}

// queryTokenSources are the ways the application accepts credentials from
// the query string: code that authenticates with one (the DJL104 fact) and
// django-sesame (the DJL107 fact).
func queryTokenSources(ctx *analyzer.Context) []queryTokenSource {
	res := taint.For(ctx.Project, taint.SinkAuth)
	var out []queryTokenSource
	for _, g := range taint.GroupHits(res.Hits, (*taint.Hit).QueryAuth, func(h *taint.Hit) source.Location { return h.Label.Src.Loc }) {
		h := g.Hit
		steps := append([]analyzer.Step(nil), h.Label.Steps...)
		if len(steps) == 0 || steps[len(steps)-1].Location != h.Loc {
			steps = append(steps, analyzer.Step{Location: h.Loc, Message: "the application authenticates with it: " + h.Desc})
		}
		out = append(out, queryTokenSource{what: h.Label.Src.What, loc: h.Label.Src.Loc, steps: steps})
	}
	return append(out, queryLoginSettings(ctx)...)
}

// djangoBackend reports whether u may pass to the Django application:
// gRPC backends and PHP FastCGI sockets are something else.
func djangoBackend(u *ngxmodel.Upstream) bool {
	switch u.Module {
	case ngxmodel.GRPC:
		return false
	case ngxmodel.FastCGI:
		return !strings.Contains(strings.ToLower(u.Target()), "php")
	}
	return true
}
