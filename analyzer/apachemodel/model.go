// Package apachemodel is djleak's model of Apache httpd with mod_ssl,
// mod_headers, mod_proxy and mod_wsgi: which virtual hosts a configuration
// declares, how they ask for client certificates, and — for each way a
// request reaches the application (a `ProxyPass`, a `WSGIScriptAlias`) —
// what each identity header and `SSL_CLIENT_*` environment key is when it
// arrives. It registers httpd's configuration format as a language and
// Apache as an adapter of the proxy-neutral front-end model.
//
// What the model knows of httpd 2.4 (each point checked against the real
// server by the oracle tests):
//   - a client's request headers pass to a proxied backend unless
//     `RequestHeader unset` removes them or `RequestHeader set` replaces
//     them; mod_headers merges the lists of the server, the virtual host,
//     the `<Directory>` sections and `.htaccess` files of a WSGI script,
//     every `<Location>` that matches and the `<If>` sections, outer first,
//     so an inner section adds to the outer one instead of replacing it
//     (see merge.go); a proxied request merges `<Proxy>` sections instead
//     of `<Directory>` ones, a WSGI script `<DirectoryMatch>` and `<Files>`
//     sections after them (see sections.go);
//   - `<IfModule>`, `<IfDefine>` and `<IfVersion>` are decided as httpd
//     reads the file, or left open with their condition named (see
//     cond.go);
//   - `Include` and `IncludeOptional` resolve against the ServerRoot (see
//     include.go);
//   - `%{SSL_CLIENT_S_DN}s` without a client certificate is the text
//     `(null)`;
//   - `SSLVerifyClient optional` verifies a certificate when one is sent,
//     `optional_no_ca` accepts any, `require` demands a verified one; the
//     default is none;
//   - under mod_wsgi, header names with underscores never reach the
//     environ, and `SSL_CLIENT_*` keys are set by httpd itself, never by
//     the client.
package apachemodel

import (
	"path"
	"regexp"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/apache"
	"github.com/djleak/djleak/parsers/source"
)

// Language is httpd's configuration format.
var Language = analyzer.RegisterLanguage(&analyzer.Language{
	Name:  "apache",
	Match: match,
	Parse: func(f *source.File) any { return apache.ParseNamed(f.Path, f.Content) },
	// Debian's and Red Hat's packages, and the official httpd image
	Deploy: &analyzer.Deploy{Dirs: []string{"/etc/apache2", "/etc/httpd", "/usr/local/apache2"}, Images: []string{"httpd", "apache"}},
	Watch:  []string{"**/apache2/**", "**/httpd/**", "**/.htaccess", "**/*.conf", "**/*.load"},
})

// sniff recognises httpd configuration text.
var sniff = regexp.MustCompile(`(?mi)^[ \t]*(<VirtualHost\b|SSLVerifyClient\b|RequestHeader\b|ProxyPass(Match)?\b|WSGIScriptAlias(Match)?\b|SSLEngine\b)`)

// sniffCore recognises the directives of a main configuration and of
// Debian's ports.conf and mods-*/*.load files. httpd spells them
// capitalised, nginx in lower case, so the match is case-sensitive.
var sniffCore = regexp.MustCompile(`(?m)^[ \t]*(IncludeOptional|Include|LoadModule|ServerRoot|Listen)[ \t]`)

func match(rel string, content func() []byte) bool {
	lower := strings.ToLower(rel)
	base := path.Base(lower)
	named := base == "httpd.conf" || base == "apache2.conf" || base == ".htaccess" || strings.Contains(base, "apache") || strings.Contains(base, "httpd")
	tree := false // under a directory only httpd uses
	for _, d := range strings.Split(path.Dir(lower), "/") {
		switch d {
		case "apache", "apache2", "httpd":
			named, tree = true, true
		case "sites-available", "sites-enabled", "conf-available", "conf-enabled", "mods-available", "mods-enabled", "conf.d", "conf.modules.d", "vhosts.d", "vhosts":
			named = true
		}
	}
	if !named {
		return false
	}
	ext := path.Ext(base)
	if ext != "" && ext != ".conf" && ext != ".load" && ext != ".j2" && ext != ".tmpl" && ext != ".template" && ext != ".in" && base != ".htaccess" {
		return false
	}
	c := content()
	if c == nil {
		return false
	}
	return sniff.Match(c) || (tree || ext == ".load" || base == "apache2.conf" || base == "httpd.conf") && sniffCore.Match(c)
}

// File is one parsed httpd file.
type File struct {
	Src    *source.File
	Parsed *apache.File
}

// Files returns the project's httpd files.
func Files(p *analyzer.Project) []File {
	var out []File
	for _, c := range p.Configs(Language) {
		out = append(out, File{Src: c.File, Parsed: c.Model.(*apache.File)})
	}
	return out
}

// At is the location of a directive (a section's opening tag).
func (f File) At(d *apache.Directive) source.Location { return f.Src.Span(d.Start, d.End) }
