package ngxmodel

import (
	"strings"

	"github.com/djleak/djleak/parsers/nginx"
)

// Module is the nginx module that hands a request to the application.
type Module string

const (
	Proxy   Module = "proxy"
	UWSGI   Module = "uwsgi"
	FastCGI Module = "fastcgi"
	SCGI    Module = "scgi"
	GRPC    Module = "grpc"
)

// passDirectives maps each *_pass directive to its module.
var passDirectives = map[string]Module{
	"proxy_pass": Proxy, "uwsgi_pass": UWSGI, "fastcgi_pass": FastCGI,
	"scgi_pass": SCGI, "grpc_pass": GRPC,
}

// ParamDirective is the array directive that sets request headers or
// parameters for a module.
func (m Module) ParamDirective() string {
	switch m {
	case Proxy:
		return "proxy_set_header"
	case GRPC:
		return "grpc_set_header"
	}
	return string(m) + "_param"
}

// HeaderBased reports whether the module sends values as HTTP headers
// (proxy, grpc) rather than as CGI-style parameters (uwsgi, fastcgi, scgi).
func (m Module) HeaderBased() bool { return m == Proxy || m == GRPC }

// Upstream is one place where nginx passes requests to the application.
type Upstream struct {
	Scope  *Scope           // the location (or if / limit_except) with the *_pass directive
	Pass   *nginx.Directive // proxy_pass, uwsgi_pass, …
	Module Module
	Server *Scope
	// Params are the header/param directives in effect (after inheritance)
	// and ParamsFrom is the scope that defines them (nil when none do).
	Params     []*nginx.Directive
	ParamsFrom *Scope

	extra map[string]bool // configured identity keys
	model *Model          // resolves `set` and `map` variables in values
}

// Upstreams lists every scope that passes requests upstream, in config order.
func (m *Model) Upstreams() []*Upstream { return m.upstreams }

// UpstreamsOf lists the upstreams inside the server scope srv, in config
// order: a rule that looks at each server's upstreams costs the number of
// upstreams, not that times the number of servers.
func (m *Model) UpstreamsOf(srv *Scope) []*Upstream { return m.byServer[srv] }

func (m *Model) findUpstreams() []*Upstream {
	var out []*Upstream
	for _, main := range m.Mains {
		main.Walk(func(s *Scope) {
			// `if` and `limit_except` blocks without a *_pass of their own
			// inherit the location's, and nginx accepts no header or param
			// directives in them, so they add no path of their own.
			for _, d := range s.Directives {
				mod, ok := passDirectives[d.Name]
				if !ok {
					continue
				}
				u := &Upstream{Scope: s, Pass: d, Module: mod, Server: s.Server(), extra: m.extra, model: m}
				u.Params, u.ParamsFrom = s.Array(mod.ParamDirective())
				out = append(out, u)
			}
		})
	}
	return out
}

// Target is the upstream address text (`http://127.0.0.1:8000`, `unix:/run/app.sock`).
func (u *Upstream) Target() string { return u.Pass.Arg(0) }

// PassesRequestHeaders reports whether client request headers reach the
// application (`proxy_pass_request_headers` and friends, default on).
func (u *Upstream) PassesRequestHeaders() bool {
	d, _ := u.Scope.Simple(string(u.Module) + "_pass_request_headers")
	return d == nil || d.Arg(0) != "off"
}

// UnderscoresAllowed reports whether nginx accepts client header names with
// underscores for this server (`underscores_in_headers on`), or passes
// invalid header names (`ignore_invalid_headers off`).
//
// nginx judges each header line by the server chosen so far: the default
// server of the listen address (or the one the TLS SNI name picked) until
// the Host header selects the named server. A client that puts X_Client_DN
// before Host (and, over TLS, sends no SNI) is judged by the default
// server's settings, so those count too.
func (u *Upstream) UnderscoresAllowed() (*nginx.Directive, bool) {
	if u.Server == nil {
		return nil, false
	}
	servers := []*Scope{u.Server}
	if u.model != nil {
		servers = append(servers, u.model.defaultServers(u.Server)...)
	}
	for _, srv := range servers {
		if d, _ := srv.Simple("underscores_in_headers"); d != nil && d.Arg(0) == "on" {
			return d, true
		}
		if d, _ := srv.Simple("ignore_invalid_headers"); d != nil && d.Arg(0) == "off" {
			return d, true
		}
	}
	return nil, false
}

// listenAddrs lists a server's listen addresses, normalised to host:port
// ("*:80" for `listen 80`, and for a server without any listen), with
// whether each is marked default_server (or the legacy `default`).
func listenAddrs(srv *Scope) map[string]bool {
	out := map[string]bool{}
	ls := srv.Own("listen")
	if len(ls) == 0 {
		out["*:80"] = false
	}
	for _, d := range ls {
		a := normListen(d.Arg(0))
		def := false
		for _, x := range d.Args[1:] {
			def = def || x == "default_server" || x == "default"
		}
		out[a] = out[a] || def
	}
	return out
}

// defaultServers lists the default servers of srv's listen addresses
// (other than srv): the one marked default_server, else the first server
// in the same http block that listens there.
func (m *Model) defaultServers(srv *Scope) []*Scope {
	var out []*Scope
	for addr := range listenAddrs(srv) {
		var first, marked *Scope
		for _, o := range m.Servers {
			if o.Parent != srv.Parent {
				continue
			}
			def, ok := listenAddrs(o)[addr]
			if !ok {
				continue
			}
			if first == nil {
				first = o
			}
			if def && marked == nil {
				marked = o
			}
		}
		d := marked
		if d == nil {
			d = first
		}
		if d != nil && d != srv {
			out = append(out, d)
		}
	}
	return out
}

// Source classifies where a forwarded value comes from.
type Source int

const (
	// FromClient: nginx does not set the value, so whatever the client sent
	// reaches the application.
	FromClient Source = iota
	// Cleared: nginx sets it to the empty string, which removes it.
	Cleared
	// Verified: only TLS client-certificate variables (and constants).
	Verified
	// ClientControlled: nginx sets it, but from a value the client chooses
	// ($http_*, $arg_*, $cookie_*, …).
	ClientControlled
	// Mixed: both certificate variables and client-chosen values.
	Mixed
	// Server: constants and server-side variables only.
	Server
	// Absent: a server-environment key nginx does not set; the client cannot
	// supply it either.
	Absent
)

func (s Source) String() string {
	return [...]string{"client", "cleared", "verified", "client-controlled", "mixed", "server", "absent"}[s]
}

// Spoofable reports whether the client decides the value the app sees.
func (s Source) Spoofable() bool {
	return s == FromClient || s == ClientControlled || s == Mixed
}

// varRefs calls f with the name of each variable reference in v, in
// order: `$name` or `${name}`, a name being ASCII letters, digits and
// underscores. It is what the pattern `\$\{?([A-Za-z0-9_]+)\}?` finds,
// scanned without a regular expression: values are read for every
// header of every upstream.
func varRefs(v string, f func(name string)) {
	for i := 0; i < len(v); i++ {
		if v[i] != '$' {
			continue
		}
		j := i + 1
		if j < len(v) && v[j] == '{' {
			j++
		}
		k := j
		for k < len(v) && varNameByte(v[k]) {
			k++
		}
		if k == j {
			continue // `$` or `${` not followed by a name
		}
		f(v[j:k])
		i = k - 1 // go on after the name
	}
}

func varNameByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// clientVars are nginx variables whose value the client chooses.
var clientVars = map[string]bool{
	"request_uri": true, "args": true, "query_string": true, "uri": true,
	"document_uri": true, "request": true, "request_body": true, "host": true,
	"proxy_add_x_forwarded_for": true, "content_type": true, "content_length": true,
	"remote_user": true, "request_line": true, "is_args": false,
}

// ClassifyValue tells where a directive value comes from.
func ClassifyValue(v string) Source {
	if v == "" {
		return Cleared
	}
	cert, client := false, false
	varRefs(v, func(ref string) {
		name := strings.ToLower(ref)
		switch {
		case strings.HasPrefix(name, "ssl_client_"):
			cert = true
		case strings.HasPrefix(name, "http_"), strings.HasPrefix(name, "arg_"),
			strings.HasPrefix(name, "cookie_"), strings.HasPrefix(name, "sent_http_"), clientVars[name]:
			client = true
		}
	})
	switch {
	case cert && client:
		return Mixed
	case client:
		return ClientControlled
	case cert:
		return Verified
	}
	return Server
}

// Value is what the application receives for one environ key at an upstream.
type Value struct {
	Key    string           // environ key, e.g. HTTP_X_CLIENT_DN or SSL_CLIENT_VERIFY
	Set    *nginx.Directive // the directive that sets it, nil when none does
	Source Source
	// Shadowed lists directives at outer levels that would set the key but
	// are not inherited because a nearer level defines its own.
	Shadowed []*nginx.Directive
}

// HeaderKey maps a header name to its environ key (X-Client-DN → HTTP_X_CLIENT_DN).
func HeaderKey(name string) string {
	return "HTTP_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// paramKey is the environ key a header/param directive sets.
func (u *Upstream) paramKey(d *nginx.Directive) string {
	if u.Module.HeaderBased() {
		return HeaderKey(d.Arg(0))
	}
	return strings.ToUpper(d.Arg(0))
}

// Lookup computes what the application receives for key at this upstream.
func (u *Upstream) Lookup(key string) Value {
	key = strings.ToUpper(key)
	v := Value{Key: key}
	for _, d := range u.Params {
		if u.paramKey(d) != key {
			continue
		}
		switch {
		case !u.Module.HeaderBased():
			v.Set = d // the last one wins for params
		case v.Set == nil:
			v.Set = d // headers: the first wins, duplicates are rare…
		case strings.Contains(v.Set.Arg(0), "_") && !strings.Contains(d.Arg(0), "_"):
			v.Set = d // …but X-Client-DN is what replaces the client's X-Client-DN
		}
	}
	// Outer levels that set the key but are not inherited.
	if u.ParamsFrom != nil {
		for sc := u.ParamsFrom.Parent; sc != nil; sc = sc.Parent {
			for _, d := range sc.Own(u.Module.ParamDirective()) {
				if u.paramKey(d) == key {
					v.Shadowed = append(v.Shadowed, d)
				}
			}
		}
	}
	switch {
	case v.Set != nil:
		val := v.Set.Arg(1)
		if u.model != nil {
			// `set $dn $http_x_dn;`, or a `map` of a client header.
			val = u.model.ExpandValue(u.Scope, val)
		}
		v.Source = ClassifyValue(val)
		if !u.Module.HeaderBased() && v.Source == Cleared {
			// uwsgi/fastcgi params are sent even when empty (unless
			// if_not_empty), and suppress the client's header of that name.
			v.Source = Server
		}
		if u.Module.HeaderBased() && strings.Contains(v.Set.Arg(0), "_") && u.PassesRequestHeaders() {
			// proxy_set_header X_Client_DN sends that header but removes
			// only the client's header spelled exactly so: the client's own
			// X-Client-DN still reaches the application.
			v.Source = FromClient
		}
	case !strings.HasPrefix(key, "HTTP_"):
		v.Source = Absent
	case !u.PassesRequestHeaders():
		v.Source = Absent
	default:
		v.Source = FromClient
	}
	return v
}

// IsLoopback reports whether an upstream target is on the same host (a
// loopback address, localhost or a unix socket).
func IsLoopback(target string) bool {
	t := strings.ToLower(target)
	for _, p := range []string{"http://", "https://", "grpc://", "grpcs://", "uwsgi://", "suwsgi://"} {
		t = strings.TrimPrefix(t, p)
	}
	if strings.HasPrefix(t, "unix:") {
		return true
	}
	host := t
	if i := strings.IndexAny(host, "/"); i >= 0 {
		host = host[:i]
	}
	if strings.HasPrefix(host, "[") {
		if i := strings.Index(host, "]"); i >= 0 {
			host = host[1:i]
		}
	} else if i := strings.LastIndex(host, ":"); i >= 0 {
		host = host[:i]
	}
	return host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1"
}

// UnderscoreVariantPasses reports whether a client header spelled with
// underscores (X_Client_DN for key HTTP_X_CLIENT_DN) reaches the
// application at this upstream. nginx drops such headers unless
// `underscores_in_headers on` or `ignore_invalid_headers off`; a
// proxy_set_header of X-Client-DN does not remove X_Client_DN, while a
// uwsgi/fastcgi/scgi param HTTP_X_CLIENT_DN suppresses both spellings.
func (u *Upstream) UnderscoreVariantPasses(key string) bool {
	key = strings.ToUpper(key)
	if !strings.HasPrefix(key, "HTTP_") || !u.PassesRequestHeaders() {
		return false
	}
	if _, ok := u.UnderscoresAllowed(); !ok {
		return false
	}
	if u.Module.HeaderBased() {
		return true
	}
	return u.Lookup(key).Set == nil
}
