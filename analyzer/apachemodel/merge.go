package apachemodel

import (
	"path"
	"sort"
	"strings"

	"github.com/djleak/djleak/parsers/apache"
)

// How httpd merges the sections that apply to a request, as mod_headers
// sees them (each point checked against httpd 2.4 by the oracle):
//   - the main server's directives, then the virtual host's;
//   - for a WSGIScriptAlias, the <Directory> sections that hold the
//     script, shortest path first (the main server's before the virtual
//     host's at the same depth), each followed by the .htaccess of that
//     directory when `AllowOverride` lets it set headers (FileInfo, All,
//     or `AllowOverrideList RequestHeader`); a proxied request has no
//     directory, so neither applies to a ProxyPass, which merges the
//     <Proxy> sections of its backend URL instead;
//   - for a WSGIScriptAlias, the <DirectoryMatch> sections, then the
//     <Files> and <FilesMatch> ones (see sections.go);
//   - the <Location> and <LocationMatch> sections, in the order written;
//   - last, the <If>, <ElseIf> and <Else> sections met on the way, whose
//     directives hold only when their expression does (and, for a nested
//     one, when the enclosing section's does);
//   - `RequestHeader … early` runs before all of them, from the server's
//     and the virtual host's lists only: inside any section or .htaccess
//     httpd accepts it and never runs it.
//
// mod_headers appends each section's list to the one before, so an inner
// `RequestHeader unset` after an outer `set` removes the header, and an
// outer `unset` does not stop an inner `set`.

// dirSection is a <Directory> or .htaccess level that may apply to a
// script's directory.
type dirLevel struct {
	depth int
	sec   *apache.Directive // nil for a .htaccess
	ht    *File
	fsDir string
}

func depthOf(p string) int {
	p = strings.Trim(path.Clean(p), "/")
	if p == "" {
		return 0
	}
	return strings.Count(p, "/") + 1
}

// covers reports whether the <Directory> path pattern dir holds the
// filesystem directory fs (httpd's wildcards match within one component).
func covers(dir, fs string) bool {
	if strings.HasPrefix(dir, "~") {
		return false // a regular expression: not modelled
	}
	dir = path.Clean(dir)
	if dir == "/" {
		return true
	}
	parts := strings.Split(strings.Trim(dir, "/"), "/")
	fsParts := strings.Split(strings.Trim(path.Clean(fs), "/"), "/")
	if len(fsParts) < len(parts) {
		return false
	}
	for i, p := range parts {
		if ok, _ := path.Match(p, fsParts[i]); !ok {
			return false
		}
	}
	return true
}

// htaccessDir returns the filesystem directory a project .htaccess stands
// for, among the ancestors of the script directory fs: the one under the
// written ServerRoot that its project path names, else the deepest whose
// trailing components are its project directory's; "" when none.
func (t *tree) htaccessDir(ht *File, fs string) string {
	d := path.Dir(ht.Src.Path)
	if t.rootAbs != "" && path.IsAbs(t.rootAbs) {
		if rel, ok := relUnder(d, t.root); ok {
			cand := path.Join(t.rootAbs, rel)
			if covers(cand, fs) {
				return cand
			}
		}
	}
	if d == "." {
		return ""
	}
	for x := path.Clean(fs); x != "/" && x != "."; x = path.Dir(x) {
		if x == "/"+d || strings.HasSuffix(x, "/"+d) {
			return x
		}
	}
	return ""
}

// relUnder returns p relative to dir when p is dir or under it.
func relUnder(p, dir string) (string, bool) {
	if dir == "." {
		return p, true
	}
	if p == dir {
		return ".", true
	}
	r, ok := strings.CutPrefix(p, dir+"/")
	return r, ok
}

// override is what httpd does with a .htaccess's RequestHeader.
type override int

const (
	// overrideRejected: httpd reads the file and answers 500 ("RequestHeader
	// not allowed here"), as without any AllowOverride or with one that
	// lacks FileInfo
	overrideRejected override = iota
	overrideIgnored           // AllowOverride None (and no AllowOverrideList): not read
	overrideApplied           // FileInfo, All, or AllowOverrideList RequestHeader
)

// overrideFor is the AllowOverride in effect for the directory fs.
func overrideFor(dirs []*apache.Directive, fs string) override {
	set, none, list := false, false, false
	allow := false
	for _, sec := range sortedDirs(dirs) {
		if !covers(sec.Arg(0), fs) {
			continue
		}
		for _, d := range sec.Body {
			switch {
			case d.Is("AllowOverride"):
				set, allow, none = true, false, false
				for _, a := range d.Texts() {
					switch strings.ToLower(a) {
					case "all", "fileinfo":
						allow = true
					case "none":
						none = true
					}
				}
			case d.Is("AllowOverrideList"):
				list = false
				for _, a := range d.Texts() {
					if strings.EqualFold(a, "RequestHeader") {
						list = true
					}
				}
			}
		}
	}
	switch {
	case allow || list:
		return overrideApplied
	case set && none:
		return overrideIgnored
	}
	return overrideRejected
}

// sortedDirs orders <Directory> sections as httpd merges them: by the
// number of path components, stable.
func sortedDirs(dirs []*apache.Directive) []*apache.Directive {
	out := append([]*apache.Directive(nil), dirs...)
	sort.SliceStable(out, func(i, j int) bool { return depthOf(out[i].Arg(0)) < depthOf(out[j].Arg(0)) })
	return out
}

// directories adds to scope the <Directory> sections and .htaccess files
// that apply to a WSGI script.
func (v *VHost) directories(scope Scope, dirs []*apache.Directive, script string) Scope {
	if !path.IsAbs(script) {
		return scope
	}
	fs := path.Dir(path.Clean(script))
	var levels []dirLevel
	for _, sec := range dirs {
		if covers(sec.Arg(0), fs) {
			levels = append(levels, dirLevel{depth: depthOf(sec.Arg(0)), sec: sec})
		}
	}
	t := v.cfg.tree
	for _, rel := range t.loader.HTAccess() {
		ht := t.loader.Load(rel)
		if ht == nil {
			continue
		}
		d := t.htaccessDir(ht, fs)
		if d == "" {
			continue
		}
		switch overrideFor(dirs, d) {
		case overrideApplied:
			levels = append(levels, dirLevel{depth: depthOf(d), ht: ht, fsDir: d})
		case overrideRejected:
			for _, x := range t.resolveHT(ht.Parsed.Directives) {
				if x.Is("RequestHeader") && scope.Rejected == nil {
					t.own(ht, ht.Parsed.Directives)
					scope.Rejected = x
				}
			}
		}
	}
	// a directory's .htaccess comes after its <Directory> sections
	sort.SliceStable(levels, func(i, j int) bool {
		if levels[i].depth != levels[j].depth {
			return levels[i].depth < levels[j].depth
		}
		return levels[i].ht == nil && levels[j].ht != nil
	})
	for _, l := range levels {
		if l.sec != nil {
			scope = scope.with(l.sec)
			continue
		}
		scope.Ops = append([]*Op(nil), scope.Ops...)
		scope.ifs = append([]*apache.Directive(nil), scope.ifs...)
		scope.HTAccess = append(append([]*File(nil), scope.HTAccess...), l.ht)
		t.own(l.ht, l.ht.Parsed.Directives)
		first := len(scope.Ops)
		for _, d := range t.resolveHT(l.ht.Parsed.Directives) {
			scope.apply(d)
		}
		scope.deadEarly(first)
	}
	return scope
}
