package caddymodel

import (
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/parsers/caddy"
)

// Op is one header operation on the request before it reaches the
// upstream: a `request_header` in the site or an enclosing block, or a
// `header_up` of the `reverse_proxy`.
type Op struct {
	D      *caddy.Directive
	Action string // "set", "add", "delete", "replace"
	Header string // the field; a trailing or leading `*` is a wildcard (delete only)
	Value  string // set / add value, or replace's replacement
	// Cond is the request_header's matcher ("@api", "/admin/*"); "" when
	// the operation applies to every request of the route.
	Cond string
}

// Matches reports whether the operation names header h.
func (o *Op) Matches(h string) bool {
	f := strings.ToLower(o.Header)
	h = strings.ToLower(h)
	switch {
	case strings.HasSuffix(f, "*") && o.Action == "delete":
		return strings.HasPrefix(h, strings.TrimSuffix(f, "*"))
	case strings.HasPrefix(f, "*") && o.Action == "delete":
		return strings.HasSuffix(h, strings.TrimPrefix(f, "*"))
	}
	return f == h
}

// Route is one `reverse_proxy` reached through the site's addresses of one
// kind (TLS or plain HTTP).
type Route struct {
	Site  *Site
	Addrs []Addr
	Proxy *caddy.Directive
	// Chain is the enclosing handle / handle_path / route blocks, outer
	// first.
	Chain []*caddy.Directive
	Ops   []*Op
	// Stopped is the site's unconditional `redir` that answers every
	// request of the route instead of proxying it; nil when requests pass.
	Stopped *caddy.Directive
}

// TLS reports whether the route's addresses serve TLS.
func (r *Route) TLS() bool { return r.Addrs[0].TLS }

// Label names the route as a reviewer would.
func (r *Route) Label() string {
	var a []string
	for _, ad := range r.Addrs {
		a = append(a, ad.Text)
	}
	l := "site " + strings.Join(a, ", ")
	for _, c := range r.Chain {
		l += ", " + strings.Join(append([]string{c.Name()}, c.Args()...), " ")
	}
	proxy := "reverse_proxy "
	if args := r.Proxy.Args(); len(args) > 0 && isMatcher(args[0]) {
		proxy += args[0] + " " // the requests this proxy takes
	}
	return l + " → " + proxy + strings.Join(r.upstreams(), " ")
}

// upstreams are the proxy's upstream addresses as written.
func (r *Route) upstreams() []string {
	var out []string
	args := r.Proxy.Args()
	if len(args) > 0 && isMatcher(args[0]) {
		args = args[1:]
	}
	out = append(out, args...)
	for _, d := range r.Proxy.Find("to") {
		out = append(out, d.Args()...)
	}
	return out
}

func isMatcher(w string) bool {
	return strings.HasPrefix(w, "@") || strings.HasPrefix(w, "/") || w == "*"
}

// parseOp reads a request_header or header_up line.
func parseOp(d *caddy.Directive) *Op {
	args := d.Args()
	o := &Op{D: d}
	if d.Name() == "request_header" && len(args) > 0 && isMatcher(args[0]) {
		o.Cond, args = args[0], args[1:]
	}
	if len(args) == 0 {
		return nil
	}
	f := args[0]
	switch {
	case strings.HasPrefix(f, "-"):
		o.Action, o.Header = "delete", f[1:]
	case strings.HasPrefix(f, "+"):
		o.Action, o.Header = "add", f[1:]
		if len(args) > 1 {
			o.Value = args[1]
		}
	case len(args) >= 3:
		o.Action, o.Header, o.Value = "replace", f, args[2]
	default:
		o.Action, o.Header = "set", f
		if len(args) > 1 {
			o.Value = args[1]
		}
	}
	return o
}

// Routes lists the configuration's routes, in source order.
func (c *Config) Routes() []*Route {
	c.routesOnce.Do(func() { c.routes = c.buildRoutes() })
	return c.routes
}

func (c *Config) buildRoutes() []*Route {
	var out []*Route
	for _, s := range c.Sites {
		var groups [][]Addr
		for _, tls := range []bool{true, false} {
			var g []Addr
			for _, a := range s.Addrs {
				if a.TLS == tls {
					g = append(g, a)
				}
			}
			if len(g) > 0 {
				groups = append(groups, g)
			}
		}
		var stop *caddy.Directive
		for _, d := range s.Body {
			if d.Name() == "redir" && len(d.Args()) > 0 && !isMatcher(d.Arg(0)) {
				stop = d
			}
		}
		var proxies []*Route
		walk(s.Body, nil, nil, false, &proxies)
		for _, g := range groups {
			for _, p := range proxies {
				r := *p
				r.Site, r.Addrs, r.Stopped = s, g, stop
				out = append(out, &r)
			}
		}
	}
	return out
}

// walk collects the reverse_proxy directives of body with the header
// operations in effect. In a `route` block directives run in the order
// written; elsewhere Caddy sorts request_header before reverse_proxy.
func walk(body []*caddy.Directive, chain []*caddy.Directive, ops []*Op, literal bool, out *[]*Route) {
	own := append([]*Op(nil), ops...)
	if !literal {
		for _, d := range body {
			if d.Name() == "request_header" {
				if o := parseOp(d); o != nil {
					own = append(own, o)
				}
			}
		}
	}
	for _, d := range body {
		switch d.Name() {
		case "request_header":
			if literal {
				if o := parseOp(d); o != nil {
					own = append(own, o)
				}
			}
		case "handle", "handle_path", "route":
			if d.HasBody {
				walk(d.Body, append(append([]*caddy.Directive(nil), chain...), d), own, d.Name() == "route", out)
			}
		case "reverse_proxy":
			r := &Route{Proxy: d, Chain: chain, Ops: append([]*Op(nil), own...)}
			for _, h := range d.Find("header_up") {
				if o := parseOp(h); o != nil {
					r.Ops = append(r.Ops, o)
				}
			}
			*out = append(*out, r)
		}
	}
}

// value classes a header can end up with (see frontend.Values).
type vset = frontend.Values

const (
	vClient = frontend.ValClient
	vCert   = frontend.ValCert
	vRogue  = frontend.ValRogue
	vNone   = frontend.ValNone
	vServer = frontend.ValServer
)

type certCase int

const (
	certNone certCase = iota
	certValid
	certRogue
)

type scenario struct {
	name string
	tls  bool
	cert certCase
}

// scenarios lists the requests a client can make on the route.
func (r *Route) scenarios() []scenario {
	if !r.TLS() {
		return []scenario{{name: "plain HTTP"}}
	}
	none := scenario{name: "no certificate", tls: true}
	valid := scenario{name: "a valid certificate", tls: true, cert: certValid}
	rogue := scenario{name: "a certificate from another CA", tls: true, cert: certRogue}
	ca := r.Site.ClientAuth
	if ca == nil {
		return []scenario{none}
	}
	switch ca.Mode {
	case "request":
		return []scenario{none, valid, rogue}
	case "require":
		return []scenario{valid, rogue}
	case "verify_if_given":
		return []scenario{none, valid}
	}
	return []scenario{valid}
}

var placeholder = regexp.MustCompile(`\{([^{}\s]+)\}`)

// clientPlaceholders are placeholders whose value the client chooses
// (prefixes end with a dot).
var clientPlaceholders = []string{
	"http.request.header.", "header.", "http.request.uri", "uri", "path", "query", "http.request.orig_uri",
	"http.request.cookie.", "cookie.", "http.request.host", "host", "hostport", "http.request.hostport",
	"http.request.body", "http.request.uri.query.", "query.", "labels.", "http.request.host.labels.",
}

func isClientPlaceholder(p string) bool {
	for _, c := range clientPlaceholders {
		if p == strings.TrimSuffix(c, ".") || strings.HasSuffix(c, ".") && strings.HasPrefix(p, c) ||
			!strings.HasSuffix(c, ".") && strings.HasPrefix(p, c+".") {
			return true
		}
	}
	return false
}

// IsCertPlaceholder reports whether a placeholder reads the client
// certificate.
func IsCertPlaceholder(p string) bool {
	return strings.HasPrefix(p, "http.request.tls.client.") || strings.HasPrefix(p, "tls_client_")
}

// HasCertPlaceholder reports whether a value reads the client certificate.
func HasCertPlaceholder(v string) bool {
	for _, m := range placeholder.FindAllStringSubmatch(v, -1) {
		if IsCertPlaceholder(m[1]) {
			return true
		}
	}
	return false
}

// HasClientPlaceholder reports whether a value reads client input.
func HasClientPlaceholder(v string) bool {
	for _, m := range placeholder.FindAllStringSubmatch(v, -1) {
		if isClientPlaceholder(m[1]) {
			return true
		}
	}
	return false
}

// valueClass classifies a value for a scenario.
func (s scenario) valueClass(v string) vset {
	if v == "" {
		return vNone
	}
	var out vset
	for _, m := range placeholder.FindAllStringSubmatch(v, -1) {
		switch p := m[1]; {
		case isClientPlaceholder(p):
			out |= vClient
		case IsCertPlaceholder(p):
			switch s.cert {
			case certValid:
				out |= vCert
			case certRogue:
				out |= vRogue
			default:
				out |= vServer // left unreplaced: the placeholder's own text
			}
		default:
			out |= vServer
		}
	}
	switch {
	case out&vClient != 0:
		return vClient
	case out&(vCert|vRogue) != 0:
		return out & (vCert | vRogue)
	}
	return vServer
}

// Outcome is what one header is on a route.
type Outcome struct {
	Set vset
	// At is the last operation that changed the header; nil when none did.
	At *Op
	// Undecided is the first operation under a matcher that left the
	// client's value in place on the requests it does not match.
	Undecided *Op
	// ClientIn names the first kind of request on which the client's own
	// value reaches the upstream.
	ClientIn string
}

// Header evaluates header name on the route.
func (r *Route) Header(name string) Outcome {
	var out Outcome
	for _, s := range r.scenarios() {
		cur := vClient
		for _, o := range r.Ops {
			if !o.Matches(name) {
				continue
			}
			var next vset
			switch o.Action {
			case "delete":
				next = vNone
			case "set":
				next = s.valueClass(o.Value)
			case "add":
				next = cur | s.valueClass(o.Value)
			case "replace":
				next = cur
				if cur&vClient == 0 && s.valueClass(o.Value)&vClient != 0 {
					next = vClient
				}
			}
			if o.Cond != "" {
				if cur&vClient != 0 && out.Undecided == nil {
					out.Undecided = o
				}
				next |= cur
			}
			cur = next
			if out.At == nil || o.D.Start > out.At.D.Start {
				out.At = o
			}
		}
		if cur&vClient != 0 && out.ClientIn == "" {
			out.ClientIn = s.name
		}
		out.Set |= cur
	}
	return out
}

// RedirectsHTTPS reports whether the stopping redir goes to https.
func (r *Route) RedirectsHTTPS() bool {
	return r.Stopped != nil && strings.HasPrefix(strings.ToLower(r.Stopped.Arg(0)), "https://")
}

// Configs builds every Caddyfile's sites (a project fact).
var Configs = &analyzer.Pass[[]*Config]{Name: "caddy", Run: func(p *analyzer.Project) []*Config {
	l := &projectLoader{p: p, files: map[string]*File{}}
	var files []*File
	for _, f := range Files(p) {
		f := f
		l.files[f.Src.Path] = &f
		if p.LinksToLoaded(f.Src.Path) {
			continue
		}
		files = append(files, &f)
	}
	out := BuildAll(files, l)
	for _, c := range out {
		c.Deployment = p.DeploymentOf(Language, c.File.Src.Path)
	}
	return out
}, Reads: []analyzer.Kind{Language.Kind()}}

func init() {
	frontend.RegisterConfigs(frontend.Caddy, Configs, func(c *Config) []*frontend.Route {
		var out []*frontend.Route
		for _, r := range c.Routes() {
			fr := r.Frontend()
			fr.Deployment = c.Deployment
			out = append(out, fr)
		}
		return out
	})
}

// Frontend converts the route to the proxy-neutral model.
func (r *Route) Frontend() *frontend.Route {
	f := r.Site.File
	fr := &frontend.Route{
		Front:       frontend.Caddy,
		Label:       r.Label(),
		At:          f.At(r.Proxy),
		Server:      f.At(r.Site.Block),
		ServerLabel: r.Site.Label(),
		Pass:        frontend.PassHTTP,
		Target:      strings.Join(r.upstreams(), " "),
	}
	for _, a := range r.Addrs {
		host := a.Host
		if host == "" {
			host = "*"
		}
		l := frontend.Listener{Addr: host + ":" + a.Port, TLS: a.TLS, At: f.At(r.Site.Block)}
		if ca := r.Site.ClientAuth; a.TLS && ca != nil {
			l.CA, l.At = ca.CA, f.At(ca.At)
			if ca.ModeAt != nil {
				l.At = f.At(ca.ModeAt)
			}
			switch ca.Mode {
			case "request", "require":
				l.ClientCert = frontend.CertOptionalNoCA
			case "verify_if_given":
				l.ClientCert = frontend.CertOptional
			default:
				l.ClientCert = frontend.CertRequire
			}
		}
		fr.Listeners = append(fr.Listeners, l)
	}
	fr.Transport = r.transport()
	fr.PassesClientHeaders = r.Stopped == nil
	fr.PassesUnderscores = fr.PassesClientHeaders // Caddy forwards underscored names
	if r.RedirectsHTTPS() {
		at := f.At(r.Stopped)
		fr.RedirectsHTTPS = &at
	}
	for _, d := range r.Site.Body {
		if d.Name() == "header" && strings.EqualFold(strings.TrimPrefix(firstField(d), "+"), "Strict-Transport-Security") {
			at := f.At(d)
			fr.HSTS = &at
		}
	}
	// Caddy has no verification-status placeholder: a certificate that
	// reaches a handler passed the handshake's checks, so VerifyVar stays
	// empty and the Django rules do not ask which header carries it.
	fr.HeaderDirective = "header_up"
	if n := len(r.Chain); n > 0 {
		fr.Where = strings.Join(append([]string{r.Chain[n-1].Name()}, r.Chain[n-1].Args()...), " ")
	}
	var keys []string
	for _, o := range r.Ops {
		if !strings.ContainsAny(o.Header, "*") {
			keys = append(keys, frontend.HeaderKey(o.Header))
			fr.Spellings = append(fr.Spellings, o.Header)
		}
	}
	fr.SetLookup(r.lookup, keys)
	return fr
}

func firstField(d *caddy.Directive) string {
	args := d.Args()
	if len(args) > 0 && isMatcher(args[0]) {
		args = args[1:]
	}
	if len(args) == 0 {
		return ""
	}
	return args[0]
}

// lookup answers the model's question for one environ key.
func (r *Route) lookup(key string) frontend.Name {
	if !strings.HasPrefix(key, "HTTP_") {
		return frontend.Name{Source: frontend.NotSent, Why: "Caddy sends HTTP headers, not environment keys"}
	}
	f := r.Site.File
	if r.Stopped != nil {
		return frontend.Name{Source: frontend.NotSent, At: f.At(r.Stopped), Why: "every request on this route is redirected by `" + strings.Join(r.Stopped.Args(), " ") + "`"}
	}
	// The client can always send the dashed spelling; operations on
	// another spelling (X_SSL_Client_DN) leave it in place.
	name := frontend.HeaderName(key)
	o := r.Header(name)
	written := ""
	for _, sp := range r.spellings(key, name) {
		alt := r.Header(sp)
		o.Set |= alt.Set &^ vClient // the client's own value of that spelling is the app server's call
		if alt.At != nil && (o.At == nil || o.Set&vClient != 0) {
			o.At, written = alt.At, sp
		}
	}
	n := frontend.Name{Written: written}
	if o.At != nil {
		n.At = f.At(o.At.D)
	}
	line := func(op *Op) string { return "`" + op.D.Name() + " " + strings.Join(op.D.Args(), " ") + "`" }
	n.Source = o.Set.Source()
	switch n.Source {
	case frontend.Forgeable:
		switch {
		case written != "":
			n.Why = line(o.At) + " sets " + written + ", and a client's " + name + " reaches the application as the same " + key
		case o.Undecided != nil:
			n.At = f.At(o.Undecided.D)
			n.Condition = "Caddy matcher `" + o.Undecided.Cond + "`"
			n.Why = "on requests that `" + o.Undecided.Cond + "` does not match, the client's own " + name + " passes"
		case o.At != nil && (o.At.Action == "set" || o.At.Action == "replace") && (HasClientPlaceholder(o.At.Value) || o.At.Action == "replace"):
			n.ClientValue = true
			n.Why = line(o.At) + " builds the value from client input"
		case o.At != nil:
			n.Why = line(o.At) + " adds a value but leaves the client's own " + name + " in place"
		default:
			n.Why = "nothing removes " + name + ", and Caddy passes the client's headers"
		}
	case frontend.Unverified:
		n.Why = "`client_auth` mode `" + r.Site.ClientAuth.Mode + "` does not verify the certificate"
	case frontend.ServerValue:
		if o.At != nil && HasCertPlaceholder(o.At.Value) {
			n.Why = "without a client certificate Caddy sends the placeholder's own text"
		}
	}
	return n
}

// spellings lists the other spellings of key the route's operations use.
func (r *Route) spellings(key, name string) []string {
	var out []string
	for _, o := range r.Ops {
		if frontend.HeaderKey(o.Header) == key && !strings.EqualFold(o.Header, name) && !slices.Contains(out, o.Header) {
			out = append(out, o.Header)
		}
	}
	return out
}

// transport describes the hop to the upstreams.
func (r *Route) transport() frontend.Transport {
	ups := r.upstreams()
	t := frontend.Transport{Known: len(ups) > 0, Loopback: true}
	tlsAll, verify := true, true
	for _, d := range r.Proxy.Find("transport") {
		for _, o := range d.Body {
			switch o.Name() {
			case "tls":
				t.TLS = true
			case "tls_insecure_skip_verify":
				t.TLS, verify = true, false
			}
		}
	}
	for _, u := range ups {
		if strings.Contains(u, "{") {
			t.Known = false
			continue
		}
		scheme := ""
		if i := strings.Index(u, "://"); i >= 0 {
			scheme, u = u[:i], u[i+3:]
		}
		if strings.HasPrefix(u, "unix/") {
			t.Endpoints = append(t.Endpoints, "unix:"+strings.TrimPrefix(u, "unix/"))
			continue
		}
		if scheme != "https" && !t.TLS {
			tlsAll = false
		}
		host, port := u, "80"
		if scheme == "https" {
			port = "443"
		}
		if i := strings.LastIndexByte(u, ':'); i >= 0 {
			host, port = u[:i], u[i+1:]
		}
		host = strings.Trim(host, "[]")
		if host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1" {
			t.Endpoints = append(t.Endpoints, "loopback:"+port)
			continue
		}
		t.Loopback = false
		t.Endpoints = append(t.Endpoints, host+":"+port)
		t.Remote = append(t.Remote, r.Site.File.At(r.Proxy))
	}
	t.TLS = t.TLS || (tlsAll && len(t.Endpoints) > 0)
	t.Verified = t.TLS && verify
	sort.Strings(t.Endpoints)
	t.Remote = t.Remote[:min(1, len(t.Remote))]
	return t
}
