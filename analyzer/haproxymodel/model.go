// Package haproxymodel is djleak's model of HAProxy: which proxies a
// configuration declares, how their `bind` lines ask for client
// certificates, and — for each way a request can travel from a listener to
// a backend — what each request header is when it reaches the application.
// It registers HAProxy as a configuration language and as an adapter of the
// proxy-neutral front-end model (package frontend).
//
// What the model knows of HAProxy 2.6 (each point checked against the real
// server by the oracle tests):
//   - a client's request headers pass to the server unless an
//     `http-request del-header` removes them or `set-header` replaces them;
//     header names with underscores pass too;
//   - `bind … ssl` asks for a client certificate only with `verify optional`
//     or `verify required` (the default is none, even with `ca-file`); with
//     none, every `ssl_c_*` fetch is empty or 0;
//   - `verify optional` rejects a certificate that fails verification, and
//     lets clients without one through (`ssl_c_used` is 0);
//     `crt-ignore-err` / `ca-ignore-err` let failing certificates through;
//   - `set-header` with an empty value still sends the header, empty;
//   - rules of the frontend run before those of the backend, and rules of a
//     named `defaults` section (reached with `from`) before the proxy's own;
//   - a `set-header … if COND` that is false leaves the client's own header
//     in place.
package haproxymodel

import (
	"path"
	"regexp"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/haproxy"
	"github.com/djleak/djleak/parsers/source"
)

// Language is HAProxy's configuration format.
var Language = analyzer.RegisterLanguage(&analyzer.Language{
	Name:  "haproxy",
	Match: match,
	Parse: func(f *source.File) any { return haproxy.ParseNamed(f.Path, f.Content) },
	// the official image and the Debian package
	Deploy: &analyzer.Deploy{Dirs: []string{"/usr/local/etc/haproxy", "/etc/haproxy"}, Images: []string{"haproxy"}},
	Watch:  []string{"**/*.cfg*"},
})

// sectionSniff recognises HAProxy configuration text.
var sectionSniff = regexp.MustCompile(`(?m)^[ \t]*(frontend|backend|listen)[ \t]+\S+|^[ \t]*defaults\b`)

func match(rel string, content func() []byte) bool {
	base := strings.ToLower(path.Base(rel))
	if base == "haproxy.cfg" {
		return true
	}
	named := strings.Contains(base, "haproxy")
	for _, d := range strings.Split(path.Dir(rel), "/") {
		named = named || strings.Contains(strings.ToLower(d), "haproxy")
	}
	if !named {
		return false
	}
	ext := false
	for _, e := range []string{".cfg", ".cfg.j2", ".cfg.jinja", ".cfg.tmpl", ".cfg.tpl", ".cfg.template", ".cfg.in", ".cfg.erb"} {
		ext = ext || strings.HasSuffix(base, e)
	}
	if !ext {
		return false
	}
	c := content()
	return c != nil && sectionSniff.Match(c)
}

// File is one parsed HAProxy file.
type File struct {
	Src    *source.File
	Parsed *haproxy.File
}

// Files returns the project's HAProxy files.
func Files(p *analyzer.Project) []File {
	var out []File
	for _, c := range p.Configs(Language) {
		out = append(out, File{Src: c.File, Parsed: c.Model.(*haproxy.File)})
	}
	return out
}

// At is the location of a parsed line.
func (f File) At(l *haproxy.Line) source.Location { return f.Src.Span(l.Start, l.End) }

// WordAt is the location of one word.
func (f File) WordAt(w haproxy.Word) source.Location { return f.Src.Span(w.Start, w.End) }
