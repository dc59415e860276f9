package ngxmodel

// The nginx adapter of the proxy-neutral front-end model: every place nginx
// passes requests to the application becomes a frontend.Route.

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/analyzer/identity"
	"github.com/djleak/djleak/parsers/nginx"
	"github.com/djleak/djleak/parsers/source"
)

func init() {
	frontend.Register(&frontend.Adapter{Kind: frontend.Nginx, Routes: routes, Requires: []analyzer.Requirement{Pass}})
}

func routes(p *analyzer.Project) ([]*frontend.Route, bool) {
	present := p.Nginx != nil && len(p.Nginx.Configs) > 0
	m := analyzer.Fact(p, Pass)
	var out []*frontend.Route
	for _, u := range m.Upstreams() {
		out = append(out, m.Route(u))
	}
	return out, present
}

// Route is u as a front-end route.
func (m *Model) Route(u *Upstream) *frontend.Route {
	r := frontend.NewRoute(func(key string) frontend.Name { return u.Name(key) }, u.mentionedKeys())
	r.Front = frontend.Nginx
	r.Native = u
	if u.Scope.Config != nil {
		r.Deployment = u.Scope.Config.Deployment
	}
	r.At = u.Pass.Loc
	if u.Scope.Dir != nil {
		r.At = u.Scope.Dir.Loc
	}
	r.Where = u.Scope.Label()
	r.Label = r.Where
	if u.Server != nil {
		if u.Server.Dir != nil {
			r.Server = u.Server.Dir.Loc
		}
		r.ServerLabel = u.Server.Label()
		r.Label = r.ServerLabel + ", " + r.Where
		r.Listeners = listeners(u.Server)
		if d := RedirectToHTTPS(u.Scope); d != nil {
			r.RedirectsHTTPS = &d.Loc
		}
	}
	r.Pass = passKind(u)
	r.Target = u.Target()
	r.HeaderDirective = u.Module.ParamDirective()
	r.PassesClientHeaders = u.PassesRequestHeaders()
	if u.ParamsFrom != nil {
		own := u.ParamsFrom.Own(u.Module.ParamDirective())[0]
		if strings.HasPrefix(own.Loc.Path, "<") && own.Parent != nil {
			own = own.Parent // `include proxy_params;` of a built-in file
		}
		set := &frontend.Setting{At: own.Loc, Text: u.Module.ParamDirective(), Level: u.ParamsFrom.Kind}
		if own.Name == "include" {
			set.Include = "include " + own.Arg(0)
		}
		r.OwnHeaders = set
		seen := map[string]bool{}
		for sc := u.ParamsFrom.Parent; sc != nil; sc = sc.Parent {
			for _, d := range sc.Own(u.Module.ParamDirective()) {
				if k := u.Key(d); u.IdentityParam(d) && !seen[k] {
					seen[k] = true
					r.ShadowedKeys = append(r.ShadowedKeys, k)
				}
			}
		}
	}
	r.VerifyVar = "$ssl_client_verify"
	for sc := u.Scope; sc != nil; sc = sc.Parent {
		for _, d := range sc.Own(u.Module.ParamDirective()) {
			if strings.Contains(d.Arg(1), "$ssl_client_verify") {
				r.VerifyKeys = append(r.VerifyKeys, u.Key(d))
			}
		}
	}
	if d := HSTSAt(u.Scope); d != nil {
		r.HSTS = &d.Loc
	}
	if d := Unreachable(u); d != nil {
		r.Answered = &d.Loc
	}
	t := m.Transport(u)
	ft := frontend.Transport{Known: t.Known, TLS: t.TLS, Endpoints: t.Endpoints, Loopback: t.Known && len(t.Remote) == 0}
	if v, _ := u.Scope.Simple(string(u.Module) + "_ssl_verify"); v != nil && v.Arg(0) == "on" {
		ft.Verified = t.TLS
	}
	for _, d := range t.RemoteFrom {
		ft.Remote = append(ft.Remote, d.Loc)
	}
	r.Transport = ft
	for _, l := range m.AccessLogs(u.Scope) {
		r.AccessLogs = append(r.AccessLogs, accessLog(l, u.Pass.Loc))
	}
	return r
}

func passKind(u *Upstream) frontend.PassKind {
	if InStream(u.Scope) {
		return frontend.PassTCP
	}
	switch u.Module {
	case UWSGI:
		return frontend.PassUWSGI
	case FastCGI:
		return frontend.PassFastCGI
	case SCGI:
		return frontend.PassSCGI
	case GRPC:
		return frontend.PassGRPC
	}
	return frontend.PassHTTP
}

// CertMode is the client-certificate mode of a server scope, with the
// `ssl_verify_client` that sets it (nil when none does).
func CertMode(srv *Scope) (frontend.CertMode, *nginx.Directive) {
	d, _ := srv.Simple("ssl_verify_client")
	if d == nil {
		return frontend.CertNone, nil
	}
	switch d.Arg(0) {
	case "on":
		return frontend.CertRequire, d
	case "optional":
		return frontend.CertOptional, d
	case "optional_no_ca":
		return frontend.CertOptionalNoCA, d
	}
	return frontend.CertNone, d
}

// listeners lists a server's listen addresses. A server without `listen`
// takes port 80; `ssl on` in effect makes every listener TLS.
func listeners(srv *Scope) []frontend.Listener {
	mode, verify := CertMode(srv)
	ca := ""
	if d, _ := srv.Simple("ssl_client_certificate"); d != nil {
		ca = d.Arg(0)
	} else if d, _ := srv.Simple("ssl_trusted_certificate"); d != nil {
		ca = d.Arg(0)
	}
	sslOn := false
	if d, _ := srv.Simple("ssl"); d != nil && d.Arg(0) == "on" {
		sslOn = true
	}
	mk := func(addr string, tls bool, at source.Location) frontend.Listener {
		l := frontend.Listener{Addr: addr, TLS: tls, At: at}
		if tls {
			l.ClientCert, l.CA = mode, ca
			if verify != nil {
				l.At = verify.Loc
			}
		}
		return l
	}
	ls := srv.Own("listen")
	if len(ls) == 0 {
		at := source.Location{}
		if srv.Dir != nil {
			at = srv.Dir.Loc
		}
		return []frontend.Listener{mk("*:80", sslOn, at)}
	}
	var out []frontend.Listener
	for _, d := range ls {
		tls := sslOn
		for i, a := range d.Args {
			if i > 0 && (a == "ssl" || a == "quic") {
				tls = true
			}
		}
		out = append(out, mk(normListen(d.Arg(0)), tls, d.Loc))
	}
	return out
}

// normListen normalises a listen address: `80` → "*:80", `example.com` →
// "example.com:80"; unix sockets and host:port stay as written.
func normListen(a string) string {
	a = strings.ToLower(a)
	switch {
	case strings.HasPrefix(a, "unix:"):
	case strings.HasPrefix(a, "["):
		if !strings.Contains(a, "]:") {
			a += ":80"
		}
	case !strings.Contains(a, ":"):
		if _, err := strconv.Atoi(a); err == nil {
			a = "*:" + a
		} else {
			a += ":80"
		}
	}
	return a
}

// mentionedKeys lists the identity keys u's header/param directives set,
// those in effect and those shadowed at outer levels.
func (u *Upstream) mentionedKeys() []string {
	var out []string
	for sc := u.Scope; sc != nil; sc = sc.Parent {
		for _, d := range sc.Own(u.Module.ParamDirective()) {
			if u.IdentityParam(d) {
				out = append(out, u.paramKey(d))
			}
		}
	}
	return out
}

// Name is the front-end verdict for key at u.
func (u *Upstream) Name(key string) frontend.Name {
	v := u.Lookup(key)
	n := frontend.Name{Key: v.Key}
	for _, d := range v.Shadowed {
		n.Shadowed = append(n.Shadowed, d.Loc)
		n.Outer = append(n.Outer, frontend.Setting{At: d.Loc, Text: d.Name + " " + d.Arg(0), Level: LevelName(d)})
	}
	if v.Set != nil {
		n.At, n.Value = v.Set.Loc, v.Set.Arg(1)
		if u.Module.HeaderBased() && strings.Contains(v.Set.Arg(0), "_") {
			n.Written = v.Set.Arg(0)
		}
	}
	switch v.Source {
	case FromClient:
		n.Source = frontend.Forgeable
		switch {
		case n.Written != "":
			n.Why = fmt.Sprintf("nginx sets `%s`, and a client's `%s` reaches the app as the same HTTP_ key", n.Written, headerSpelling(key))
		case len(v.Shadowed) > 0:
			n.Why = fmt.Sprintf("the %s of %s at %s:%d is not inherited here, so the client's own header passes",
				u.Module.ParamDirective(), headerSpelling(key), path.Base(v.Shadowed[0].Loc.Path), v.Shadowed[0].Loc.Start.Line)
		default:
			n.Why = fmt.Sprintf("nginx does not set %s here, so the client's own header passes", headerSpelling(key))
		}
	case ClientControlled, Mixed:
		n.Source = frontend.Forgeable
		n.ClientValue = true
		n.Why = fmt.Sprintf("nginx sets it from a value the client chooses (%s)", v.Set.Arg(1))
	case Cleared:
		n.Source = frontend.Cleared
	case Server:
		n.Source = frontend.ServerValue
	case Absent:
		n.Source = frontend.NotSent
	case Verified:
		n.Source, n.Cert, n.Optional, n.Why = u.certSource()
		if n.Optional && statusOnly(u, v.Set) {
			// $ssl_client_verify is NONE without a certificate: the status
			// is always there, and it is what the app must check.
			n.Optional = false
			n.Why = "from the certificate verification status nginx sets on every request (`$ssl_client_verify`: SUCCESS, NONE or FAILED:reason)"
		}
	}
	if u.UnderscoreVariantPasses(key) {
		loc := u.Pass.Loc
		if u.Scope.Dir != nil {
			loc = u.Scope.Dir.Loc
		}
		if d, _ := u.UnderscoresAllowed(); d != nil {
			loc = d.Loc
		}
		n.Underscore = &loc
	}
	return n
}

// statusOnly reports whether d's value takes no certificate variable but
// $ssl_client_verify (through `set` and `map` too).
func statusOnly(u *Upstream, d *nginx.Directive) bool {
	if d == nil {
		return false
	}
	val := d.Arg(1)
	if u.model != nil {
		val = u.model.ExpandValue(u.Scope, val)
	}
	status := false
	for _, v := range VarNames(val) {
		if strings.HasPrefix(v, "ssl_client_") {
			if v != "ssl_client_verify" {
				return false
			}
			status = true
		}
	}
	return status
}

// certSource judges a value taken from $ssl_client_* variables by the
// server's `ssl_verify_client`:
//   - on: verified on every request;
//   - optional: verified when a certificate is sent; a request without one
//     gets empty variables, which nginx omits. When the server or the
//     location rejects such requests (VerifyGate), the value is Verified;
//     otherwise it is Verified but Optional;
//   - optional_no_ca: Unverified (any certificate the client made itself);
//   - off or unset: Unverified (nginx requests no certificate, so the value
//     is always empty).
func (u *Upstream) certSource() (frontend.Source, frontend.CertMode, bool, string) {
	if u.Server == nil {
		return frontend.Unverified, frontend.CertNone, false, "from a client certificate no server requests"
	}
	mode, _ := CertMode(u.Server)
	switch mode {
	case frontend.CertRequire:
		return frontend.Verified, mode, false, "from a client certificate nginx verifies (`ssl_verify_client on`)"
	case frontend.CertOptional:
		if VerifyGate(u.Scope, true) != nil {
			return frontend.Verified, mode, false, "from a client certificate nginx verifies; requests without one are rejected"
		}
		return frontend.Verified, mode, true, "from a verified client certificate when one is sent, and empty for requests without one (`ssl_verify_client optional`, and nothing rejects those requests)"
	case frontend.CertOptionalNoCA:
		return frontend.Unverified, mode, false, "from a certificate nginx does not verify (`ssl_verify_client optional_no_ca` accepts any certificate, one the client made itself included)"
	}
	return frontend.Unverified, mode, false, "from a client certificate nginx never requests here (`ssl_verify_client` is off), so the value is always empty"
}

// LevelName is the kind of block a directive sits in ("server", "http"),
// looking through includes.
func LevelName(d *nginx.Directive) string {
	for p := d.Parent; p != nil; p = p.Parent {
		if p.Name != "include" {
			return p.Name
		}
	}
	return "top"
}

// headerSpelling is the header a key names (HTTP_X_CLIENT_DN →
// X-Client-DN), or the key itself for environment keys.
func headerSpelling(key string) string {
	if h := identity.HeaderName(strings.ToUpper(key)); h != "" {
		return h
	}
	return key
}

// RedirectToHTTPS returns the directive that sends every plain-HTTP request
// handled at s to https:// — `return 301 https://…`, `rewrite ^ https://…
// permanent`, or such a return inside `if ($scheme = http)` — at the server
// level or in the location that handles the request, or nil.
func RedirectToHTTPS(s *Scope) *nginx.Directive {
	for _, lvl := range rewriteLevels(s) {
		for _, d := range lvl.Directives {
			if isHTTPSRedirect(d) {
				return d
			}
		}
		for _, c := range lvl.Children {
			if c.Kind != "if" || c.Dir == nil || !plainTest.MatchString(strings.TrimSpace(strings.Join(c.Dir.Args, " "))) {
				continue
			}
			for _, d := range c.Directives {
				if isHTTPSRedirect(d) {
					return d
				}
			}
		}
	}
	return nil
}

func isHTTPSRedirect(d *nginx.Directive) bool {
	switch d.Name {
	case "return":
		if len(d.Args) == 1 {
			return strings.HasPrefix(d.Arg(0), "https://")
		}
		switch d.Arg(0) {
		case "301", "302", "303", "307", "308":
			return strings.HasPrefix(d.Arg(1), "https://")
		}
	case "rewrite":
		return strings.HasPrefix(d.Arg(1), "https://") && d.Arg(0) != "" &&
			(d.Arg(2) == "permanent" || d.Arg(2) == "redirect" || d.Arg(2) == "")
	}
	return false
}

// plainTest matches `if` conditions that hold for plain-HTTP requests.
var plainTest = regexp.MustCompile(`^\$scheme\s*=\s*["']?http["']?$|^\$scheme\s*!=\s*["']?https["']?$|^\$https\s*=\s*["']{0,2}$|^\$https\s*!=\s*["']?on["']?$`)

// HSTSAt returns the add_header (or more_set_headers) in effect at s that
// sends Strict-Transport-Security with a positive max-age, or nil. A level
// with its own add_header does not inherit the outer ones.
func HSTSAt(s *Scope) *nginx.Directive {
	ds, _ := s.Array("add_header")
	for _, d := range ds {
		if strings.EqualFold(d.Arg(0), "Strict-Transport-Security") && maxAgePositive(d.Arg(1)) {
			return d
		}
	}
	for sc := s; sc != nil; sc = sc.Parent {
		for _, d := range sc.Own("more_set_headers") {
			for _, a := range d.Args {
				if i := strings.IndexByte(a, ':'); i > 0 && strings.EqualFold(strings.TrimSpace(a[:i]), "Strict-Transport-Security") && maxAgePositive(a[i+1:]) {
					return d
				}
			}
		}
	}
	return nil
}

func maxAgePositive(v string) bool {
	l := strings.ToLower(v)
	i := strings.Index(l, "max-age=")
	if i < 0 {
		return false
	}
	num := strings.Trim(l[i+len("max-age="):], `"' `)
	end := 0
	for end < len(num) && num[end] >= '0' && num[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(num[:end])
	return err == nil && n > 0
}

// credentialHeaders are request headers carrying credentials, by the
// variable that logs them.
var credentialHeaders = map[string]string{
	"http_authorization": "Authorization", "http_cookie": "Cookie", "http_proxy_authorization": "Proxy-Authorization",
	"http_x_api_key": "X-Api-Key", "http_x_auth_token": "X-Auth-Token", "http_x_csrftoken": "X-CSRFToken",
}

func accessLog(l AccessLog, fallback source.Location) frontend.AccessLog {
	out := frontend.AccessLog{At: fallback, Path: "logs/access.log"}
	if l.Dir != nil {
		out.At, out.Path = l.Dir.Loc, l.Dir.Arg(0)
	}
	if q := l.QueryVar(); q != "" {
		out.RecordsQuery = true
		if l.Format != nil {
			out.QueryAt = l.Format.Loc
		} else {
			out.QueryAt = out.At
		}
	}
	for _, v := range l.Vars() {
		if h, ok := credentialHeaders[v]; ok {
			out.Credentials = append(out.Credentials, h)
		}
	}
	return out
}
