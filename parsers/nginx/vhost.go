package nginx

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/djleak/djleak/parsers/source"
)

// nginx-proxy (the Docker proxy that writes a server block for every
// container with VIRTUAL_HOST) takes per-host configuration from
// /etc/nginx/vhost.d: the file named after the host is included in the
// host's server block, HOST_location in its `location /`, and default /
// default_location stand in for hosts without their own file. The server
// blocks themselves are generated at run time and are not in the project,
// so djleak models one for each host of a vhost.d directory:
//
//	http {
//	    server {
//	        listen 443 ssl;
//	        server_name HOST;
//	        include /etc/nginx/vhost.d/HOST;             # or default
//	        location / {
//	            proxy_pass http://HOST;
//	            include /etc/nginx/vhost.d/HOST_location; # or default_location
//	        }
//	    }
//	}
//
// The modelled directives are Synthetic; they are placed on the first line
// of the snippet that stands for them, which is where a fix goes. The
// upstream nginx-proxy generates (the container's address) is not known.

// isVhostSnippet reports whether a candidate is an nginx-proxy vhost.d file.
func isVhostSnippet(rel string) bool { return path.Base(path.Dir(rel)) == "vhost.d" }

// vhostHost splits a vhost.d file name into host and level: "app.example.com"
// is server level, "app.example.com_location" location level. Other
// nginx-proxy suffixes (_location_override, which replaces the whole
// location) are read as location level too.
func vhostHost(name string) (host string, location bool) {
	for _, suf := range []string{"_location_override", "_location"} {
		if strings.HasSuffix(name, suf) {
			return strings.TrimSuffix(name, suf), true
		}
	}
	return name, false
}

// vhostConfigs models the servers of one vhost.d directory from its
// snippet files (project-relative paths), one per host; the default
// snippets are included in the hosts without their own, and are a server
// of their own only when the directory has no host files.
func (b *builder) vhostConfigs(files []string) []*expansion {
	type host struct{ server, location *parsedFile }
	hosts := map[string]*host{}
	var errs []Error
	for _, f := range files {
		pf, err := b.load(f)
		if err != nil {
			errs = append(errs, Error{Loc: source.NewFile(f, nil).Span(0, 0), Message: fmt.Sprintf("cannot read nginx configuration: %v", err), Kind: KindSyntax})
			continue
		}
		name, loc := vhostHost(path.Base(f))
		h := hosts[name]
		if h == nil {
			h = &host{}
			hosts[name] = h
		}
		if loc {
			h.location = pf
		} else {
			h.server = pf
		}
	}
	names := make([]string, 0, len(hosts))
	for n := range hosts {
		names = append(names, n)
	}
	sort.Strings(names)
	def := hosts["default"]
	var out []*expansion
	for _, n := range names {
		if n == "default" && len(names) > 1 {
			// The default snippets are modelled in the hosts that use
			// them, not as a host of their own.
			continue
		}
		h := *hosts[n]
		// The modelled server sits in the host's own file: its server
		// snippet, else its location snippet.
		anchor := h.server
		if anchor == nil {
			anchor = h.location
		}
		if n != "default" && def != nil {
			if h.server == nil {
				h.server = def.server
			}
			if h.location == nil {
				h.location = def.location
			}
		}
		out = append(out, b.vhostServer(n, anchor, h.server, h.location))
	}
	if len(out) > 0 {
		out[0].errs = append(out[0].errs, errs...)
		if def != nil { // their syntax errors are reported even when no host uses them
			for _, pf := range []*parsedFile{def.server, def.location} {
				if pf != nil {
					out[0].reached[pf.key] = true
				}
			}
		}
	}
	return out
}

// vhostServer builds the modelled configuration of one host.
func (b *builder) vhostServer(host string, anchor, server, location *parsedFile) *expansion {
	f := anchor.file
	loc := lineLoc(f, 1)
	e := &expansion{
		b:       b,
		bases:   b.bases(f.Path),
		cfg:     &Config{Path: f.Path, Files: []*source.File{f}},
		inCfg:   map[string]bool{f.Path: true},
		reached: map[string]bool{},
		active:  map[string]bool{},
		root:    anchor,
	}
	syn := func(parent *Directive, name string, args ...string) *Directive {
		d := &Directive{Name: name, Args: args, Loc: loc, File: f, Parent: parent, Synthetic: true}
		if parent != nil {
			parent.Block = append(parent.Block, d)
		}
		return d
	}
	include := func(parent *Directive, pf *parsedFile) {
		d := syn(parent, "include", "/etc/nginx/vhost.d/"+path.Base(pf.file.Path))
		if !e.inCfg[pf.file.Path] {
			e.inCfg[pf.file.Path] = true
			e.cfg.Files = append(e.cfg.Files, pf.file)
		}
		e.reached[pf.key] = true
		e.active[pf.key] = true
		d.Included = e.instantiate(pf, d)
		delete(e.active, pf.key)
	}
	http := syn(nil, "http")
	http.IsBlock = true
	srv := syn(http, "server")
	srv.IsBlock = true
	syn(srv, "listen", "443", "ssl")
	syn(srv, "server_name", host)
	if server != nil {
		include(srv, server)
	}
	lb := syn(srv, "location", "/")
	lb.IsBlock = true
	syn(lb, "proxy_pass", "http://"+host)
	if location != nil {
		include(lb, location)
	}
	e.cfg.Directives = []*Directive{http}
	return e
}
