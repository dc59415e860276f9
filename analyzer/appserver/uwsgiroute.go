package appserver

import (
	"regexp"
	"strings"

	"github.com/djleak/djleak/parsers/source"
)

// uwsgi's internal routing, as the model knows it (checked by the oracle
// battery against uwsgi 2.0 with its echo application):
//
//   - The request routes run in the worker, in order, for every request
//     of every listener (http-socket, the http router, uwsgi-protocol
//     sockets), before the application. `route` matches its regexp
//     against PATH_INFO, `route-uri` REQUEST_URI, `route-host` HTTP_HOST,
//     `route-qs` QUERY_STRING, `route-remote-addr` REMOTE_ADDR,
//     `route-user-agent` and `route-referer` their headers; `route-run`
//     always runs; `route-if` / `route-if-not` test a condition
//     (`equal:a;b`, `startswith`, `endswith`, `contains`, `regexp:a;re`,
//     `empty:a`) and `route-label` names a place `goto` jumps to.
//   - `${NAME}` in an action or condition is the request var NAME as it is
//     then ("" when absent) — a client's header is `${HTTP_…}`; `$1`… are
//     the regexp's groups.
//   - `addvar:KEY=value` sets the environ key KEY (replacing a client's
//     header of that name), `setuser` REMOTE_USER, `setremoteaddr`
//     REMOTE_ADDR, `setscheme` wsgi.url_scheme; `last` and `continue` end
//     the routing. No action removes a request var.

// UWSGIRoute is one rule of uwsgi's internal request routing.
type UWSGIRoute struct {
	Kind    string // the option: route, route-if, route-run, route-label …
	Subject string // the regexp, or route-if's condition ("equal:${HTTP_X_ROLE};admin")
	Action  string // addvar, setuser, setremoteaddr, last …
	Arg     string // what follows the action's ':'
	At      source.Location
}

// uwsgiRouteSubjects are the request vars each regexp route matches.
var uwsgiRouteSubjects = map[string]string{
	"route": "PATH_INFO", "route-uri": "REQUEST_URI", "route-host": "HTTP_HOST", "route-qs": "QUERY_STRING",
	"route-remote-addr": "REMOTE_ADDR", "route-user-agent": "HTTP_USER_AGENT", "route-referer": "HTTP_REFERER",
}

// parseRoute reads a request-routing option.
func parseRoute(o UWSGIOption) (UWSGIRoute, bool) {
	r := UWSGIRoute{Kind: o.Key, At: o.At}
	v := strings.TrimSpace(o.Value)
	switch {
	case o.Key == "route-label":
		r.Subject = v
		return r, true
	case o.Key == "route-run":
	case o.Key == "route-if" || o.Key == "route-if-not" || uwsgiRouteSubjects[o.Key] != "":
		subj, rest, ok := strings.Cut(v, " ")
		if !ok {
			return r, false
		}
		r.Subject, v = subj, strings.TrimSpace(rest)
	default:
		return r, false
	}
	r.Action, r.Arg, _ = strings.Cut(v, ":")
	return r, true
}

// routeVar matches ${NAME} and $N in a routing value.
var routeVar = regexp.MustCompile(`\$\{([^}]*)\}|\$([0-9])`)

// expandRoute fills in a routing value from the request vars and the
// regexp's groups.
func expandRoute(v string, vars map[string]string, groups []string) string {
	return routeVar.ReplaceAllStringFunc(v, func(m string) string {
		sub := routeVar.FindStringSubmatch(m)
		if sub[1] != "" || strings.HasPrefix(m, "${") {
			return vars[sub[1]]
		}
		n := int(sub[2][0] - '0')
		if n < len(groups) {
			return groups[n]
		}
		return ""
	})
}

// routeCondition evaluates a route-if condition; ok is false for one
// the model does not know.
func routeCondition(cond string, vars map[string]string) (match bool, groups []string, ok bool) {
	name, args, _ := strings.Cut(cond, ":")
	a, b, _ := strings.Cut(args, ";")
	a, b = expandRoute(a, vars, nil), expandRoute(b, vars, nil)
	switch name {
	case "equal", "isequal", "eq", "==":
		return a == b, nil, true
	case "startswith":
		return strings.HasPrefix(a, b), nil, true
	case "endswith":
		return strings.HasSuffix(a, b), nil, true
	case "contains", "contain":
		return strings.Contains(a, b), nil, true
	case "empty":
		return a == "", nil, true
	case "regexp", "re":
		re, err := regexp.Compile(b)
		if err != nil {
			return false, nil, false
		}
		g := re.FindStringSubmatch(a)
		return g != nil, g, true
	}
	return false, nil, false
}

// route applies the server's request routes to the vars of a request:
// the keys the application reads, changed in place, and the scheme when a
// route sets it ("" otherwise).
func (s *Server) route(vars map[string]string) (scheme string) {
	labels := map[string]int{}
	for i, r := range s.Routes {
		if r.Kind == "route-label" {
			labels[r.Subject] = i
		}
	}
	for i, steps := 0, 0; i < len(s.Routes) && steps < 10*len(s.Routes)+10; i, steps = i+1, steps+1 {
		r := s.Routes[i]
		var groups []string
		switch {
		case r.Kind == "route-label":
			continue
		case r.Kind == "route-run":
		case r.Kind == "route-if" || r.Kind == "route-if-not":
			m, g, ok := routeCondition(r.Subject, vars)
			if !ok || m == (r.Kind == "route-if-not") {
				continue
			}
			groups = g
		default:
			re, err := regexp.Compile(r.Subject)
			if err != nil {
				continue
			}
			if groups = re.FindStringSubmatch(vars[uwsgiRouteSubjects[r.Kind]]); groups == nil {
				continue
			}
		}
		arg := expandRoute(r.Arg, vars, groups)
		switch r.Action {
		case "addvar":
			if k, v, ok := strings.Cut(arg, "="); ok {
				vars[k] = v
			}
		case "setuser":
			vars["REMOTE_USER"] = arg
		case "setremoteaddr":
			vars["REMOTE_ADDR"] = arg
		case "setscheme":
			scheme = arg
		case "last", "continue":
			return scheme
		case "goto":
			if j, ok := labels[arg]; ok {
				i = j
			}
		}
	}
	return scheme
}

// RouteWrites is what a request route writes into the environ: the key,
// and the routing vars its value is made of.
func (r UWSGIRoute) RouteWrites() (key string, from []string) {
	val := r.Arg
	switch r.Action {
	case "addvar":
		k, v, ok := strings.Cut(r.Arg, "=")
		if !ok {
			return "", nil
		}
		key, val = k, v
	case "setuser":
		key = "REMOTE_USER"
	case "setremoteaddr":
		key = "REMOTE_ADDR"
	default:
		return "", nil
	}
	for _, m := range routeVar.FindAllStringSubmatch(val, -1) {
		if m[2] != "" {
			from = append(from, "$"+m[2])
		} else {
			from = append(from, "${"+m[1]+"}")
		}
	}
	return key, from
}

// ClientChosen reports whether a routing var a client chooses: a request
// header (${HTTP_…}), the path, the query string, a cookie or query
// argument, or a group of a regexp matched against one of those.
func (r UWSGIRoute) ClientChosen(ref string) bool {
	if strings.HasPrefix(ref, "$") && !strings.HasPrefix(ref, "${") {
		subj := uwsgiRouteSubjects[r.Kind]
		if r.Kind == "route-if" {
			name, args, _ := strings.Cut(r.Subject, ":")
			a, _, _ := strings.Cut(args, ";")
			if name != "regexp" && name != "re" {
				return false
			}
			for _, m := range routeVar.FindAllStringSubmatch(a, -1) {
				if m[1] != "" && clientVar(m[1]) {
					return true
				}
			}
			return false
		}
		return subj != "" && clientVar(subj)
	}
	return clientVar(strings.TrimSuffix(strings.TrimPrefix(ref, "${"), "}"))
}

// clientVar reports whether the client chooses a request var.
func clientVar(name string) bool {
	switch {
	case strings.HasPrefix(name, "HTTP_"), strings.HasPrefix(name, "cookie["), strings.HasPrefix(name, "qs["):
		return true
	}
	switch name {
	case "PATH_INFO", "REQUEST_URI", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH", "REQUEST_METHOD":
		return true
	}
	return false
}
