// Package appserver is djleak's model of the app servers behind the front
// end — gunicorn, uvicorn, daphne, uwsgi — as a project's files run them:
// gunicorn configuration modules (gunicorn.conf.py and friends), uwsgi
// `.ini` and `.yaml` files, and the command lines of Procfiles,
// Dockerfiles, systemd units, Compose services (`command:`,
// `entrypoint:`) and Kubernetes containers. It records where each server
// listens, whether a Compose file or a Kubernetes Service publishes that
// port, whom it trusts with X-Forwarded-* headers,
// which headers decide the request's scheme, and how it treats header
// names spelled with underscores (facts.go); the oracle battery checks
// each of these predictions against the real servers.
package appserver

import (
	"path"
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
)

// The app servers djleak knows.
const (
	Gunicorn = "gunicorn"
	Uvicorn  = "uvicorn"
	Daphne   = "daphne"
	UWSGI    = "uwsgi"
)

// Server is one app server invocation or configuration.
type Server struct {
	Kind string // Gunicorn, Uvicorn, Daphne, UWSGI
	// At is the command line or configuration file.
	At source.Location
	// Binds are the HTTP addresses it listens on, as written
	// ("0.0.0.0:8000", "unix:/run/app.sock"); for uwsgi its `http` router
	// and `http-socket` listeners.
	Binds []Setting
	// Sockets are uwsgi-protocol listeners (uwsgi `socket`,
	// `uwsgi-socket`): whoever connects sends the environ itself.
	Sockets []Setting
	// ForwardedAllowIPs is the forwarded_allow_ips / --forwarded-allow-ips
	// value, or the FORWARDED_ALLOW_IPS environment variable the server
	// reads it from; nil when not set (the server's default).
	ForwardedAllowIPs *Setting
	// ProxyHeaders is an explicit uvicorn `--proxy-headers` ("on") or
	// `--no-proxy-headers` ("off"), or daphne's `--proxy-headers`.
	ProxyHeaders *Setting
	// AddressHeader is daphne's --proxy-headers-host: the header it takes
	// the client address from instead of X-Forwarded-For; nil when not set.
	AddressHeader *Setting
	// SchemeHeaders is gunicorn's secure_scheme_headers as written; nil
	// when not set (gunicorn's default of three headers).
	SchemeHeaders *SchemeHeaders
	// HeaderMap is gunicorn's header_map (22.0 and later): drop, refuse or
	// dangerous; nil when not set.
	HeaderMap *Setting
	// Version is the gunicorn release the project installs, when a
	// requirements file, pyproject.toml, Pipfile or pip line pins one.
	Version *Version
	// Container is the Compose service that runs the server, when one
	// does; its published ports decide who reaches the binds.
	Container *Container
	// Config is the configuration file the command line names (gunicorn
	// -c, uwsgi --ini), as written; "" when none.
	Config string
	// UWSGI is a uwsgi server's resolved configuration: its command line
	// and environment with every file they load (uwsgiconf.go).
	UWSGI *UWSGIConfig
	// Routes are a uwsgi server's request routes (route, route-if …), in
	// order.
	Routes []UWSGIRoute

	uwsgiFile *source.File // a uwsgi configuration file on its own
	uwsgiArgs []uwsgiArg   // a uwsgi command line's options, in order
	uwsgiEnv  [][2]string  // the environment a uwsgi command starts with
	// uwsgiLinked is the project file a uwsgi command's configuration is.
	uwsgiLinked string
}

// Setting is one value with where it is written.
type Setting struct {
	Value string
	At    source.Location
}

// SchemeHeaders is a secure_scheme_headers dict: header name (as written)
// and the value that means HTTPS, in order.
type SchemeHeaders struct {
	Pairs [][2]string
	At    source.Location
}

// Container is the Compose service or Kubernetes workload an app server
// runs in: inside it the server listens on 0.0.0.0 as it must, and what
// publishes its ports decides who reaches it.
type Container struct {
	File string // the Compose file or manifest
	Name string // "Compose service web", "Kubernetes Deployment web"
	// Published are the ports published beyond the container's network:
	// Compose `ports:` on every host interface (no host address, 0.0.0.0
	// or ::), Kubernetes Services of type NodePort or LoadBalancer (or
	// with externalIPs) that select the pod.
	Published []Port
}

// Port is one published port of a container.
type Port struct {
	Container string          // the container port ("8000")
	At        source.Location // the ports: entry that publishes it
	// Via says what publishes it, for messages: "published on every host
	// interface by Compose service web".
	Via string
}

// Exposure is a way a client on the network reaches a listener.
type Exposure struct {
	Addr string          // the listener as written
	At   source.Location // where a user closes it
	Via  string          // "listens on every interface", "is published …"
}

// Public reports whether the address listens on every interface.
func Public(addr string) bool {
	a := strings.TrimPrefix(addr, "tcp://")
	return strings.HasPrefix(a, "0.0.0.0") || strings.HasPrefix(a, "[::]") || strings.HasPrefix(a, ":") || strings.HasPrefix(a, "*:")
}

// Loopback reports whether the address is reachable only from this host
// (a loopback address or a unix socket).
func Loopback(addr string) bool {
	a := strings.TrimPrefix(addr, "tcp://")
	return strings.HasPrefix(a, "unix:") || strings.HasPrefix(a, "/") || strings.HasPrefix(a, "127.") ||
		strings.HasPrefix(a, "localhost") || strings.HasPrefix(a, "[::1]")
}

// Port returns the port of an address ("0.0.0.0:8000" → "8000"), "" for
// unix sockets.
func PortOf(addr string) string {
	a := strings.TrimPrefix(addr, "tcp://")
	if strings.HasPrefix(a, "unix:") || strings.HasPrefix(a, "/") {
		return ""
	}
	if i := strings.LastIndexByte(a, ':'); i >= 0 {
		return a[i+1:]
	}
	return ""
}

// Exposed lists the ways a client on the network reaches a listener of
// the server: for a server in a container, the ports that publish the
// listener's port; otherwise the listener itself when it is on every
// interface.
func (s *Server) Exposed(listeners []Setting) []Exposure {
	var out []Exposure
	for _, b := range listeners {
		if s.Container == nil {
			if Public(b.Value) {
				out = append(out, Exposure{b.Value, b.At, "listens on every interface (`" + b.Value + "`)"})
			}
			continue
		}
		if Loopback(b.Value) {
			continue
		}
		for _, p := range s.Container.Published {
			if p.Container == PortOf(b.Value) {
				out = append(out, Exposure{b.Value, p.At, "(`" + b.Value + "`) is " + p.Via})
			}
		}
	}
	return out
}

// Pass collects every app server of the project (a project fact).
var Pass = &analyzer.Pass[[]*Server]{Name: "appserver", Run: collect, Requires: []analyzer.Requirement{analyzer.PythonModules}}

func collect(p *analyzer.Project) []*Server {
	var configs []*Server
	for _, m := range p.Python {
		if isGunicornConfig(m.File.Path) {
			configs = append(configs, fromConfig(m))
		}
	}
	for _, c := range p.Configs(UWSGIConfigs) {
		if s, ok := c.Model.(*Server); ok {
			configs = append(configs, s)
		}
	}
	var commands []*Server
	for _, c := range p.Configs(Commands) {
		commands = append(commands, fromCommands(c.File)...)
	}
	commands = append(commands, fromCompose(p, commands)...)
	commands = append(commands, fromKubernetes(p)...)
	// A module that a gunicorn -c names is a configuration module whatever
	// its name (-c config/web.py, -c python:mysite.gunicorn_settings).
	have := map[string]bool{}
	for _, c := range configs {
		have[c.At.Path] = true
	}
	for _, c := range commands {
		if c.Kind != Gunicorn || c.Config == "" {
			continue
		}
		var m *python.Module
		if name, ok := strings.CutPrefix(c.Config, "python:"); ok {
			m = p.ModuleByName(name)
		} else {
			for _, pm := range p.Python {
				if pathNames(c.Config, pm.File.Path) && (m == nil || len(pm.File.Path) > len(m.File.Path)) {
					m = pm
				}
			}
		}
		if m != nil && !have[m.File.Path] {
			have[m.File.Path] = true
			configs = append(configs, fromConfig(m))
		}
	}
	out := resolveUWSGI(linkConfigs(commands, configs), p.ReadConfig)
	if v := gunicornVersion(p); v != nil {
		for _, s := range out {
			if s.Kind == Gunicorn {
				s.Version = v
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Less(out[j].At) })
	return out
}

// linkConfigs merges each configuration file into the command lines that
// run it (gunicorn -c, uwsgi --ini / --yaml; a gunicorn without -c reads
// gunicorn.conf.py from its directory): the command's own flags win.
// Configuration files no command names are servers of their own.
func linkConfigs(commands, configs []*Server) []*Server {
	used := map[*Server]bool{}
	for _, c := range commands {
		cfg := configFor(c, configs)
		if cfg == nil {
			continue
		}
		used[cfg] = true
		if c.Kind == UWSGI { // a uwsgi command loads its files itself (resolveUWSGI)
			c.uwsgiLinked = cfg.At.Path
			continue
		}
		c.fillFrom(cfg)
	}
	out := append([]*Server(nil), commands...)
	for _, f := range configs {
		if !used[f] {
			out = append(out, f)
		}
	}
	return out
}

// fillFrom gives s the settings of o that s leaves unset.
func (s *Server) fillFrom(o *Server) {
	if len(s.Binds) == 0 {
		s.Binds = o.Binds
	}
	if len(s.Sockets) == 0 {
		s.Sockets = o.Sockets
	}
	if s.ForwardedAllowIPs == nil {
		s.ForwardedAllowIPs = o.ForwardedAllowIPs
	}
	if s.ProxyHeaders == nil {
		s.ProxyHeaders = o.ProxyHeaders
	}
	if s.SchemeHeaders == nil {
		s.SchemeHeaders = o.SchemeHeaders
	}
	if s.HeaderMap == nil {
		s.HeaderMap = o.HeaderMap
	}
	if s.Config == "" {
		s.Config = o.Config
	}
}

// configFor is the configuration file a command line runs: the one whose
// project path ends the path it names (the longest such), or a python:
// module of that name, else the only file of the same name; for a gunicorn
// without -c, a gunicorn.conf.py beside the command's file, else the
// project's only one.
func configFor(c *Server, configs []*Server) *Server {
	var best *Server
	var defaults, sameName []*Server
	for _, f := range configs {
		if f.Kind != c.Kind {
			continue
		}
		p := f.At.Path
		switch {
		case c.Config == "":
			if c.Kind == Gunicorn && path.Base(p) == "gunicorn.conf.py" {
				if path.Dir(p) == path.Dir(c.At.Path) {
					return f
				}
				defaults = append(defaults, f)
			}
		case strings.HasPrefix(c.Config, "python:"):
			name := strings.TrimPrefix(c.Config, "python:")
			mn := strings.ReplaceAll(strings.TrimSuffix(p, ".py"), "/", ".")
			if mn == name || strings.HasSuffix(mn, "."+name) {
				best = f
			}
		case pathNames(c.Config, p):
			if best == nil || len(p) > len(best.At.Path) {
				best = f
			}
		case path.Base(c.Config) == path.Base(p):
			sameName = append(sameName, f) // copied into the image under another directory
		}
	}
	switch {
	case best != nil:
	case len(defaults) == 1:
		best = defaults[0]
	case len(sameName) == 1:
		best = sameName[0]
	}
	return best
}

// pathNames reports whether a path as a command line writes it (often
// absolute, in the container: /srv/app/deploy/gunicorn.conf.py) names the
// project file rel (deploy/gunicorn.conf.py).
func pathNames(written, rel string) bool {
	w := path.Clean(strings.TrimPrefix(written, "./"))
	return w == rel || strings.HasSuffix(w, "/"+rel)
}

func isGunicornConfig(p string) bool {
	b := strings.ToLower(path.Base(p))
	return strings.HasSuffix(b, ".py") && strings.Contains(b, "gunicorn") && !strings.HasPrefix(b, "test")
}

// configValue is a setting's value: a constant; a string built from
// constants and run-time values (f"0.0.0.0:{port}"), with "{…}" for each
// run-time part; or the default of os.environ.get / os.getenv, which is
// what runs when the variable is unset.
func configValue(e *python.Expr) (python.Value, bool) {
	if v, ok := e.Const(); ok || e == nil {
		return v, ok
	}
	if len(e.Pieces) > 0 {
		var b strings.Builder
		for _, p := range e.Pieces {
			if p.Expr != nil {
				if v, ok := p.Expr.Const(); ok && v.Kind == python.Str {
					b.WriteString(v.Str)
				} else {
					b.WriteString("{…}")
				}
				continue
			}
			b.WriteString(p.Literal)
		}
		return python.Value{Kind: python.Str, Str: b.String()}, true
	}
	if e.Kind == python.CallExpr && e.Call != nil && len(e.Call.Args()) >= 2 {
		switch e.Call.Func {
		case "os.environ.get", "environ.get", "os.getenv", "getenv":
			return e.Call.Args()[1].Const()
		}
	}
	return python.Value{}, false
}

// fromConfig reads a gunicorn configuration module's settings.
func fromConfig(m *python.Module) *Server {
	s := &Server{Kind: Gunicorn, At: m.File.Span(0, 0)}
	for _, a := range m.Assigns {
		v, ok := configValue(a.Value)
		if !ok {
			continue
		}
		var vals []string
		switch v.Kind {
		case python.Str:
			vals = []string{v.Str}
		case python.List, python.Tuple:
			for _, e := range v.Elems {
				if e.Kind == python.Str {
					vals = append(vals, e.Str)
				}
			}
		}
		switch a.Target {
		case "bind":
			for _, b := range vals {
				s.Binds = append(s.Binds, Setting{b, a.Loc})
			}
		case "forwarded_allow_ips":
			s.ForwardedAllowIPs = &Setting{strings.Join(vals, ","), a.Loc}
		case "header_map":
			if len(vals) == 1 {
				s.HeaderMap = &Setting{strings.ToLower(vals[0]), a.Loc}
			}
		case "secure_scheme_headers":
			if v.Kind != python.Dict {
				continue
			}
			sh := &SchemeHeaders{At: a.Loc, Pairs: [][2]string{}}
			for i, k := range v.Keys {
				if k.Kind == python.Str && i < len(v.Elems) && v.Elems[i].Kind == python.Str {
					sh.Pairs = append(sh.Pairs, [2]string{k.Str, v.Elems[i].Str})
				}
			}
			s.SchemeHeaders = sh
		}
	}
	return s
}

// Listeners are the server's HTTP listeners: its binds, or the address it
// listens on when none is given (gunicorn, uvicorn and daphne default to
// 127.0.0.1:8000; uwsgi opens nothing by default).
func (s *Server) Listeners() []Setting {
	if len(s.Binds) > 0 || s.Kind == UWSGI {
		return s.Binds
	}
	return []Setting{{Value: "127.0.0.1:8000", At: s.At}}
}
