package ngxmodel

// Additive helpers used by the NGX103–NGX402 rules: verification gates,
// unreachable upstreams, upstream transports, variable resolution through
// `map` and `set`, and access restrictions.

import (
	"regexp"
	"strings"

	"github.com/djleak/djleak/parsers/nginx"
)

// paramModules maps each header/param directive to its module.
var paramModules = map[string]Module{
	"proxy_set_header": Proxy, "grpc_set_header": GRPC, "uwsgi_param": UWSGI,
	"fastcgi_param": FastCGI, "scgi_param": SCGI,
}

// ParamModule reports the module of a header/param directive
// (proxy_set_header → proxy, uwsgi_param → uwsgi).
func ParamModule(name string) (Module, bool) {
	m, ok := paramModules[name]
	return m, ok
}

// ParamKey is the environ key a header/param directive sets, judged by the
// directive's own module: X-Client-DN → HTTP_X_CLIENT_DN for
// proxy_set_header, the param name upper-cased for *_param.
func ParamKey(d *nginx.Directive) string {
	m, ok := paramModules[d.Name]
	if !ok {
		return ""
	}
	if m.HeaderBased() {
		return HeaderKey(d.Arg(0))
	}
	return strings.ToUpper(d.Arg(0))
}

// VarNames lists the variables a directive value refers to, lower-cased,
// in order, each once.
func VarNames(v string) []string {
	var out []string
	seen := map[string]bool{}
	varRefs(v, func(ref string) {
		n := strings.ToLower(ref)
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	})
	return out
}

// UsesVar reports whether value v refers to variable name (without '$').
func UsesVar(v, name string) bool {
	for _, n := range VarNames(v) {
		if n == name {
			return true
		}
	}
	return false
}

// InStream reports whether s lies in a `stream` or `mail` block, where
// there are no HTTP headers.
func InStream(s *Scope) bool {
	for sc := s; sc != nil; sc = sc.Parent {
		if sc.Kind == "stream" || sc.Kind == "mail" {
			return true
		}
	}
	return false
}

// Location is the innermost `location` at or above s, nil if none.
func Location(s *Scope) *Scope {
	for sc := s; sc != nil; sc = sc.Parent {
		if sc.Kind == "location" {
			return sc
		}
		if sc.Kind == "server" {
			return nil
		}
	}
	return nil
}

// rewriteLevels are the scopes whose rewrite-module directives (`if`,
// `return`) run for a request handled at s: the server (server-rewrite
// phase) and the innermost location. Rewrite directives are not inherited
// by nested locations.
func rewriteLevels(s *Scope) []*Scope {
	var out []*Scope
	if srv := s.Server(); srv != nil {
		out = append(out, srv)
	}
	if loc := Location(s); loc != nil {
		out = append(out, loc)
	}
	return out
}

// VerifyGate finds the `if` block that ends, with a `return` (403, 495, a
// redirect to a login page, …), every request handled at s whose client
// certificate nginx did not verify: `if ($ssl_client_verify != SUCCESS)` or `!~ SUCCESS` (or `!~*`),
// at the server level or in the location that handles the request. When
// noneSuffices is set (ssl_verify_client optional, where verification
// failures are already rejected by nginx), `if ($ssl_client_verify = NONE)`
// counts too. An OpenResty rewrite_by_lua_block or access_by_lua_block
// that calls ngx.exit when ngx.var.ssl_client_verify is not "SUCCESS" is a
// gate as well (that directive is returned).
func VerifyGate(s *Scope, noneSuffices bool) *nginx.Directive {
	for _, lvl := range rewriteLevels(s) {
		for _, name := range []string{"rewrite_by_lua_block", "access_by_lua_block"} {
			for _, d := range lvl.Own(name) {
				if luaRejectsUnverified(d.Arg(0)) {
					return d
				}
			}
		}
		for _, c := range lvl.Children {
			if c.Kind != "if" || !rejectsUnverified(c.Dir.Args, noneSuffices) {
				continue
			}
			if len(c.Own("return")) > 0 {
				return c.Dir
			}
		}
	}
	return nil
}

// luaVerifyCheck matches OpenResty Lua that rejects a request whose
// certificate did not verify: `if ngx.var.ssl_client_verify ~= "SUCCESS"
// then return ngx.exit(403) end`.
var luaVerifyCheck = regexp.MustCompile(`ngx\.var\.ssl_client_verify\s*~=\s*["']SUCCESS["']\s*then\s+(return\s+)?ngx\.exit\(`)

// luaRejectsUnverified reports whether a Lua block (rewrite or access
// phase) ends requests whose $ssl_client_verify is not SUCCESS.
func luaRejectsUnverified(code string) bool { return luaVerifyCheck.MatchString(code) }

func rejectsUnverified(args []string, noneSuffices bool) bool {
	if len(args) != 3 {
		return false
	}
	if a := strings.ToLower(args[0]); a != "$ssl_client_verify" && a != "${ssl_client_verify}" {
		return false
	}
	op, val := args[1], strings.Trim(args[2], `"'`)
	switch op {
	case "!=":
		return val == "SUCCESS"
	case "!~":
		return strings.Trim(val, "^$") == "SUCCESS"
	case "!~*":
		return strings.EqualFold(strings.Trim(val, "^$"), "SUCCESS")
	case "=":
		return noneSuffices && val == "NONE"
	case "~":
		return noneSuffices && strings.Trim(val, "^$") == "NONE"
	}
	return false
}

// Unreachable returns the unconditional `return` that answers every request
// before it reaches u's *_pass (at the server level or in the handling
// location), nil if there is none.
func Unreachable(u *Upstream) *nginx.Directive {
	for _, lvl := range rewriteLevels(u.Scope) {
		if rs := lvl.Own("return"); len(rs) > 0 {
			return rs[0]
		}
	}
	return nil
}

// ClientsRestricted reports whether the access rules in effect at s
// (`allow`/`deny`, inherited as a group from the nearest level that has
// any) end in `deny all` after at least one `allow` of specific addresses:
// only listed peers — typically a trusted load balancer — can connect.
func ClientsRestricted(s *Scope) bool {
	for sc := s; sc != nil; sc = sc.Parent {
		rules := sc.OwnOf("allow", "deny")
		if len(rules) == 0 {
			continue
		}
		last := rules[len(rules)-1]
		if last.Name != "deny" || last.Arg(0) != "all" {
			return false
		}
		for _, d := range rules {
			if d.Name == "allow" && d.Arg(0) != "all" {
				return true
			}
		}
		return false
	}
	return false
}

// ExpandValue replaces, up to a few levels deep, variables defined by `set`
// (in s or an enclosing level) or by `map` (anywhere in the model) with
// what they are computed from: a map's source and its values, a set's
// value. The result is meant for ClassifyValue and VarNames, not for
// display.
func (m *Model) ExpandValue(s *Scope, v string) string {
	return m.expand(s, v, 0)
}

func (m *Model) expand(s *Scope, v string, depth int) string {
	if depth > 3 || !strings.Contains(v, "$") {
		return v
	}
	var b strings.Builder
	b.WriteString(v)
	for _, name := range VarNames(v) {
		if builtinVar(name) {
			continue
		}
		if def := m.varDefinition(s, name); def != "" {
			b.WriteString(" ")
			b.WriteString(m.expand(s, def, depth+1))
		}
	}
	return b.String()
}

// builtinVar reports whether name is one of nginx's own variables, which
// `set` and `map` cannot define.
func builtinVar(name string) bool {
	for _, p := range []string{"ssl_", "http_", "arg_", "cookie_", "sent_http_", "upstream_"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	switch name {
	case "host", "remote_addr", "remote_port", "remote_user", "request", "request_uri", "uri", "args",
		"query_string", "scheme", "server_name", "server_port", "server_addr", "request_method",
		"proxy_add_x_forwarded_for", "document_uri", "request_body", "content_type", "content_length":
		return true
	}
	return false
}

// varDefinition is the text a user-defined variable is computed from, ""
// when it is not defined by `set` or `map`.
func (m *Model) varDefinition(s *Scope, name string) string {
	var parts []string
	for sc := s; sc != nil; sc = sc.Parent {
		for _, d := range sc.Own("set") {
			if strings.EqualFold(strings.Trim(d.Arg(0), "${}"), name) {
				parts = append(parts, d.Arg(1))
			}
		}
	}
	for _, main := range m.Mains {
		if main.Config.Deployment != s.Config.Deployment {
			continue // a map of another deployment does not apply
		}
		nginx.Walk(main.Config.Directives, func(d *nginx.Directive) bool {
			if d.Name != "map" || len(d.Args) < 2 || !strings.EqualFold(strings.Trim(d.Args[1], "${}"), name) {
				return d.Name != "map"
			}
			parts = append(parts, d.Args[0])
			for _, e := range d.Block {
				if e.IsComment() || e.Name == "hostnames" || e.Name == "volatile" || e.Name == "include" {
					continue
				}
				parts = append(parts, e.Args...)
			}
			return false
		})
	}
	return strings.Join(parts, " ")
}

// Transport describes how an upstream reaches the application.
type Transport struct {
	// Scheme is the protocol prefix of the *_pass target (http, https,
	// grpc, grpcs, uwsgi, suwsgi), or "" when the target has none
	// (fastcgi_pass, scgi_pass, a bare uwsgi_pass or grpc_pass address).
	Scheme string
	// TLS reports whether nginx speaks TLS to the upstream.
	TLS bool
	// Known is false when the target depends on variables.
	Known bool
	// Endpoints are the addresses the target resolves to (through an
	// `upstream` block when it names one), normalised: loopback hosts as
	// "loopback:PORT", unix sockets as "unix:PATH", others as "host:port".
	Endpoints []string
	// Remote lists the non-loopback addresses as written, and RemoteFrom
	// the `server` lines of an `upstream` block that name them (or the
	// *_pass directive itself).
	Remote     []string
	RemoteFrom []*nginx.Directive
	// Block is the `upstream` block the target names, nil if none.
	Block *Scope
}

// Transport resolves u's target.
func (m *Model) Transport(u *Upstream) Transport {
	t := Transport{Known: true}
	target := u.Target()
	rest := target
	if i := strings.Index(target, "://"); i >= 0 {
		t.Scheme = strings.ToLower(target[:i])
		rest = target[i+3:]
	}
	switch t.Scheme {
	case "https", "grpcs", "suwsgi":
		t.TLS = true
	}
	// A variable, or a template placeholder ({{ app_host }}), is decided
	// at run or render time.
	// So is the upstream of a modelled (Synthetic) proxy_pass, such as the
	// container address nginx-proxy writes.
	if target == "" || strings.Contains(target, "$") || nginx.HasPlaceholder(target) || u.Pass.Synthetic {
		t.Known = false
		return t
	}
	defPort := map[string]string{"http": "80", "https": "443", "grpc": "80", "grpcs": "443"}[t.Scheme]
	if strings.HasPrefix(strings.ToLower(rest), "unix:") {
		t.Endpoints = []string{normEndpoint(rest, defPort)}
		return t
	}
	host := rest
	if i := strings.IndexByte(host, '/'); i >= 0 {
		host = host[:i]
	}
	if blk := m.upstreamBlock(u.Scope, host); blk != nil {
		t.Block = blk
		for _, d := range blk.Own("server") {
			addr := d.Arg(0)
			if strings.Contains(addr, "$") || nginx.HasPlaceholder(addr) {
				t.Known = false
			}
			t.Endpoints = append(t.Endpoints, normEndpoint(addr, defPort))
			if !IsLoopback(addr) {
				t.Remote = append(t.Remote, addr)
				t.RemoteFrom = append(t.RemoteFrom, d)
			}
		}
		return t
	}
	t.Endpoints = []string{normEndpoint(host, defPort)}
	if !IsLoopback(host) {
		t.Remote = []string{host}
		t.RemoteFrom = []*nginx.Directive{u.Pass}
	}
	return t
}

// upstreamBlock finds the http-level `upstream NAME` block in s's
// configuration (or, failing that, in any configuration of the same
// deployment).
func (m *Model) upstreamBlock(s *Scope, name string) *Scope {
	root := s
	for root.Parent != nil {
		root = root.Parent
	}
	find := func(main *Scope) *Scope { return m.upstreamNames[main][name] }
	if b := find(root); b != nil {
		return b
	}
	for _, main := range m.Mains {
		if main != root && main.Config.Deployment == root.Config.Deployment {
			if b := find(main); b != nil {
				return b
			}
		}
	}
	return nil
}

func normEndpoint(addr, defPort string) string {
	a := strings.ToLower(addr)
	if strings.HasPrefix(a, "unix:") {
		return "unix:" + strings.TrimSuffix(strings.TrimPrefix(addr, "unix:"), ":")
	}
	host, port := a, defPort
	switch {
	case strings.HasPrefix(a, "["):
		if i := strings.Index(a, "]"); i >= 0 {
			host = a[1:i]
			if strings.HasPrefix(a[i+1:], ":") {
				port = a[i+2:]
			}
		}
	case strings.Count(a, ":") == 1:
		i := strings.LastIndex(a, ":")
		host, port = a[:i], a[i+1:]
	}
	if IsLoopback(host) || host == "::1" {
		host = "loopback"
	}
	return host + ":" + port
}
