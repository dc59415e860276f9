// Package ngxmodel builds djleak's view of the nginx configuration: the
// tree of configuration scopes (http, server, location, if) with nginx's
// inheritance rules, so rules can ask what is in effect at any level.
package ngxmodel

import (
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/nginx"
)

// Scope is one configuration level.
type Scope struct {
	Kind       string           // "main", "http", "server", "location", "if", "limit_except", "upstream", …
	Dir        *nginx.Directive // the block directive; nil for main
	Parent     *Scope
	Children   []*Scope
	Directives []*nginx.Directive // directives at this level, include contents in place
	Config     *nginx.Config

	// byName indexes Directives by name (built with the model), so that
	// lookups that climb to a level with many directives — an http block
	// of 100,000 servers — cost one map access, not a scan.
	byName map[string][]*nginx.Directive
}

// Own returns this level's directives named name, in source order. The
// result is shared: callers must not modify it.
func (s *Scope) Own(name string) []*nginx.Directive {
	if s.byName != nil {
		ds := s.byName[name]
		return ds[:len(ds):len(ds)] // appending copies
	}
	var out []*nginx.Directive
	for _, d := range s.Directives {
		if d.Name == name {
			out = append(out, d)
		}
	}
	return out
}

// OwnOf returns this level's directives with any of the names, in source
// order. A level with none of them answers without a scan.
func (s *Scope) OwnOf(names ...string) []*nginx.Directive {
	if s.byName != nil {
		present := false
		for _, n := range names {
			present = present || len(s.byName[n]) > 0
		}
		if !present {
			return nil
		}
	}
	var out []*nginx.Directive
	for _, d := range s.Directives {
		for _, n := range names {
			if d.Name == n {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

// index builds byName.
func (s *Scope) index() {
	s.byName = make(map[string][]*nginx.Directive)
	for _, d := range s.Directives {
		s.byName[d.Name] = append(s.byName[d.Name], d)
	}
}

// Simple returns the directive name in effect here: the one at the nearest
// level that sets it (nginx's rule for single-valued directives).
func (s *Scope) Simple(name string) (*nginx.Directive, *Scope) {
	for sc := s; sc != nil; sc = sc.Parent {
		if ds := sc.Own(name); len(ds) > 0 {
			return ds[len(ds)-1], sc
		}
	}
	return nil, nil
}

// Array returns the array directive values in effect here: those of the
// nearest level that defines any directive named name. A level that defines
// one does not inherit any from outer levels.
func (s *Scope) Array(name string) ([]*nginx.Directive, *Scope) {
	for sc := s; sc != nil; sc = sc.Parent {
		if ds := sc.Own(name); len(ds) > 0 {
			return ds, sc
		}
	}
	return nil, nil
}

// Server is the enclosing server scope, or nil.
func (s *Scope) Server() *Scope {
	for sc := s; sc != nil; sc = sc.Parent {
		if sc.Kind == "server" {
			return sc
		}
	}
	return nil
}

// Walk visits s and every scope below it, depth-first, in order.
func (s *Scope) Walk(fn func(*Scope)) {
	fn(s)
	for _, c := range s.Children {
		c.Walk(fn)
	}
}

// Label describes the scope for messages: `server api.example.com` or
// `location /admin/`.
func (s *Scope) Label() string {
	switch s.Kind {
	case "main":
		return "top level"
	case "server":
		names := ServerNames(s)
		if len(names) > 0 {
			return "server " + names[0]
		}
		return "server"
	}
	if s.Dir != nil && len(s.Dir.Args) > 0 {
		return s.Kind + " " + strings.Join(s.Dir.Args, " ")
	}
	return s.Kind
}

// ServerNames lists a server scope's server_name values.
func ServerNames(s *Scope) []string {
	var out []string
	for _, d := range s.Own("server_name") {
		out = append(out, d.Args...)
	}
	return out
}

// IsTLS reports whether a server scope accepts TLS: a `listen … ssl`
// (or quic) or the legacy `ssl on`.
func IsTLS(s *Scope) bool {
	for _, d := range s.Own("listen") {
		for i, a := range d.Args {
			if i > 0 && (a == "ssl" || a == "quic") {
				return true
			}
		}
	}
	if d, _ := s.Simple("ssl"); d != nil && d.Arg(0) == "on" {
		return true
	}
	return false
}

// Model is the whole configuration as scopes.
type Model struct {
	Mains   []*Scope // one per root config file
	Servers []*Scope // every server scope, in config order

	upstreams []*Upstream
	// byServer indexes upstreams by their server scope.
	byServer map[*Scope][]*Upstream
	extra    map[string]bool // configured identity keys
	// formats indexes each root's log_format directives by name.
	formats map[*Scope]map[string]*nginx.Directive
	// upstreamNames indexes each root's http-level upstream blocks by name
	// (the first of each name in walk order).
	upstreamNames map[*Scope]map[string]*Scope
}

// Pass builds the model.
var Pass = &analyzer.Pass[*Model]{Name: "nginx-model", Run: build, Reads: []analyzer.Kind{analyzer.KindNginx}}

func build(p *analyzer.Project) *Model {
	m := &Model{formats: map[*Scope]map[string]*nginx.Directive{}, upstreamNames: map[*Scope]map[string]*Scope{}}
	if p.Config != nil {
		m.extra = p.Config.IdentityKeys()
	}
	if p.Nginx == nil {
		return m
	}
	for _, cfg := range p.Nginx.Configs {
		main := &Scope{Kind: "main", Config: cfg}
		fill(main, cfg.Directives, cfg)
		m.Mains = append(m.Mains, main)
		names := map[string]*Scope{}
		main.Walk(func(sc *Scope) {
			sc.index()
			if sc.Kind == "upstream" && sc.Dir != nil && !InStream(sc) {
				if _, dup := names[sc.Dir.Arg(0)]; !dup {
					names[sc.Dir.Arg(0)] = sc
				}
			}
		})
		m.upstreamNames[main] = names
		m.formats[main] = logFormats(main)
		main.Walk(func(s *Scope) {
			if s.Kind == "server" && (s.Parent == nil || s.Parent.Kind != "upstream") {
				m.Servers = append(m.Servers, s)
			}
		})
	}
	m.upstreams = m.findUpstreams()
	m.indexUpstreams()
	return m
}

// indexUpstreams fills byServer from upstreams.
func (m *Model) indexUpstreams() {
	m.byServer = map[*Scope][]*Upstream{}
	for _, u := range m.upstreams {
		if u.Server != nil {
			m.byServer[u.Server] = append(m.byServer[u.Server], u)
		}
	}
}

// Deployments lists the deployments the configurations run in (see
// nginx.Config.Deployment), sorted; "" is the configurations of no
// deployment description.
func (m *Model) Deployments() []string {
	seen := map[string]bool{}
	var out []string
	for _, main := range m.Mains {
		if d := main.Config.Deployment; !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out
}

// In is the part of m that runs in deployment dep: its configurations,
// servers and upstreams. Rules that reason across configurations ("another
// server sets this header") use it so that one deployment never cites
// another.
func (m *Model) In(dep string) *Model {
	out := &Model{extra: m.extra, formats: m.formats}
	for _, main := range m.Mains {
		if main.Config.Deployment == dep {
			out.Mains = append(out.Mains, main)
		}
	}
	for _, s := range m.Servers {
		if s.Config.Deployment == dep {
			out.Servers = append(out.Servers, s)
		}
	}
	for _, u := range m.upstreams {
		if u.Scope.Config.Deployment == dep {
			out.upstreams = append(out.upstreams, u)
		}
	}
	out.indexUpstreams()
	return out
}

// scopeKinds are the block directives that open a configuration level.
var scopeKinds = map[string]bool{
	"http": true, "server": true, "location": true, "if": true,
	"limit_except": true, "upstream": true, "stream": true, "mail": true,
}

func fill(s *Scope, ds []*nginx.Directive, cfg *nginx.Config) {
	for _, d := range ds {
		switch {
		case d.Name == "include":
			s.Directives = append(s.Directives, d)
			fill(s, d.Included, cfg)
		case d.IsBlock && scopeKinds[d.Name]:
			child := &Scope{Kind: d.Name, Dir: d, Parent: s, Config: cfg}
			s.Children = append(s.Children, child)
			s.Directives = append(s.Directives, d)
			fill(child, d.Block, cfg)
		default:
			s.Directives = append(s.Directives, d)
		}
	}
}

// CommentedOut finds a comment in scope s (not nested scopes) that looks
// like a disabled directive named name, e.g. "# ssl_verify_client on;".
func CommentedOut(s *Scope, name string) *nginx.Directive {
	for _, d := range s.Directives {
		if d.Name != "#" {
			continue
		}
		text := strings.TrimSpace(d.Comment)
		if strings.HasPrefix(text, name+" ") || strings.HasPrefix(text, name+"\t") {
			return d
		}
	}
	return nil
}
