package rules

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/identity"
	"github.com/djleak/djleak/analyzer/ngxmodel"
	"github.com/djleak/djleak/parsers/nginx"
)

func init() {
	register(&analyzer.Rule{
		ID:        "NGX202",
		Name:      "identity-header-not-set",
		Title:     "Location passes to the application without setting or clearing an identity header",
		Severity:  analyzer.Error,
		CWE:       []int{290, 348},
		Precision: analyzer.High,
		WhatItDoes: "Finds locations that pass requests to the application (`proxy_pass`, `uwsgi_pass`, …, in " +
			"TLS and plain-HTTP servers alike) where an identity header is neither set nor cleared, although " +
			"the same header is set from a client-certificate variable elsewhere in the configuration or " +
			"the Django code reads it. Headers that a nearer level's own `proxy_set_header` hides are " +
			"left to NGX201. Server-environment keys such as `SSL_CLIENT_S_DN` are not reported: a client " +
			"cannot send them. A header nginx sets counts for locations that pass to the same upstream " +
			"address as one that receives it (or to an address built from variables); a header the Django " +
			"code reads counts for locations passing to an address where nginx sends certificate values " +
			"the Django code reads (failing that, any certificate values), or to every address when " +
			"nginx sends none.",
		WhyBad: "nginx forwards every request header it does not replace. Where no `proxy_set_header " +
			"X-Client-DN …` is in effect, a client's own `X-Client-DN: CN=admin` reaches the application " +
			"(as `HTTP_X_CLIENT_DN` for uwsgi, FastCGI and SCGI too), and code that trusts the header " +
			"because another server or location fills it from the verified certificate cannot tell the " +
			"difference. A plain-HTTP server or a `/health` location in front of the same application is " +
			"enough.",
		Example: `
-- nginx/api.conf --
server {
    listen 443 ssl;
    ssl_verify_client on;
    ssl_client_certificate /etc/ssl/certs/ca.pem;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
}
server {
    listen 80;
    location / {
        proxy_pass http://127.0.0.1:8000;
    }
}
`,
		UseInstead: `
-- nginx/api.conf --
server {
    listen 443 ssl;
    ssl_verify_client on;
    ssl_client_certificate /etc/ssl/certs/ca.pem;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
}
server {
    listen 80;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header X-Client-DN "";
    }
}
`,
		Notes: "Clear identity headers in every server that reaches the application, e.g. " +
			"`proxy_set_header X-Client-DN \"\";` (an empty value removes the header) — or keep all " +
			"`proxy_set_header` lines in one snippet that every location includes. `more_clear_input_headers` " +
			"(headers-more module) naming the header is recognised. Locations restricted with `allow` " +
			"rules ending in `deny all` are assumed to sit behind a trusted proxy and are not reported.",
		Requires: []analyzer.Requirement{identity.Pass, ngxmodel.Pass},
		Run:      runIdentityHeaderNotSet,
	})
}

// identitySource is why a key counts as identity: the directive that sets
// it from a certificate variable, and the Django reads.
type identitySource struct {
	set   *nginx.Directive
	setIn *ngxmodel.Scope // the scope that holds set
	reads []identity.Read
	// eps are the endpoints of the upstreams that receive the key from a
	// certificate variable (or would, but for NGX201's shadowing); anyEP
	// is set when one of them passes to an address built from variables.
	eps   map[string]bool
	anyEP bool
}

func runIdentityHeaderNotSet(ctx *analyzer.Context) {
	all := analyzer.Fact(ctx.Project, ngxmodel.Pass)
	// Each deployment is judged on its own: a header one deployment's
	// nginx fills from the certificate says nothing about another's.
	for _, dep := range all.Deployments() {
		identityHeaderNotSetIn(ctx, all.In(dep))
	}
}

func identityHeaderNotSetIn(ctx *analyzer.Context, model *ngxmodel.Model) {
	keys := map[string]*identitySource{}
	src := func(k string) *identitySource {
		if keys[k] == nil {
			keys[k] = &identitySource{eps: map[string]bool{}}
		}
		return keys[k]
	}
	for k, cs := range certSetKeys(model) {
		src(k).set, src(k).setIn = cs.d, cs.in
	}
	// Reads of server-environment keys (SSL_CLIENT_S_DN) are never
	// reported — Lookup finds them Absent or set — but tell which upstream
	// addresses are the Django application.
	for _, r := range analyzer.Fact(ctx.Project, identity.Pass).Reads {
		s := src(r.Name)
		s.reads = append(s.reads, r)
	}
	if len(keys) == 0 {
		return
	}
	var order []string
	for k := range keys {
		order = append(order, k)
	}
	sort.Strings(order)
	for _, u := range model.Upstreams() {
		if ngxmodel.InStream(u.Scope) {
			continue
		}
		for _, k := range order {
			is := keys[k]
			if is.set == nil || !receivesCertValue(model, u, k) {
				continue
			}
			t := model.Transport(u)
			if !t.Known {
				is.anyEP = true
			}
			for _, e := range t.Endpoints {
				is.eps[e] = true
			}
		}
	}
	// The application's addresses: those that receive a certificate value
	// for a key the Django code reads; failing that, those that receive any
	// certificate value (nil: nginx sets none, every address counts).
	app := map[string]bool{}
	appAny := false
	for _, is := range keys {
		if len(is.reads) > 0 && is.set != nil {
			appAny = appAny || is.anyEP
			for e := range is.eps {
				app[e] = true
			}
		}
	}
	if len(app) == 0 && !appAny {
		app = appEndpoints(model)
	}
	for _, u := range model.Upstreams() {
		if !liveUpstream(u) || ngxmodel.ClientsRestricted(u.Scope) {
			continue
		}
		loc := upstreamLoc(u)
		t := model.Transport(u)
		for _, k := range order {
			v := u.Lookup(k)
			if v.Source != ngxmodel.FromClient || len(v.Shadowed) > 0 || clearedByHeadersMore(u, k) {
				continue
			}
			is := keys[k]
			bySet := is.set != nil && (is.anyEP || !t.Known || anyEndpoint(t.Endpoints, is.eps))
			byReads := len(is.reads) > 0 && (appAny || reachesApp(model, u, app))
			if !bySet && !byReads {
				continue
			}
			label := keyLabel(u, k)
			asKey := ""
			if !u.Module.HeaderBased() {
				asKey = " as " + k
			}
			var why []string
			var related []analyzer.Related
			if bySet && v.Set == nil {
				why = append(why, fmt.Sprintf("%s fills it from the client certificate (`%s %s %s` at %s)",
					scopeDesc(is.setIn, u), is.set.Name, is.set.Arg(0), is.set.Arg(1), where(is.set, loc.Loc.Path)))
				related = append(related, analyzer.Related{Location: is.set.Loc, Message: fmt.Sprintf("%s is set from the client certificate here", label)})
			}
			if len(is.reads) > 0 {
				r := is.reads[0]
				why = append(why, fmt.Sprintf("the application reads %s at %s:%d", r.Name, filepath.Base(r.Loc.Path), r.Loc.Start.Line))
				for _, r := range is.reads {
					related = append(related, analyzer.Related{Location: r.Loc, Message: fmt.Sprintf("the application reads %s here", r.Name)})
				}
			}
			what := fmt.Sprintf("neither sets nor clears %s, so a client's own %s header reaches the application%s",
				label, identity.HeaderName(k), asKey)
			if v.Set != nil {
				// proxy_set_header X_SSL_Client_S_DN: nginx replaces only the
				// header spelled exactly so.
				what = fmt.Sprintf("sets `%s` (at %s), and a client's `%s` reaches the application as the same %s key",
					v.Set.Arg(0), where(v.Set, loc.Loc.Path), identity.HeaderName(k), k)
				related = append(related, analyzer.Related{Location: v.Set.Loc,
					Message: fmt.Sprintf("nginx sets `%s`, which replaces only a client header spelled exactly so", v.Set.Arg(0))})
			}
			if len(why) == 0 {
				why = append(why, "the application cannot tell the two apart")
			}
			ctx.Report(analyzer.Finding{
				Location: loc.Loc,
				Message: fmt.Sprintf("%s in %s %s; %s",
					u.Scope.Label(), ngxServerDesc(u.Server), what, strings.Join(why, " and ")),
				Related: related,
				Flow:    spoofFlow(u, label, is.reads),
				Key:     strings.Join([]string{ngxServerDesc(u.Server), u.Scope.Label(), k}, " "),
			})
		}
	}
}

// receivesCertValue reports whether u passes key from a client-certificate
// variable, or would but for a nearer level's own header directives.
func receivesCertValue(m *ngxmodel.Model, u *ngxmodel.Upstream, key string) bool {
	v := u.Lookup(key)
	fromCert := func(d *nginx.Directive) bool {
		return strings.Contains(strings.ToLower(m.ExpandValue(u.Scope, d.Arg(1))), "$ssl_client_")
	}
	if v.Set != nil {
		return fromCert(v.Set)
	}
	for _, d := range v.Shadowed {
		if fromCert(d) {
			return true
		}
	}
	return false
}

// anyEndpoint reports whether one of eps is in set.
func anyEndpoint(eps []string, set map[string]bool) bool {
	for _, e := range eps {
		if set[e] {
			return true
		}
	}
	return false
}

// certSet is a header/param directive that sets a key from a
// client-certificate variable, with the scope that holds it.
type certSet struct {
	d  *nginx.Directive
	in *ngxmodel.Scope
}

// certSetKeys maps every environ key some header/param directive sets
// from a client-certificate variable (anywhere in an HTTP context) to the
// first such directive.
func certSetKeys(m *ngxmodel.Model) map[string]certSet {
	out := map[string]certSet{}
	for _, main := range m.Mains {
		main.Walk(func(s *ngxmodel.Scope) {
			if ngxmodel.InStream(s) {
				return
			}
			for _, d := range s.Directives {
				if _, ok := ngxmodel.ParamModule(d.Name); !ok {
					continue
				}
				if !strings.Contains(strings.ToLower(m.ExpandValue(s, d.Arg(1))), "$ssl_client_") {
					continue
				}
				if k := ngxmodel.ParamKey(d); out[k].d == nil {
					out[k] = certSet{d, s}
				}
			}
		})
	}
	return out
}

// scopeDesc names, for a message about upstream u, the scope s that sets a
// value: "location /api/ in server api.example.com", "server
// api.example.com", "the http block" — "this server's location /api/" when
// it is u's own server.
func scopeDesc(s *ngxmodel.Scope, u *ngxmodel.Upstream) string {
	if s == nil {
		return "nginx"
	}
	srv := s.Server()
	switch {
	case s.Kind == "main":
		return "nginx's top level"
	case srv == nil:
		return "the " + s.Label() + " block"
	case s == srv && srv == u.Server:
		return "this server"
	case srv == u.Server:
		return "this server's " + s.Label()
	}
	desc := ngxServerDesc(srv)
	if u.Server != nil && desc == ngxServerDesc(u.Server) {
		// Another server block of the same name (port 80 and 443).
		if ls := srv.Own("listen"); len(ls) > 0 {
			desc += " on " + ls[0].Arg(0)
		}
	}
	if s == srv {
		return desc
	}
	return s.Label() + " in " + desc
}

// appEndpoints are the endpoints of the upstreams nginx sends certificate
// identity to (or means to, where NGX201 finds it shadowed): the
// application. nil means "unknown: every upstream may be the application".
func appEndpoints(m *ngxmodel.Model) map[string]bool {
	out := map[string]bool{}
	for _, u := range m.Upstreams() {
		if ngxmodel.InStream(u.Scope) || !intendsIdentity(m, u) {
			continue
		}
		t := m.Transport(u)
		if !t.Known {
			return nil
		}
		for _, e := range t.Endpoints {
			out[e] = true
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// intendsIdentity reports whether u receives a certificate-derived value,
// or would but for a nearer level's own header directives.
func intendsIdentity(m *ngxmodel.Model, u *ngxmodel.Upstream) bool {
	if len(certIdentityParams(m, u)) > 0 || verifyParam(m, u) != nil {
		return true
	}
	if u.ParamsFrom == nil {
		return false
	}
	for sc := u.ParamsFrom.Parent; sc != nil; sc = sc.Parent {
		for _, d := range sc.Own(u.Module.ParamDirective()) {
			if strings.Contains(d.Arg(1), "$ssl_client_") {
				return true
			}
		}
	}
	return false
}

// reachesApp reports whether u may pass to the application.
func reachesApp(m *ngxmodel.Model, u *ngxmodel.Upstream, app map[string]bool) bool {
	if app == nil {
		return true
	}
	t := m.Transport(u)
	if !t.Known {
		return true
	}
	for _, e := range t.Endpoints {
		if app[e] {
			return true
		}
	}
	return false
}

// clearedByHeadersMore reports whether a headers-more
// `more_clear_input_headers` in effect at u removes the header of key.
func clearedByHeadersMore(u *ngxmodel.Upstream, key string) bool {
	for sc := u.Scope; sc != nil; sc = sc.Parent {
		for _, d := range sc.Own("more_clear_input_headers") {
			for _, a := range d.Args {
				if strings.HasPrefix(a, "-") {
					continue // -s / -t options
				}
				if strings.HasSuffix(a, "*") {
					if strings.HasPrefix(key, ngxmodel.HeaderKey(strings.TrimSuffix(a, "*"))) {
						return true
					}
				} else if ngxmodel.HeaderKey(a) == key {
					return true
				}
			}
		}
	}
	return false
}
