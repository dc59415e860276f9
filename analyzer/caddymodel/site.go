package caddymodel

import (
	"strconv"
	"strings"
	"sync"

	"github.com/djleak/djleak/parsers/caddy"
)

// Addr is one site address.
type Addr struct {
	Text   string // as written
	Scheme string // "http", "https" or ""
	Host   string
	Port   string
	TLS    bool
}

// ClientAuth is a `tls { client_auth { … } }` block.
type ClientAuth struct {
	// Mode is the effective mode: request, require, verify_if_given or
	// require_and_verify.
	Mode string
	// ModeAt is the `mode` line (nil when the mode is the default).
	ModeAt *caddy.Directive
	CA     string // trusted_ca_cert_file (or "inline" for trusted_ca_cert)
	// CAAt is the trusted_ca_cert_file line (nil for none or inline).
	CAAt *caddy.Directive
	At   *caddy.Directive
}

// Verified reports whether every certificate that reaches a handler was
// verified against a CA.
func (c *ClientAuth) Verified() bool {
	return c != nil && (c.Mode == "verify_if_given" || c.Mode == "require_and_verify")
}

// Site is one site block with its imports expanded.
type Site struct {
	File  *File
	Block *caddy.Directive
	Addrs []Addr
	// TLSAt is the site's `tls` directive, nil when none.
	TLSAt      *caddy.Directive
	ClientAuth *ClientAuth
	// Body is the site's directives with `import` of snippets expanded.
	Body []*caddy.Directive
}

// Label names the site as a reviewer would.
func (s *Site) Label() string {
	var a []string
	for _, ad := range s.Addrs {
		a = append(a, ad.Text)
	}
	return "site " + strings.Join(a, ", ")
}

// Global are the global options that change what the model predicts.
type Global struct {
	AutoHTTPSOff        bool // auto_https off
	NoRedirects         bool // auto_https off or disable_redirects
	HTTPPort, HTTPSPort string
}

// Config is one Caddyfile's sites.
type Config struct {
	File *File
	// Deployment is the Compose deployment that runs the file, "" when
	// none does.
	Deployment string
	Global     Global
	Sites      []*Site
	// Imports are the imports djleak could not follow.
	Imports []ImportProblem
	tree    *importer

	routesOnce sync.Once
	routes     []*Route // Routes, computed once: rules and the adapter share them
}

// Build resolves one Caddyfile on its own: imports of other files are not
// followed.
func Build(f *File) *Config { return BuildTree(f, MapLoader{}) }

// BuildTree resolves one Caddyfile with the files it imports.
func BuildTree(f *File, loader Loader) *Config {
	c := &Config{File: f, Global: Global{HTTPPort: "80", HTTPSPort: "443"}}
	im := &importer{loader: loader, owner: map[*caddy.Directive]*File{}, snippets: map[string]*snippet{}, reached: map[string]bool{}}
	f = im.adopt(f)
	c.File = f
	files := im.collect(f, []string{f.Src.Path})
	c.tree = im
	if g := f.Parsed.Global; g != nil {
		for _, d := range g.Body {
			switch d.Name() {
			case "auto_https":
				switch d.Arg(0) {
				case "off":
					c.Global.AutoHTTPSOff, c.Global.NoRedirects = true, true
				case "disable_redirects":
					c.Global.NoRedirects = true
				}
			case "http_port":
				c.Global.HTTPPort = d.Arg(0)
			case "https_port":
				c.Global.HTTPSPort = d.Arg(0)
			}
		}
	}
	for _, sf := range files {
		for _, b := range sf.Parsed.Sites {
			c.Sites = append(c.Sites, c.site(sf, b))
		}
	}
	c.Imports = im.problems
	return c
}

// site resolves one site block of file f.
func (c *Config) site(f *File, b *caddy.Directive) *Site {
	{
		s := &Site{File: f, Block: b}
		s.Body = c.tree.expand(f, b.Body, nil, []string{f.Src.Path})
		for _, d := range s.Body {
			if d.Name() == "tls" {
				s.TLSAt = d
				s.ClientAuth = clientAuth(d)
			}
		}
		for _, w := range b.Words {
			for _, t := range strings.Split(w.Text, ",") {
				if t = strings.TrimSpace(t); t != "" {
					s.Addrs = append(s.Addrs, c.parseAddr(t, s.TLSAt != nil))
				}
			}
		}
		return s
	}
}

// parseAddr splits a site address and decides whether it serves TLS.
func (c *Config) parseAddr(text string, hasTLS bool) Addr {
	a := Addr{Text: text}
	rest := text
	if i := strings.Index(rest, "://"); i >= 0 {
		a.Scheme, rest = strings.ToLower(rest[:i]), rest[i+3:]
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	a.Host = rest
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && !strings.HasSuffix(rest, "]") {
		a.Host, a.Port = rest[:i], rest[i+1:]
	}
	switch {
	case a.Scheme == "http":
		a.TLS = false
	case a.Scheme == "https":
		a.TLS = true
	case a.Port == c.Global.HTTPPort:
		a.TLS = false
	case a.Port == c.Global.HTTPSPort:
		a.TLS = true
	case hasTLS:
		a.TLS = true
	default:
		// Caddy serves HTTPS for a site with a host name unless automatic
		// HTTPS is off; a bare port (":8080") is plain HTTP.
		a.TLS = a.Host != "" && !c.Global.AutoHTTPSOff
	}
	if a.Port == "" {
		if a.TLS {
			a.Port = c.Global.HTTPSPort
		} else {
			a.Port = c.Global.HTTPPort
		}
	}
	return a
}

// substitute returns a copy of d with snippet arguments filled in; the
// copies keep d's file.
func (im *importer) substitute(d *caddy.Directive, args []string) *caddy.Directive {
	c := *d
	c.Words = append([]caddy.Word(nil), d.Words...)
	for i := range c.Words {
		t := c.Words[i].Text
		for n, a := range args {
			t = strings.ReplaceAll(t, "{args."+strconv.Itoa(n)+"}", a)
			t = strings.ReplaceAll(t, "{args["+strconv.Itoa(n)+"]}", a)
		}
		c.Words[i].Text = t
	}
	c.Body = nil
	for _, b := range d.Body {
		c.Body = append(c.Body, im.substitute(b, args))
	}
	if f := im.owner[d]; f != nil {
		im.owner[&c] = f
	}
	return &c
}

// clientAuth reads a tls directive's client_auth block.
func clientAuth(tls *caddy.Directive) *ClientAuth {
	for _, d := range tls.Body {
		if d.Name() != "client_auth" {
			continue
		}
		ca := &ClientAuth{At: d}
		for _, o := range d.Body {
			switch o.Name() {
			case "mode":
				ca.Mode, ca.ModeAt = o.Arg(0), o
			case "trusted_ca_cert_file":
				ca.CA, ca.CAAt = o.Arg(0), o
			case "trusted_ca_cert":
				if ca.CA == "" {
					ca.CA = "inline"
				}
			}
		}
		if ca.Mode == "" {
			if ca.CA != "" {
				ca.Mode = "require_and_verify"
			} else {
				ca.Mode = "require"
			}
		}
		return ca
	}
	return nil
}
