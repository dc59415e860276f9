package haproxymodel

import (
	"strings"
	"sync"

	"github.com/djleak/djleak/parsers/haproxy"
)

// Verify is a bind line's client-certificate mode.
type Verify string

const (
	VerifyNone     Verify = "none"
	VerifyOptional Verify = "optional"
	VerifyRequired Verify = "required"
)

// Bind is one `bind` line.
type Bind struct {
	Line *haproxy.Line
	Addr string // as written: "127.0.0.1:443", ":443", "*:443", "unix@/run/x", "/run/x"
	SSL  bool
	// CAFile is the `ca-file` argument ("" when none), CAFileWord its word.
	CAFile     string
	CAFileWord *haproxy.Word
	// Verify is the effective mode ("none" when not given).
	Verify Verify
	// VerifyWord is the `verify` argument's word, when written.
	VerifyWord *haproxy.Word
	// IgnoreErr is set when `crt-ignore-err` or `ca-ignore-err` lets
	// certificates that fail verification through.
	IgnoreErr *haproxy.Word
}

// Server is one `server` line of a backend.
type Server struct {
	Line   *haproxy.Line
	Name   string
	Addr   string
	SSL    bool
	Verify Verify // "required" unless `verify none` (or ssl-server-verify none)
	// VerifyWord is the `verify none` word when the server line has it.
	VerifyWord *haproxy.Word
}

// Cond is an `if` / `unless` condition of a rule.
type Cond struct {
	Unless bool
	Terms  []string // the words after if/unless
	// At is the `if` / `unless` word.
	At haproxy.Word
}

// Text renders the condition as written.
func (c *Cond) Text() string {
	if c == nil {
		return ""
	}
	kw := "if"
	if c.Unless {
		kw = "unless"
	}
	return kw + " " + strings.Join(c.Terms, " ")
}

// Rule is one `http-request` (or old-style `reqadd`-free) rule.
type Rule struct {
	Line   *haproxy.Line
	Action string // "set-header", "add-header", "del-header", "replace-header", "replace-value", "deny", "redirect", …
	// Header is the header name for header actions.
	Header string
	// Match is del-header's `-m` method ("str" by default).
	Match string
	// Value is the log-format value of set-header / add-header, or the
	// replacement of replace-header / replace-value.
	Value string
	// Args are the action's words after the action name, up to the
	// condition.
	Args []string
	Cond *Cond
	// Proxy is the section the rule is written in (a defaults section
	// for inherited rules).
	Proxy *Proxy
}

// Terminal reports whether the rule stops the request before the server.
func (r *Rule) Terminal() bool {
	switch r.Action {
	case "deny", "reject", "tarpit", "return", "redirect", "auth", "silent-drop":
		return true
	}
	return false
}

// UseBackend is one `use_backend` line.
type UseBackend struct {
	Line    *haproxy.Line
	Backend string
	Cond    *Cond
}

// Proxy is one frontend, backend, listen or defaults section with what
// it inherits resolved.
type Proxy struct {
	File    *File
	Section *haproxy.Section
	Kind    string // "frontend", "backend", "listen", "defaults"
	Name    string
	// Defaults is the defaults section the proxy inherits from, if any.
	Defaults *Proxy

	Mode     string // "http" or "tcp" (inherited; tcp when never set)
	ModeLine *haproxy.Line
	Binds    []*Bind
	// Rules are the proxy's own http-request rules in order; Inherited
	// lists those of its named defaults section, which run first.
	Rules          []*Rule
	DefaultBackend string
	UseBackends    []*UseBackend
	Servers        []*Server
	// ResponseRules are http-response / http-after-response set-header and
	// add-header rules (HSTS).
	ResponseRules []*Rule
	// Logs are the proxy's `log` lines (inherited when it has none);
	// HTTPLog is `option httplog` / a log-format line.
	Logs      []*haproxy.Line
	HTTPLog   *haproxy.Line
	LogFormat *haproxy.Line
	// Captures are `capture request header NAME len N` lines.
	Captures []*haproxy.Line
	// ServerVerifyDefault is the global `ssl-server-verify` (required
	// unless set to none).
	serverVerifyNone bool
}

// AllRules returns the rules that run for a request in this proxy:
// inherited defaults rules first.
func (p *Proxy) AllRules() []*Rule {
	if p.Defaults == nil || p.Defaults.Name == "" {
		return p.Rules
	}
	return append(append([]*Rule(nil), p.Defaults.Rules...), p.Rules...)
}

// Config is one file's proxies.
type Config struct {
	File *File
	// Deployment is the Compose deployment that runs the file, "" when
	// none does.
	Deployment string
	Proxies    []*Proxy
	byName     map[string]*Proxy
	defaults   map[string]*Proxy

	routesOnce sync.Once
	routes     []*Route // Routes, computed once: rules and the adapter share them
}

// Backend returns the backend or listen section named name.
func (c *Config) Backend(name string) *Proxy {
	if p := c.byName[name]; p != nil && (p.Kind == "backend" || p.Kind == "listen") {
		return p
	}
	return nil
}

// Build resolves one file's sections into proxies.
func Build(f *File) *Config {
	c := &Config{File: f, byName: map[string]*Proxy{}, defaults: map[string]*Proxy{}}
	var last *Proxy // the defaults section in effect
	serverVerifyNone := false
	for _, s := range f.Parsed.Sections {
		switch s.Kind {
		case "global":
			for _, l := range s.Lines {
				if l.Keyword() == "ssl-server-verify" && l.Arg(0) == "none" {
					serverVerifyNone = true
				}
			}
		case "defaults", "frontend", "backend", "listen":
		default:
			continue
		}
		p := &Proxy{File: f, Section: s, Kind: s.Kind, Name: s.Name, serverVerifyNone: serverVerifyNone}
		if s.Kind != "defaults" || s.From != "" {
			p.Defaults = last
			if s.From != "" {
				p.Defaults = c.defaults[s.From]
			}
		}
		p.load()
		if s.Kind == "defaults" {
			last = p
			if s.Name != "" {
				c.defaults[s.Name] = p
			}
		} else {
			c.Proxies = append(c.Proxies, p)
			if s.Name != "" {
				c.byName[s.Name] = p
			}
		}
	}
	return c
}

func (p *Proxy) load() {
	d := p.Defaults
	if d != nil {
		p.Mode, p.ModeLine = d.Mode, d.ModeLine
		p.DefaultBackend = d.DefaultBackend
		p.HTTPLog, p.LogFormat = d.HTTPLog, d.LogFormat
	}
	var logs []*haproxy.Line
	noLogs := false
	for _, l := range p.Section.Lines {
		switch kw := l.Keyword(); kw {
		case "mode":
			p.Mode, p.ModeLine = l.Arg(0), l
		case "bind":
			p.Binds = append(p.Binds, parseBind(l))
		case "server":
			p.Servers = append(p.Servers, p.parseServer(l))
		case "default_backend":
			p.DefaultBackend = l.Arg(0)
		case "use_backend":
			ub := &UseBackend{Line: l, Backend: l.Arg(0)}
			ub.Cond, _ = splitCond(l.Words[2:])
			p.UseBackends = append(p.UseBackends, ub)
		case "http-request":
			if r := parseRule(l); r != nil {
				r.Proxy = p
				p.Rules = append(p.Rules, r)
			}
		case "redirect": // old syntax: redirect scheme https if !{ ssl_fc }
			r := &Rule{Line: l, Action: "redirect", Proxy: p}
			r.Args, r.Cond = splitArgs(l.Words[1:])
			p.Rules = append(p.Rules, r)
		case "http-response", "http-after-response":
			if r := parseRule(l); r != nil {
				r.Proxy = p
				p.ResponseRules = append(p.ResponseRules, r)
			}
		case "log":
			if l.Arg(0) == "global" || len(l.Words) > 1 {
				logs = append(logs, l)
			}
		case "no":
			if l.Arg(0) == "log" {
				noLogs = true
			}
		case "option":
			if l.Arg(0) == "httplog" {
				p.HTTPLog = l
			}
		case "log-format":
			p.LogFormat = l
		case "capture":
			if l.Arg(0) == "request" && l.Arg(1) == "header" {
				p.Captures = append(p.Captures, l)
			}
		}
	}
	p.Logs = logs
	if len(logs) == 0 && !noLogs && d != nil {
		p.Logs = d.Logs
	}
	if p.Mode == "" {
		p.Mode = "tcp"
	}
}

func parseBind(l *haproxy.Line) *Bind {
	b := &Bind{Line: l, Addr: l.Arg(0), Verify: VerifyNone}
	ws := l.Words
	for i := 2; i < len(ws); i++ {
		switch ws[i].Text {
		case "ssl":
			b.SSL = true
		case "ca-file":
			if i+1 < len(ws) {
				b.CAFile = ws[i+1].Text
				w := ws[i+1]
				b.CAFileWord = &w
				i++
			}
		case "verify":
			if i+1 < len(ws) {
				b.Verify = Verify(ws[i+1].Text)
				w := ws[i+1]
				b.VerifyWord = &w
				i++
			}
		case "crt-ignore-err", "ca-ignore-err":
			w := ws[i]
			b.IgnoreErr = &w
			i++
		}
	}
	return b
}

func (p *Proxy) parseServer(l *haproxy.Line) *Server {
	s := &Server{Line: l, Name: l.Arg(0), Addr: l.Arg(1), Verify: VerifyRequired}
	if p.serverVerifyNone {
		s.Verify = VerifyNone
	}
	ws := l.Words
	for i := 3; i < len(ws); i++ {
		switch ws[i].Text {
		case "ssl":
			s.SSL = true
		case "verify":
			if i+1 < len(ws) {
				s.Verify = Verify(ws[i+1].Text)
				w := ws[i+1]
				s.VerifyWord = &w
				i++
			}
		}
	}
	return s
}

// parseRule reads `http-request ACTION …`; nil when the line has no action.
func parseRule(l *haproxy.Line) *Rule {
	if len(l.Words) < 2 {
		return nil
	}
	r := &Rule{Line: l, Action: l.Words[1].Text}
	r.Args, r.Cond = splitArgs(l.Words[2:])
	switch r.Action {
	case "set-header", "add-header", "replace-header", "replace-value", "del-header", "early-hint":
		if len(r.Args) > 0 {
			r.Header = r.Args[0]
		}
	}
	switch r.Action {
	case "set-header", "add-header":
		if len(r.Args) > 1 {
			r.Value = r.Args[1]
		}
	case "replace-header", "replace-value":
		if len(r.Args) > 2 {
			r.Value = r.Args[2]
		}
	case "del-header":
		r.Match = "str"
		if len(r.Args) > 2 && r.Args[1] == "-m" {
			r.Match = r.Args[2]
		}
	}
	return r
}

// splitArgs splits words at `if` / `unless`.
func splitArgs(ws []haproxy.Word) ([]string, *Cond) {
	var args []string
	for i, w := range ws {
		if w.Text == "if" || w.Text == "unless" {
			c, _ := splitCond(ws[i:])
			return args, c
		}
		args = append(args, w.Text)
	}
	return args, nil
}

// splitCond reads a condition starting at ws[0] == if/unless.
func splitCond(ws []haproxy.Word) (*Cond, bool) {
	if len(ws) == 0 || (ws[0].Text != "if" && ws[0].Text != "unless") {
		return nil, false
	}
	c := &Cond{Unless: ws[0].Text == "unless", At: ws[0]}
	for _, w := range ws[1:] {
		c.Terms = append(c.Terms, w.Text)
	}
	return c, true
}

// HeaderMatches reports whether a del-header rule removes header name.
func (r *Rule) HeaderMatches(name string) bool {
	h := strings.ToLower(r.Header)
	n := strings.ToLower(name)
	switch r.Match {
	case "", "str":
		return h == n
	case "beg":
		return strings.HasPrefix(n, h)
	case "end":
		return strings.HasSuffix(n, h)
	case "sub":
		return strings.Contains(n, h)
	}
	return false // reg and others: not modelled
}
