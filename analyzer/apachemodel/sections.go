package apachemodel

import (
	"path"
	"regexp"
	"strings"

	"github.com/djleak/djleak/parsers/apache"
)

// What the model knows of the sections beside <Directory> and <Location>
// (each point checked against httpd 2.4 by the oracle):
//   - a proxied request has no file: instead of <Directory> and <Files>,
//     httpd merges the <Proxy> and <ProxyMatch> sections whose URL the
//     backend URL starts with (or whose expression it matches), in the
//     order written, the main server's first, before the <Location>
//     sections;
//   - for a WSGI script, after the <Directory> sections (and .htaccess
//     files) come the <DirectoryMatch> and `<Directory ~>` sections whose
//     expression matches, in the order written — httpd 2.4 matches them
//     against the script's whole path, so `"^/srv/app$"` does not apply
//     to /srv/app/app.wsgi while `"^/srv/app/app"` does;
//     then the <Files> and <FilesMatch> sections that match the script's
//     file name: those of the main server, of the virtual host, then those
//     inside the <Directory> sections that hold the script;
//   - a section whose match djleak cannot tell for every request of the
//     route (an expression that does not compile in Go, a URL longer than
//     the route's backend URL, a wildcard) keeps its RequestHeader
//     directives under the section's condition, which is then named.

// isRegexSection reports whether a <Directory>, <Files>, <Location> or
// <Proxy> section takes a regular expression (`~`, or the *Match form).
func isRegexSection(d *apache.Directive) bool {
	return strings.HasSuffix(strings.ToLower(d.Name), "match") || len(d.Args) >= 2 && d.Arg(0) == "~"
}

// sectionPattern is the path, pattern or expression of a section.
func sectionPattern(d *apache.Directive) string {
	if len(d.Args) >= 2 && d.Arg(0) == "~" {
		return d.Arg(1)
	}
	return d.Arg(0)
}

// endAnchor matches the parts of an expression that make a match of a
// string depend on what follows it.
var endAnchor = regexp.MustCompile(`\$|\\[bBzZ]|\(\?[=!]`)

// regexCovers says whether expression pat matches every string that
// starts with prefix.
func regexCovers(pat, prefix string) tri {
	re, err := regexp.Compile(pat)
	if err != nil {
		return unknown
	}
	if re.MatchString(prefix) {
		if endAnchor.MatchString(pat) {
			return unknown
		}
		return yes
	}
	if rest, ok := strings.CutPrefix(pat, "^"); ok {
		if r2, err := regexp.Compile(rest); err == nil {
			lit, _ := r2.LiteralPrefix()
			if !strings.HasPrefix(lit, prefix) && !strings.HasPrefix(prefix, lit) {
				return no
			}
		}
	}
	return unknown
}

// regexMatches says whether expression pat matches s.
func regexMatches(pat, s string) tri {
	re, err := regexp.Compile(pat)
	if err != nil {
		return unknown
	}
	if re.MatchString(s) {
		return yes
	}
	return no
}

// proxyCovers says whether a <Proxy> or <ProxyMatch> section applies to
// every request a route sends to target.
func proxyCovers(sec *apache.Directive, target string) tri {
	t := target
	if i := strings.IndexByte(t, '$'); i >= 0 {
		t = t[:i] // ProxyPassMatch: the backend URL up to its first substitution
	}
	pat := sectionPattern(sec)
	if isRegexSection(sec) {
		return regexCovers(pat, t)
	}
	switch {
	case pat == "*":
		return yes
	case strings.ContainsAny(pat, "*?["):
		return unknown
	case strings.HasPrefix(t, pat):
		return yes
	case strings.HasPrefix(pat, t):
		return unknown // a part of the route's requests
	}
	return no
}

// fileSections adds to scope the regex <Directory> sections and the
// <Files> sections that apply to a WSGI script.
func (v *VHost) fileSections(scope Scope, dirs, dirRes, files []*apache.Directive, script string) Scope {
	if !path.IsAbs(script) || strings.Contains(script, "$") {
		return scope
	}
	script = path.Clean(script)
	fs := path.Dir(script)
	matched := map[*apache.Directive]tri{}
	for _, sec := range dirRes {
		r := regexMatches(sectionPattern(sec), script)
		matched[sec] = r
		scope = scope.withMatch(sec, r)
	}
	var all []*apache.Directive
	all = append(all, files...)
	for _, d := range sortedDirs(dirs) {
		if covers(d.Arg(0), fs) {
			all = append(all, nestedFiles(d)...)
		}
	}
	for _, d := range dirRes {
		if matched[d] != no {
			all = append(all, nestedFiles(d)...)
		}
	}
	base := path.Base(script)
	for _, sec := range all {
		var r tri
		if isRegexSection(sec) {
			r = regexMatches(sectionPattern(sec), base)
		} else if ok, err := path.Match(sec.Arg(0), base); err != nil {
			r = unknown
		} else if ok {
			r = yes
		} else {
			r = no
		}
		scope = scope.withMatch(sec, r)
	}
	return scope
}

func nestedFiles(d *apache.Directive) []*apache.Directive {
	var out []*apache.Directive
	for _, x := range d.Body {
		if x.Section && (x.Is("Files") || x.Is("FilesMatch")) {
			out = append(out, x)
		}
	}
	return out
}
