// Package caddymodel is djleak's model of Caddy: which sites a Caddyfile
// declares, how their `tls` blocks ask for client certificates, and — for
// each `reverse_proxy` a request can reach — what each request header is
// when it arrives at the application. It registers the Caddyfile as a
// configuration language and Caddy as an adapter of the proxy-neutral
// front-end model (package frontend).
//
// What the model knows of Caddy 2.6 (each point checked against the real
// server by the oracle tests):
//   - a client's request headers pass to the upstream unless `header_up
//     -Name` (or `request_header -Name`) removes them or a set replaces
//     them; header names with underscores pass too;
//   - `client_auth` modes: `request` asks for a certificate and accepts any,
//     `require` demands one but does not verify it, `verify_if_given`
//     verifies one when sent and lets clients without one through,
//     `require_and_verify` demands a verified one; with a trusted CA and no
//     mode, the mode is `require_and_verify`;
//   - without a client certificate, `{tls_client_subject}` and the other
//     `{http.request.tls.client.*}` placeholders are not replaced: the
//     header carries the placeholder's own text;
//   - `header_up Name ""` sends the header with an empty value;
//   - `request_header` runs before `reverse_proxy`, in the site and in the
//     `handle` / `route` blocks that enclose the proxy.
package caddymodel

import (
	"path"
	"regexp"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/caddy"
	"github.com/djleak/djleak/parsers/source"
)

// Language is the Caddyfile format.
var Language = analyzer.RegisterLanguage(&analyzer.Language{
	Name:  "caddyfile",
	Match: match,
	Parse: func(f *source.File) any { return caddy.ParseNamed(f.Path, f.Content) },
	// the official image and the Debian package
	Deploy: &analyzer.Deploy{Dirs: []string{"/etc/caddy"}, Images: []string{"caddy"}},
	Watch:  []string{"**/Caddyfile*", "**/*.caddyfile", "**/*.caddy", "**/caddy/**"},
})

// directiveSniff recognises Caddyfile text: a handler directive at the
// start of a line.
var directiveSniff = regexp.MustCompile(`(?m)^[ \t]*(reverse_proxy|file_server|respond|php_fastcgi|handle|handle_path|route|tls|redir|request_header|encode|root|import)\b`)

func match(rel string, content func() []byte) bool {
	base := path.Base(rel)
	lower := strings.ToLower(base)
	switch {
	case lower == "caddyfile", strings.HasPrefix(lower, "caddyfile."), strings.HasSuffix(lower, ".caddyfile"), strings.HasSuffix(lower, ".caddy"):
	default:
		inCaddyDir := false
		for _, d := range strings.Split(path.Dir(rel), "/") {
			inCaddyDir = inCaddyDir || strings.EqualFold(d, "caddy")
		}
		if !inCaddyDir || strings.Contains(base, ".") && !strings.HasSuffix(lower, ".conf") {
			return false
		}
	}
	for _, ext := range []string{".py", ".md", ".json", ".yml", ".yaml", ".txt", ".html"} {
		if strings.HasSuffix(lower, ext) {
			return false
		}
	}
	c := content()
	return c != nil && directiveSniff.Match(c)
}

// File is one parsed Caddyfile.
type File struct {
	Src    *source.File
	Parsed *caddy.File
	// owner maps the directives of a configuration's files to their file
	// (set on the files of a built Config).
	owner map[*caddy.Directive]*File
}

// Files returns the project's Caddyfiles.
func Files(p *analyzer.Project) []File {
	var out []File
	for _, c := range p.Configs(Language) {
		out = append(out, File{Src: c.File, Parsed: c.Model.(*caddy.File)})
	}
	return out
}

// At is the location of a directive's line (its words, not its block), in
// the file that holds it when it was imported from another.
func (f File) At(d *caddy.Directive) source.Location {
	if o := f.owner[d]; o != nil && o.Src != f.Src {
		return o.At(d)
	}
	end := d.End
	if len(d.Words) > 0 {
		end = d.Words[len(d.Words)-1].End
	}
	return f.Src.Span(d.Start, end)
}

// WordAt is the location of one word.
func (f File) WordAt(w caddy.Word) source.Location { return f.Src.Span(w.Start, w.End) }
