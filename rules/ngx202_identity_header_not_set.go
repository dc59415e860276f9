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
			"cannot send them. When the project's nginx configuration sets identity headers for some " +
			"upstream addresses, only locations passing to those addresses (or to an address built from " +
			"variables) are considered.",
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
		Run: runIdentityHeaderNotSet,
	})
}

// identitySource is why a key counts as identity: the directive that sets
// it from a certificate variable, and the Django reads.
type identitySource struct {
	set   *nginx.Directive
	reads []identity.Read
}

func runIdentityHeaderNotSet(ctx *analyzer.Context) {
	model := analyzer.Fact(ctx.Project, ngxmodel.Pass)
	keys := map[string]*identitySource{}
	src := func(k string) *identitySource {
		if keys[k] == nil {
			keys[k] = &identitySource{}
		}
		return keys[k]
	}
	for k, d := range certSetKeys(model) {
		src(k).set = d
	}
	for _, r := range analyzer.Fact(ctx.Project, identity.Pass).Reads {
		if strings.HasPrefix(r.Name, "HTTP_") {
			s := src(r.Name)
			s.reads = append(s.reads, r)
		}
	}
	if len(keys) == 0 {
		return
	}
	var order []string
	for k := range keys {
		order = append(order, k)
	}
	sort.Strings(order)
	app := appEndpoints(model)
	for _, u := range model.Upstreams() {
		if !liveUpstream(u) || ngxmodel.ClientsRestricted(u.Scope) || !reachesApp(model, u, app) {
			continue
		}
		loc := upstreamLoc(u)
		for _, k := range order {
			v := u.Lookup(k)
			if v.Source != ngxmodel.FromClient || len(v.Shadowed) > 0 || clearedByHeadersMore(u, k) {
				continue
			}
			is := keys[k]
			label := keyLabel(u, k)
			var why []string
			var related []analyzer.Related
			if is.set != nil {
				why = append(why, fmt.Sprintf("elsewhere nginx fills it from the client certificate (`%s %s %s` at %s)", is.set.Name, is.set.Arg(0), is.set.Arg(1), where(is.set, loc.Loc.Path)))
				related = append(related, analyzer.Related{Location: is.set.Loc, Message: fmt.Sprintf("%s is set from the client certificate here", label)})
			}
			if len(is.reads) > 0 {
				r := is.reads[0]
				why = append(why, fmt.Sprintf("the application reads %s at %s:%d", r.Name, filepath.Base(r.Loc.Path), r.Loc.Start.Line))
				for _, r := range is.reads {
					related = append(related, analyzer.Related{Location: r.Loc, Message: fmt.Sprintf("the application reads %s here", r.Name)})
				}
			}
			ctx.Report(analyzer.Finding{
				Location: loc.Loc,
				Message: fmt.Sprintf("%s in %s neither sets nor clears %s, so a client's own %s reaches the application; %s",
					u.Scope.Label(), ngxServerDesc(u.Server), label, label, strings.Join(why, " and ")),
				Related: related,
				Flow:    spoofFlow(u, label, is.reads),
				Key:     strings.Join([]string{ngxServerDesc(u.Server), u.Scope.Label(), k}, " "),
			})
		}
	}
}

// certSetKeys maps every environ key some header/param directive sets
// from a client-certificate variable (anywhere in an HTTP context) to the
// first such directive.
func certSetKeys(m *ngxmodel.Model) map[string]*nginx.Directive {
	out := map[string]*nginx.Directive{}
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
				if k := ngxmodel.ParamKey(d); out[k] == nil {
					out[k] = d
				}
			}
		})
	}
	return out
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
