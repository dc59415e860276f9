package haproxymodel

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/frontend"
)

// value classes a header can end up with (see frontend.Values).
type vset = frontend.Values

const (
	vClient = frontend.ValClient
	vCert   = frontend.ValCert
	vRogue  = frontend.ValRogue
	vNone   = frontend.ValNone
	vServer = frontend.ValServer
)

// Route is one way from a group of bind lines of a frontend (or listen)
// to a backend, with the rules that run on it.
type Route struct {
	Front   *Proxy
	Backend *Proxy
	Binds   []*Bind
	Rules   []*Rule // frontend (with inherited) then backend rules
	named   acls
	// Stopped is the rule that stops every request of this route before
	// it reaches a server (an unconditional deny, a redirect that applies
	// to every request); nil when requests pass.
	Stopped *Rule
}

// Label names the route as a reviewer would.
func (r *Route) Label() string {
	var addrs []string
	for _, b := range r.Binds {
		addrs = append(addrs, b.Addr)
	}
	l := fmt.Sprintf("%s %s (bind %s)", r.Front.Kind, r.Front.Name, strings.Join(addrs, ", "))
	if r.Backend != r.Front {
		l += " → backend " + r.Backend.Name
	}
	return l
}

// TLS reports whether the route's binds terminate TLS.
func (r *Route) TLS() bool { return r.Binds[0].SSL }

// Verify is the route's client-certificate mode.
func (r *Route) Verify() Verify {
	if !r.TLS() {
		return VerifyNone
	}
	return r.Binds[0].Verify
}

// scenarios lists the requests a client can make on the route.
func (r *Route) scenarios(sends string) []scenario {
	mode := r.Front.Mode
	if !r.TLS() {
		return []scenario{{name: "plain HTTP", sends: sends, mode: mode}}
	}
	b := r.Binds[0]
	var out []scenario
	switch b.Verify {
	case VerifyOptional:
		out = append(out, scenario{name: "no certificate", tls: true, cert: certNone, sends: sends, mode: mode},
			scenario{name: "valid certificate", tls: true, cert: certValid, sends: sends, mode: mode})
	case VerifyRequired:
		out = append(out, scenario{name: "valid certificate", tls: true, cert: certValid, sends: sends, mode: mode})
	default:
		return []scenario{{name: "no certificate", tls: true, cert: certNone, sends: sends, mode: mode}}
	}
	if b.IgnoreErr != nil {
		out = append(out, scenario{name: "certificate from another CA", tls: true, cert: certRogue, sends: sends, mode: mode})
	}
	return out
}

// Outcome is what one header is on a route.
type Outcome struct {
	Set vset
	// At is the last rule that changed the header; nil when none did.
	At *Rule
	// Undecided is the first rule whose condition djleak could not decide
	// that left the client's value in place.
	Undecided *Rule
	// Reaches reports whether some request reaches the server at all.
	Reaches bool
	// ClientIn names the first kind of request ("no certificate") on which
	// the client's own value reaches the server.
	ClientIn string
}

// Header evaluates header name (any case) on the route.
func (r *Route) Header(name string) Outcome {
	lname := strings.ToLower(name)
	var out Outcome
	for _, s := range r.scenarios(lname) {
		set, at, und, reaches := r.run(s, lname)
		if !reaches {
			continue
		}
		out.Reaches = true
		out.Set |= set
		if set&vClient != 0 && out.ClientIn == "" {
			out.ClientIn = s.name
		}
		if at != nil && (out.At == nil || at.Line.Start > out.At.Line.Start) {
			out.At = at
		}
		if und != nil && out.Undecided == nil {
			out.Undecided = und
		}
	}
	return out
}

// run follows the rules for one scenario.
func (r *Route) run(s scenario, lname string) (set vset, at *Rule, undecided *Rule, reaches bool) {
	set = vClient
	if r.Front.Mode != "http" {
		return set, nil, nil, true
	}
	for _, rule := range r.Rules {
		c := s.eval(rule.Cond, r.named)
		if c == no {
			continue
		}
		if rule.Terminal() {
			if c == yes {
				return 0, nil, nil, false
			}
			continue
		}
		var next vset
		switch rule.Action {
		case "set-header":
			if !strings.EqualFold(rule.Header, lname) {
				continue
			}
			next = s.valueClass(rule.Value)
		case "add-header":
			if !strings.EqualFold(rule.Header, lname) {
				continue
			}
			next = set&^vNone | s.valueClass(rule.Value)
		case "del-header":
			if !rule.HeaderMatches(lname) {
				continue
			}
			next = vNone
		case "replace-header", "replace-value":
			if !strings.EqualFold(rule.Header, lname) {
				continue
			}
			next = set // rewrites keep whoever chose the value
		default:
			continue
		}
		at = rule
		if c == maybe {
			if set&vClient != 0 && undecided == nil {
				undecided = rule
			}
			set |= next
		} else {
			set = next
		}
	}
	return set, at, undecided, true
}

var fetchRef = regexp.MustCompile(`%(?:\{[^}]*\})?\[([^\]]*)\]`)

// valueClass classifies a log-format value for a scenario.
func (s scenario) valueClass(v string) vset {
	var out vset
	for _, m := range fetchRef.FindAllStringSubmatch(v, -1) {
		out |= s.fetchClass(m[1])
	}
	static := fetchRef.ReplaceAllString(v, "")
	switch {
	case out&vClient != 0:
		return vClient
	case out&(vCert|vRogue) != 0:
		return out & (vCert | vRogue)
	case static != "" || out&vServer != 0:
		return vServer
	}
	return vNone // certificate fetches, empty without a certificate
}

// clientFetches read what the client sent.
var clientFetches = []string{"req.hdr", "hdr", "req.fhdr", "req.hdrs", "url_param", "urlp", "req.cook", "cook", "query", "path", "url", "base", "req.body", "req.body_param", "capture.req.hdr", "http_auth", "req.cook_val", "cook_val", "url32", "pathq"}

// FetchIsClient reports whether a fetch expression reads client input.
func FetchIsClient(expr string) bool {
	name := fetchName(expr)
	for _, f := range clientFetches {
		if name == f {
			return true
		}
	}
	return false
}

// FetchIsCert reports whether a fetch reads the client certificate.
func FetchIsCert(expr string) bool {
	name := fetchName(expr)
	return strings.HasPrefix(name, "ssl_c_") || name == "ssl_fc_has_crt"
}

func fetchName(expr string) string {
	e := strings.TrimSpace(expr)
	if i := strings.IndexAny(e, "(,"); i >= 0 {
		e = e[:i]
	}
	return strings.ToLower(e)
}

func (s scenario) fetchClass(expr string) vset {
	switch {
	case FetchIsClient(expr):
		return vClient
	case FetchIsCert(expr):
		switch s.cert {
		case certValid:
			return vCert
		case certRogue:
			return vRogue
		}
		return vNone
	}
	return vServer
}

// Routes lists the file's routes to servers, in source order.
func (c *Config) Routes() []*Route {
	c.routesOnce.Do(func() { c.routes = c.buildRoutes() })
	return c.routes
}

func (c *Config) buildRoutes() []*Route {
	var out []*Route
	for _, p := range c.Proxies {
		if p.Kind != "frontend" && p.Kind != "listen" {
			continue
		}
		named := collectACLs(p)
		var backends []*Proxy
		seen := map[*Proxy]bool{}
		add := func(b *Proxy) {
			if b != nil && !seen[b] {
				seen[b] = true
				backends = append(backends, b)
			}
		}
		if p.Kind == "listen" && len(p.Servers) > 0 {
			add(p)
		}
		for _, ub := range p.UseBackends {
			add(c.Backend(ub.Backend))
		}
		if p.DefaultBackend != "" {
			add(c.Backend(p.DefaultBackend))
		}
		for _, group := range bindGroups(p.Binds) {
			for _, b := range backends {
				rt := &Route{Front: p, Backend: b, Binds: group, named: named}
				rt.Rules = p.AllRules()
				if b != p {
					rt.Rules = append(append([]*Rule(nil), rt.Rules...), b.AllRules()...)
				}
				rt.Stopped = rt.stopper()
				out = append(out, rt)
			}
		}
	}
	return out
}

// stopper returns the rule that stops every request, or nil.
func (r *Route) stopper() *Rule {
	if r.Front.Mode != "http" {
		return nil
	}
	for _, rule := range r.Rules {
		if !rule.Terminal() {
			continue
		}
		all := true
		for _, s := range r.scenarios("") {
			all = all && s.eval(rule.Cond, r.named) == yes
		}
		if all {
			return rule
		}
	}
	return nil
}

// RedirectsHTTPS reports whether the stopping rule is a redirect to https.
func (r *Route) RedirectsHTTPS() bool {
	if r.Stopped == nil || r.Stopped.Action != "redirect" {
		return false
	}
	a := r.Stopped.Args
	for i := 0; i+1 < len(a); i++ {
		if a[i] == "scheme" && strings.EqualFold(a[i+1], "https") {
			return true
		}
		if (a[i] == "location" || a[i] == "prefix") && strings.HasPrefix(strings.ToLower(a[i+1]), "https://") {
			return true
		}
	}
	return false
}

func collectACLs(p *Proxy) acls {
	named := acls{}
	for _, sec := range []*Proxy{p.Defaults, p} {
		if sec == nil {
			continue
		}
		for _, l := range sec.Section.Find("acl") {
			if len(l.Words) >= 3 {
				named[l.Words[1].Text] = append(named[l.Words[1].Text], l.Texts(2))
			}
		}
	}
	return named
}

// bindGroups groups bind lines that accept the same kind of requests.
func bindGroups(binds []*Bind) [][]*Bind {
	var keys []string
	groups := map[string][]*Bind{}
	for _, b := range binds {
		k := fmt.Sprintf("%v|%s|%v|%s", b.SSL, b.Verify, b.IgnoreErr != nil, b.CAFile)
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], b)
	}
	out := make([][]*Bind, 0, len(keys))
	for _, k := range keys {
		out = append(out, groups[k])
	}
	return out
}

// Configs builds every HAProxy file's proxies (a project fact).
var Configs = &analyzer.Pass[[]*Config]{Name: "haproxy", Run: func(p *analyzer.Project) []*Config {
	var out []*Config
	for _, f := range Files(p) {
		f := f
		c := Build(&f)
		c.Deployment = p.DeploymentOf(Language, f.Src.Path)
		out = append(out, c)
	}
	return out
}, Reads: []analyzer.Kind{Language.Kind()}}

func init() {
	frontend.RegisterConfigs(frontend.HAProxy, Configs, func(c *Config) []*frontend.Route {
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
	f := r.Front.File
	fr := &frontend.Route{
		Front:       frontend.HAProxy,
		Label:       r.Label(),
		At:          f.At(r.Front.Section.Header),
		Server:      f.At(r.Front.Section.Header),
		ServerLabel: r.Front.Kind + " " + r.Front.Name,
		Pass:        frontend.PassHTTP,
		Target:      "backend " + r.Backend.Name,
	}
	for _, b := range r.Binds {
		l := frontend.Listener{Addr: normAddr(b.Addr), TLS: b.SSL, CA: b.CAFile, At: f.At(b.Line)}
		if b.SSL {
			switch b.Verify {
			case VerifyOptional:
				l.ClientCert = frontend.CertOptional
			case VerifyRequired:
				l.ClientCert = frontend.CertRequire
			}
			if b.IgnoreErr != nil && l.ClientCert != frontend.CertNone {
				l.ClientCert = frontend.CertOptionalNoCA
			}
		}
		fr.Listeners = append(fr.Listeners, l)
	}
	fr.Transport = r.Backend.transport()
	fr.PassesClientHeaders = r.Stopped == nil
	fr.PassesUnderscores = fr.PassesClientHeaders // HAProxy forwards underscored names
	if r.RedirectsHTTPS() {
		at := f.At(r.Stopped.Line)
		fr.RedirectsHTTPS = &at
	}
	for _, pr := range []*Proxy{r.Front, r.Backend} {
		for _, rr := range pr.ResponseRules {
			if (rr.Action == "set-header" || rr.Action == "add-header") && strings.EqualFold(rr.Header, "Strict-Transport-Security") && rr.Cond == nil {
				at := f.At(rr.Line)
				fr.HSTS = &at
			}
		}
	}
	fr.AccessLogs = r.Front.accessLogs()
	fr.HeaderDirective, fr.VerifyVar = "http-request set-header", "ssl_c_verify"
	if r.Backend != r.Front {
		fr.Where = "backend " + r.Backend.Name
	}
	var keys []string
	for _, rule := range r.Rules {
		if rule.Header != "" {
			keys = append(keys, frontend.HeaderKey(rule.Header))
			fr.Spellings = append(fr.Spellings, rule.Header)
			if (rule.Action == "set-header" || rule.Action == "add-header") && fetchRef.MatchString(rule.Value) && strings.Contains(rule.Value, "ssl_c_verify") {
				fr.VerifyKeys = append(fr.VerifyKeys, frontend.HeaderKey(rule.Header))
			}
		}
	}
	fr.SetLookup(r.lookup, keys)
	return fr
}

// lookup answers the model's question for one environ key.
func (r *Route) lookup(key string) frontend.Name {
	if !strings.HasPrefix(key, "HTTP_") {
		return frontend.Name{Source: frontend.NotSent, Why: "HAProxy sends HTTP headers, not environment keys"}
	}
	// The client can always send the dashed spelling; rules on another
	// spelling (X_SSL_Client_DN) leave it in place.
	name := frontend.HeaderName(key)
	f := r.Front.File
	if r.Stopped != nil {
		return frontend.Name{Source: frontend.NotSent, At: f.At(r.Stopped.Line), Why: "every request on this route is stopped by `" + strings.Join(r.Stopped.Line.Texts(0), " ") + "`"}
	}
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
		n.At = f.At(o.At.Line)
	}
	if !o.Reaches {
		n.Source, n.Why = frontend.NotSent, "no request on this route reaches the server"
		return n
	}
	n.Source = o.Set.Source()
	switch n.Source {
	case frontend.Forgeable:
		switch {
		case r.Front.Mode != "http":
			n.Why = "in `mode " + r.Front.Mode + "` HAProxy forwards the client's bytes, headers included"
		case written != "":
			n.Why = "`" + strings.Join(o.At.Line.Texts(0), " ") + "` sets " + written + ", and a client's " + name + " reaches the application as the same " + key
		case o.Undecided != nil:
			n.At = f.At(o.Undecided.Line)
			n.Condition = "HAProxy condition `" + o.Undecided.Cond.Text() + "`"
			n.Why = "when `" + o.Undecided.Cond.Text() + "` does not hold, the client's own " + name + " passes"
		case o.At != nil && (strings.HasPrefix(o.At.Action, "replace-") || valueFromClient(o.At.Value)):
			n.ClientValue = true
			n.Why = "`" + strings.Join(o.At.Line.Texts(0), " ") + "` builds the value from client input"
		case o.At != nil && o.At.Cond != nil:
			n.Why = "`" + strings.Join(o.At.Line.Texts(0), " ") + "` is skipped on some requests (" + o.ClientIn + "), which keep the client's own " + name
		case o.At != nil:
			n.Why = "`" + strings.Join(o.At.Line.Texts(0), " ") + "` adds a value but leaves the client's own " + name + " in place"
		default:
			n.Why = "no rule sets or deletes " + name + ", and HAProxy passes the client's headers"
		}
	case frontend.Unverified:
		n.Why = "the certificate is not verified (`" + r.Binds[0].IgnoreErr.Text + "`)"
	case frontend.Cleared:
		if o.At != nil && o.At.Action == "set-header" && FetchIsCertValue(o.At.Value) && r.Verify() == VerifyNone {
			n.Why = "HAProxy does not ask for a client certificate on this bind, so the value is always empty"
		}
	}
	return n
}

// valueFromClient reports whether a log-format value reads client input.
func valueFromClient(v string) bool {
	for _, m := range fetchRef.FindAllStringSubmatch(v, -1) {
		if FetchIsClient(m[1]) {
			return true
		}
	}
	return false
}

// FetchIsCertValue reports whether a log-format value reads the certificate.
func FetchIsCertValue(v string) bool {
	for _, m := range fetchRef.FindAllStringSubmatch(v, -1) {
		if FetchIsCert(m[1]) {
			return true
		}
	}
	return false
}

// spellings lists the other spellings of key the route's rules use.
func (r *Route) spellings(key, name string) []string {
	var out []string
	for _, rule := range r.Rules {
		if rule.Header != "" && frontend.HeaderKey(rule.Header) == key && !strings.EqualFold(rule.Header, name) && !slices.Contains(out, rule.Header) {
			out = append(out, rule.Header)
		}
	}
	return out
}

func (p *Proxy) transport() frontend.Transport {
	t := frontend.Transport{Known: len(p.Servers) > 0, Loopback: len(p.Servers) > 0, TLS: len(p.Servers) > 0, Verified: len(p.Servers) > 0}
	for _, s := range p.Servers {
		ep, loop := endpoint(s.Addr)
		t.Endpoints = append(t.Endpoints, ep)
		if !loop {
			t.Loopback = false
			t.Remote = append(t.Remote, p.File.At(s.Line))
		}
		if !s.SSL {
			t.TLS, t.Verified = false, false
		} else if s.Verify == VerifyNone {
			t.Verified = false
		}
		if strings.Contains(s.Addr, "$") {
			t.Known = false
		}
	}
	sort.Strings(t.Endpoints)
	return t
}

// endpoint normalises a server address.
func endpoint(addr string) (string, bool) {
	a := addr
	for _, pre := range []string{"ipv4@", "ipv6@"} {
		a = strings.TrimPrefix(a, pre)
	}
	if strings.HasPrefix(a, "unix@") || strings.HasPrefix(a, "/") {
		return "unix:" + strings.TrimPrefix(a, "unix@"), true
	}
	host, port := a, ""
	if i := strings.LastIndexByte(a, ':'); i >= 0 {
		host, port = a[:i], a[i+1:]
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1" {
		return "loopback:" + port, true
	}
	return a, false
}

func normAddr(a string) string {
	for _, pre := range []string{"ipv4@", "ipv6@"} {
		a = strings.TrimPrefix(a, pre)
	}
	if strings.HasPrefix(a, ":") {
		return "*" + a
	}
	if strings.HasPrefix(a, "unix@") || strings.HasPrefix(a, "/") {
		return "unix:" + strings.TrimPrefix(a, "unix@")
	}
	return a
}

// accessLogs describes what the proxy's logs record.
func (p *Proxy) accessLogs() []frontend.AccessLog {
	if len(p.Logs) == 0 || (p.HTTPLog == nil && p.LogFormat == nil) {
		return nil
	}
	al := frontend.AccessLog{At: p.File.At(p.Logs[0]), Path: strings.Join(p.Logs[0].Texts(1), " ")}
	if p.LogFormat != nil {
		lf := strings.Join(p.LogFormat.Texts(1), " ")
		if strings.Contains(lf, "%r") || strings.Contains(lf, "%HU") || strings.Contains(lf, "%HQ") {
			al.RecordsQuery = true
			al.QueryAt = p.File.At(p.LogFormat)
		}
	} else {
		al.RecordsQuery = true // option httplog's format has %r, the request line
		al.QueryAt = p.File.At(p.HTTPLog)
	}
	if p.HTTPLog != nil || (p.LogFormat != nil && strings.Contains(strings.Join(p.LogFormat.Texts(1), " "), "%hr")) {
		for _, c := range p.Captures {
			if h := c.Arg(2); credentialHeader(h) {
				al.Credentials = append(al.Credentials, h)
			}
		}
	}
	return []frontend.AccessLog{al}
}

func credentialHeader(h string) bool {
	switch strings.ToLower(h) {
	case "authorization", "cookie", "proxy-authorization", "x-api-key", "x-auth-token":
		return true
	}
	return false
}
