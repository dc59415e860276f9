// Package frontend is djleak's proxy-neutral model of the servers in front
// of the Django application: for each route a request can take to the app,
// which listener accepts it, how it is handed over, and — for every client
// identity name (a request header such as X-Client-DN, or an environment
// key such as SSL_CLIENT_VERIFY) — whether the application receives a value
// taken from a verified certificate, one the client can forge, or nothing.
//
// Each front end (nginx, Apache httpd, HAProxy, Caddy, the app servers) is
// an Adapter that turns its own parsed configuration into Routes. The Django
// rules (DJL3xx, DJL405–407) read only this model and never learn which
// proxy is in front.
package frontend

import (
	"sort"
	"strings"
	"sync"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/source"
)

// Kind names a front end. It is also the prefix of its rule family.
type Kind string

const (
	Nginx     Kind = "nginx"
	Apache    Kind = "apache"
	HAProxy   Kind = "haproxy"
	Caddy     Kind = "caddy"
	AppServer Kind = "appserver" // gunicorn, uvicorn, daphne, uwsgi
)

// Title is the front end's name as messages print it.
func (k Kind) Title() string {
	switch k {
	case Nginx:
		return "nginx"
	case Apache:
		return "Apache httpd"
	case HAProxy:
		return "HAProxy"
	case Caddy:
		return "Caddy"
	case AppServer:
		return "the app server"
	}
	return string(k)
}

// CertMode is how a listener asks for client certificates.
type CertMode int

const (
	CertNone         CertMode = iota // no client certificate is requested
	CertOptional                     // requested and verified when sent; requests without one pass
	CertOptionalNoCA                 // requested, but not verified against a CA
	CertRequire                      // every connection must present a certificate that verifies
)

func (m CertMode) String() string {
	return [...]string{"none", "optional", "optional_no_ca", "require"}[m]
}

// Listener is an address a route accepts requests on.
type Listener struct {
	Addr       string // normalised: "*:443", "127.0.0.1:8443", "[::]:443", "unix:/run/app.sock"
	TLS        bool
	ClientCert CertMode
	CA         string          // CA file or path as written; "" when none
	At         source.Location // the directive that decides ClientCert (or the listen line)
}

// PassKind is how a route hands requests to the application.
type PassKind string

const (
	PassHTTP    PassKind = "http"    // an HTTP reverse proxy: identity travels as HTTP_* headers
	PassUWSGI   PassKind = "uwsgi"   // uwsgi protocol: params become environ keys
	PassFastCGI PassKind = "fastcgi" // FastCGI params
	PassSCGI    PassKind = "scgi"    // SCGI params
	PassGRPC    PassKind = "grpc"    // gRPC (headers)
	PassWSGI    PassKind = "wsgi"    // in-process WSGI (mod_wsgi): the server builds the environ itself
	// PassTCP relays the client's bytes unchanged (nginx stream, HAProxy
	// mode tcp): the app sees the client's own headers.
	PassTCP PassKind = "tcp"
)

// HeaderBased reports whether values reach the app as HTTP headers (which
// Django reads as HTTP_* keys) rather than as environ parameters.
func (p PassKind) HeaderBased() bool { return p == PassHTTP || p == PassGRPC }

// Source is what the application receives for one identity name.
type Source int

const (
	// Forgeable: the client decides the value (the front end passes the
	// client's own header, or builds the value from client input).
	Forgeable Source = iota
	// Verified: taken from a certificate that the front end verified on
	// every request that reaches this route with a value.
	Verified
	// Unverified: taken from a certificate the front end did not verify
	// (optional_no_ca, or no CA at all).
	Unverified
	// Cleared: the front end removes the client's value and sends none.
	Cleared
	// ServerValue: the front end sets a constant or server-side value.
	ServerValue
	// NotSent: nothing sets the name and the client cannot supply it
	// either (an environment key, or client headers are not passed).
	NotSent
)

func (s Source) String() string {
	return [...]string{"forgeable", "verified", "unverified", "cleared", "server", "not-sent"}[s]
}

// Label is the cell text of the trust map.
func (s Source) Label() string {
	return [...]string{"client can forge", "from certificate (verified)", "from certificate (unverified)", "cleared", "set by the server", "not sent"}[s]
}

// Trusted reports whether the app may rely on the value.
func (s Source) Trusted() bool {
	return s == Verified || s == Cleared || s == NotSent || s == ServerValue
}

// Values is the set of kinds of value an identity name takes on a route,
// over every kind of request a client can make there. Adapters compute it;
// Source ranks it.
type Values uint8

const (
	ValClient Values = 1 << iota // the client's own value, or one built from client input
	ValCert                      // from a certificate the front end verified
	ValRogue                     // from a certificate accepted without verification
	ValNone                      // removed, or set to an empty value
	ValServer                    // a constant, a server-side value, or an unreplaced placeholder
)

// Source is the verdict for a set of values: any client value makes the
// name forgeable, then an unverified certificate, a verified one, a server
// value; only removals leave it cleared.
func (v Values) Source() Source {
	switch {
	case v&ValClient != 0:
		return Forgeable
	case v&ValRogue != 0:
		return Unverified
	case v&ValCert != 0:
		return Verified
	case v&ValServer != 0:
		return ServerValue
	}
	return Cleared
}

// Name is the verdict for one identity name on one route.
type Name struct {
	// Key is the environ key as Django reads it from request.META:
	// HTTP_X_CLIENT_DN for the header X-Client-DN, SSL_CLIENT_VERIFY for an
	// environment key.
	Key    string
	Source Source
	// At is the directive that decides the value (the header set, the
	// delete); zero when nothing on the route mentions the name.
	At source.Location
	// Written is the name as the config spells it (X_SSL_Client_S_DN), when
	// it differs from the canonical header spelling; messages quote it.
	Written string
	// Shadowed lists settings of the name at outer levels that do not apply
	// to this route (nginx's array inheritance, mod_headers merging, …);
	// Outer describes the same settings, in the same order, for messages.
	Shadowed []source.Location
	Outer    []Setting
	// Condition, when not empty, says what decides the value and that djleak
	// did not guess: "HAProxy condition `if { ssl_c_used }`", "template
	// conditional `{% if verify %}`".
	Condition string
	// ClientValue is set when the front end itself sets the name from
	// client input (another request header, the query string, a cookie),
	// rather than merely passing the client's own header through.
	ClientValue bool
	// Why is a short reason for messages ("the client's X-Client-DN passes
	// through", "underscored header names are accepted").
	Why string
	// Value is the value the deciding directive sets, as written
	// ("$ssl_client_s_dn", "$http_x_forwarded_proto"); "" when none does.
	Value string
	// Cert is the client-certificate mode that decides a certificate value
	// (Source Verified or Unverified).
	Cert CertMode
	// Optional marks a Verified value on a route that requests without a
	// certificate also reach (client certificates are optional and nothing
	// rejects those requests): the value is then empty, not forged.
	Optional bool
	// Underscore, when set, is the setting that lets a client's underscore
	// spelling of the header (X_Client_DN for X-Client-DN) reach the app as
	// the same HTTP_ key besides the value Source describes. Whether the app
	// server then takes the client's or the front end's is its own choice.
	Underscore *source.Location
}

// Forgeable reports whether a client can decide the value the app reads
// under this key: Source is Forgeable, or an underscore spelling passes.
func (n Name) Forgeable() bool { return n.Source == Forgeable || n.Underscore != nil }

// Setting is a line of front-end configuration as messages quote it.
type Setting struct {
	At source.Location
	// Text is the setting without its value: "proxy_set_header X-Client-DN",
	// "RequestHeader set X-Client-DN".
	Text string
	// Level is the kind of block it sits in: "server", "http", "location",
	// "VirtualHost", "frontend".
	Level string
	// Include, when set, is the include that brings the setting in
	// ("include proxy_params"); At is then the include line.
	Include string
}

// AccessLog is one access log a route writes.
type AccessLog struct {
	At           source.Location
	Path         string
	RecordsQuery bool            // the query string is written
	QueryAt      source.Location // the format field that writes it, when known
	Credentials  []string        // credential fields written (Authorization, Cookie, …)
}

// Transport describes the hop from the front end to the application.
type Transport struct {
	Known     bool     // false when the target depends on run-time values
	TLS       bool     // the front end speaks TLS to the app
	Verified  bool     // …and verifies the app's certificate
	Loopback  bool     // every endpoint is on this host (loopback or unix socket)
	Endpoints []string // normalised "loopback:8000", "unix:/run/x", "host:port"
	Remote    []source.Location
}

// Route is one way a request reaches the application.
type Route struct {
	Front Kind
	// Deployment groups routes that run together (one compose file, one
	// config tree); "" when the project has a single deployment.
	Deployment string
	// Label is the route as a reviewer names it: "server api.example.com,
	// location /", "frontend fe_tls → backend app".
	Label string
	// At is where a user changes the route: the location / vhost / backend
	// block that passes to the app. Findings about the route go here.
	At source.Location
	// Server is the enclosing server-level block (server, VirtualHost,
	// frontend, site), used for grouping and for server-wide fixes.
	Server      source.Location
	ServerLabel string
	// Where is the block within the server ("location /api/"), for messages
	// that name the server separately: "nginx location / (server a.example)".
	Where string
	// HeaderDirective is the directive that sets headers or params on this
	// route (proxy_set_header, uwsgi_param, RequestHeader, …).
	HeaderDirective string
	// Answered, when set, is a response the front end gives to every request
	// before it is passed (nginx `return 444`): the route is never taken.
	Answered *source.Location
	// OwnHeaders, when set, is the route's own first header/param setting,
	// which replaces every inherited one (nginx array directives); its
	// Level is the block that holds it. ShadowedKeys lists, in
	// configuration order, the identity keys set at outer levels that the
	// route therefore does not inherit.
	OwnHeaders   *Setting
	ShadowedKeys []string
	// VerifyKeys lists the keys the front end is configured to fill from
	// the certificate verification status on this route, counting settings
	// at outer levels the route shadows (what the app is meant to check);
	// VerifyVar is how the front end names that status ("$ssl_client_verify").
	VerifyKeys []string
	VerifyVar  string
	// Native is the adapter's own object for the route (*ngxmodel.Upstream
	// for nginx), for rules of that front end's family.
	Native any

	Listeners []Listener
	Pass      PassKind
	Target    string // the upstream as written
	Transport Transport

	// PassesClientHeaders is false when the front end sends none of the
	// client's request headers to the app.
	PassesClientHeaders bool
	// PassesUnderscores is set when header names spelled with underscores
	// (X_SSL_Client_DN) reach the app server as written, which some app
	// servers fold into the same HTTP_* key as the dashed spelling.
	PassesUnderscores bool
	// Spellings are the header names the route's own directives mention,
	// as written (X_SSL_Client_DN and X-SSL-Client-DN are two spellings of
	// one key).
	Spellings []string

	// RedirectsHTTPS is set when plain-HTTP requests on this route are
	// redirected to https:// instead of reaching the app; HSTS when the
	// front end adds Strict-Transport-Security.
	RedirectsHTTPS *source.Location
	HSTS           *source.Location

	AccessLogs []AccessLog

	// Lookup answers for any key (configured identity headers included).
	// Adapters must set it; Names lists the keys the route itself mentions.
	lookup func(key string) Name
	names  []string
}

// NewRoute returns a route whose Lookup is resolve and whose mentioned keys
// are keys.
func NewRoute(resolve func(key string) Name, keys []string) *Route {
	ks := append([]string(nil), keys...)
	for i := range ks {
		ks[i] = strings.ToUpper(ks[i])
	}
	sort.Strings(ks)
	return &Route{lookup: resolve, names: compactStrings(ks)}
}

// SetLookup replaces the route's resolver and mentioned keys.
func (r *Route) SetLookup(resolve func(key string) Name, keys []string) {
	n := NewRoute(resolve, keys)
	r.lookup, r.names = n.lookup, n.names
}

// Lookup is the verdict for key (an environ key, HTTP_* for headers).
func (r *Route) Lookup(key string) Name {
	key = strings.ToUpper(key)
	if r.lookup == nil {
		return Name{Key: key, Source: NotSent}
	}
	n := r.lookup(key)
	n.Key = key
	return n
}

// Keys lists the identity keys the route's configuration mentions, sorted.
func (r *Route) Keys() []string { return r.names }

// AcceptsPlain reports whether some listener of the route takes plain HTTP.
func (r *Route) AcceptsPlain() bool {
	for _, l := range r.Listeners {
		if !l.TLS {
			return true
		}
	}
	return len(r.Listeners) == 0
}

// AcceptsTLS reports whether some listener of the route takes TLS.
func (r *Route) AcceptsTLS() bool {
	for _, l := range r.Listeners {
		if l.TLS {
			return true
		}
	}
	return false
}

// HeaderKey maps a header name to its environ key (X-Client-DN →
// HTTP_X_CLIENT_DN), as WSGI servers and Django do.
func HeaderKey(name string) string {
	return "HTTP_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// HeaderName maps an HTTP_* environ key back to the header a client sends
// (HTTP_X_SSL_CLIENT_DN → X-SSL-Client-DN); "" for other keys.
func HeaderName(key string) string {
	if !strings.HasPrefix(key, "HTTP_") {
		return ""
	}
	parts := strings.Split(strings.TrimPrefix(key, "HTTP_"), "_")
	for i, p := range parts {
		switch {
		case p == "":
		case p == "DN" || p == "SSL" || p == "CN" || p == "ID" || p == "API":
			parts[i] = p
		default:
			parts[i] = p[:1] + strings.ToLower(p[1:])
		}
	}
	return strings.Join(parts, "-")
}

// Model is every route of every front end in the project.
type Model struct {
	Routes []*Route
	// Fronts lists the front ends that contributed at least one route, or
	// whose configuration the project holds, sorted.
	Fronts []Kind
}

// Empty reports whether no front end passes to the application, so the
// Django side is judged on its own.
func (m *Model) Empty() bool { return len(m.Routes) == 0 }

// Adapter turns one front end's configuration into routes.
type Adapter struct {
	Kind Kind
	// Routes returns the front end's routes to the application. Present
	// reports whether the project holds any configuration of this front end
	// (even one that passes nothing to the app).
	Routes func(*analyzer.Project) (routes []*Route, present bool)
	// Requires lists the passes Routes uses; Pass requires them all.
	Requires []analyzer.Requirement
}

var (
	adaptersMu sync.Mutex
	adapters   = map[Kind]*Adapter{}
)

// Register adds a front end's adapter; adapters register in init.
func Register(a *Adapter) {
	adaptersMu.Lock()
	defer adaptersMu.Unlock()
	if _, dup := adapters[a.Kind]; dup {
		panic("frontend: adapter " + string(a.Kind) + " registered twice")
	}
	adapters[a.Kind] = a
	Pass.Requires = append(Pass.Requires, a.Requires...)
}

// Adapters lists the registered adapters sorted by kind.
func Adapters() []*Adapter {
	adaptersMu.Lock()
	defer adaptersMu.Unlock()
	out := make([]*Adapter, 0, len(adapters))
	for _, a := range adapters {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}

// Pass builds the model from every registered adapter; it requires what
// the adapters require.
var Pass = &analyzer.Pass[*Model]{Name: "frontend", Run: build, Reads: []analyzer.Kind{analyzer.KindNginx, analyzer.KindConfigs}}

func build(p *analyzer.Project) *Model {
	m := &Model{}
	for _, a := range Adapters() {
		routes, present := a.Routes(p)
		if present || len(routes) > 0 {
			m.Fronts = append(m.Fronts, a.Kind)
		}
		m.Routes = append(m.Routes, routes...)
	}
	sort.SliceStable(m.Routes, func(i, j int) bool {
		a, b := m.Routes[i], m.Routes[j]
		if a.Front != b.Front {
			return a.Front < b.Front
		}
		return a.At.Less(b.At)
	})
	return m
}

func compactStrings(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// RegisterConfigs registers the adapter of a front end whose parsed
// configurations are the project fact configs: its routes are those of
// every configuration, and it is present when the project holds one.
func RegisterConfigs[C any](kind Kind, configs *analyzer.Pass[[]C], routes func(C) []*Route) {
	Register(&Adapter{Kind: kind, Requires: []analyzer.Requirement{configs}, Routes: func(p *analyzer.Project) ([]*Route, bool) {
		cfgs := analyzer.Fact(p, configs)
		var out []*Route
		for _, c := range cfgs {
			out = append(out, routes(c)...)
		}
		return out, len(cfgs) > 0
	}})
}

// publicCABundles are the files (and directories) where operating systems
// and certifi keep the public web PKI's root certificates.
var publicCABundles = []string{
	"/etc/ssl/certs/ca-certificates.crt",                // Debian, Ubuntu, Alpine
	"/etc/pki/tls/certs/ca-bundle.crt",                  // Fedora, RHEL
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // Fedora, RHEL
	"/etc/ssl/ca-bundle.pem",                            // openSUSE
	"/etc/ssl/cert.pem",                                 // Alpine, macOS, BSDs
	"/usr/local/share/certs/ca-root-nss.crt",            // FreeBSD
	"/etc/ssl/certs",                                    // the hashed directory (SSLCACertificatePath)
	"/etc/pki/tls/certs",
}

// PublicCABundle reports whether path names the operating system's bundle
// of public root CAs (or certifi's cacert.pem): client certificates
// verified against it are any certificate a public CA issued.
func PublicCABundle(path string) bool {
	path = strings.TrimSuffix(strings.Trim(path, `"'`), "/")
	for _, b := range publicCABundles {
		if path == b {
			return true
		}
	}
	return strings.HasSuffix(path, "/certifi/cacert.pem")
}
