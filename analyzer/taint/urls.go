package taint

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
)

// PatternHit is a URLconf pattern that captures a token in the URL path.
type PatternHit struct {
	Loc   source.Location // the route string
	Param string          // the captured parameter
	Route string
	Func  string // path, re_path or url
	// OneTime is set for one-time link routes (password reset with
	// uidb64, activation, email confirmation, invitations).
	OneTime bool
}

var (
	pathParam = regexp.MustCompile(`<(?:[A-Za-z_]\w*:)?([A-Za-z_]\w*)>`)
	reParam   = regexp.MustCompile(`\(\?P<([A-Za-z_]\w*)>`)
	oneTimeRe = regexp.MustCompile(`(?i)reset|activat|confirm|verif|invit|unsubscribe|magic|e-?mail|signup|register|login[-_]?link|one[-_]?time`)
)

// URLPatterns is the URLconf routes that capture token-like parameters,
// a pass of its own so that a URLconf rule does not run the dataflow. A
// route is a call of django.urls' path or re_path, or django.conf.urls'
// url, so only modules whose text holds "django" and "path" or "url" are
// parsed.
var URLPatterns = &analyzer.Pass[[]PatternHit]{Name: "url-patterns", Run: func(p *analyzer.Project) []PatternHit {
	return urlPatterns(p)
}, Requires: []analyzer.Requirement{urlPatternsFact}, Reads: []analyzer.Kind{analyzer.KindPython}}

// TemplateURLs is the secrets in URL attributes of the project's Django
// templates. A {% url %} argument that fills a route parameter named like
// an identifier (`request_id`) is an id in the path, not a secret, however
// the template names it (`request.token`), so it is left out.
var TemplateURLs = &analyzer.Pass[[]TemplateHit]{Name: "template-urls", Run: func(p *analyzer.Project) []TemplateHit {
	var out []TemplateHit
	var routes map[string][]NamedRoute // read on the first {% url %} hit
	v := projectVocab(p)
	for _, f := range p.Templates {
		for _, h := range analyzer.FileFactOf(p, templateLinksFact, f) {
			if h.URLName != "" {
				if routes == nil {
					routes = map[string][]NamedRoute{}
					for _, pf := range p.PythonFilesMentioning(mayRoute) {
						for _, r := range analyzer.FileFactOf(p, namedRoutesFact, pf) {
							routes[r.Name] = append(routes[r.Name], r)
						}
					}
				}
				if identifierArg(routes, h.URLName, h.Arg, h.Args, h.ArgName, v) {
					continue
				}
			}
			out = append(out, h)
		}
	}
	return out
}, Requires: []analyzer.Requirement{templateLinksFact, namedRoutesFact}, Reads: []analyzer.Kind{analyzer.KindTemplate, analyzer.KindPython}}

func urlPatterns(p *analyzer.Project) []PatternHit {
	var out []PatternHit
	for _, f := range p.PythonFilesMentioning(mayRoute) {
		out = append(out, analyzer.FileFactOf(p, urlPatternsFact, f)...)
	}
	return out
}

// urlPatternsFact is a module's URLconf patterns that capture a token: it
// depends on the module alone (its calls and its own imports) and on the
// vocabulary.
var urlPatternsFact = analyzer.NewFileFact("url-patterns", 1, vocabSalt, func(p *analyzer.Project, f *source.File) []PatternHit {
	m := p.Module(f.Path)
	if m == nil {
		return nil
	}
	return modulePatterns(m, moduleImports(m), projectVocab(p))
})

// urlRoute is one URLconf route of a module: a call of django.urls' path
// or re_path, or django.conf.urls' url, with a constant route string.
type urlRoute struct {
	call   *python.Call
	fn     string // path, re_path or url
	route  string
	params []string // the parameters the route captures, in order
}

// moduleRoutes lists a module's routes.
func moduleRoutes(m *python.Module, imports map[string]string) []urlRoute {
	var out []urlRoute
	for _, call := range m.Calls {
		last := lastComp(call.Func)
		if last != "path" && last != "re_path" && last != "url" {
			continue
		}
		q := call.Func
		first := strings.SplitN(call.Func, ".", 2)[0]
		if imp, ok := imports[first]; ok {
			q = imp + strings.TrimPrefix(call.Func, first)
		}
		if !strings.HasPrefix(q, "django.urls.") && !strings.HasPrefix(q, "django.conf.urls.") {
			continue
		}
		if len(call.Args()) == 0 {
			continue
		}
		route, ok := constString(call.Args()[0])
		if !ok {
			continue
		}
		re := pathParam
		if last != "path" {
			re = reParam
		}
		r := urlRoute{call: call, fn: last, route: route}
		for _, mm := range re.FindAllStringSubmatch(route, -1) {
			r.params = append(r.params, mm[1])
		}
		out = append(out, r)
	}
	return out
}

func modulePatterns(m *python.Module, imports map[string]string, vocab *Vocab) []PatternHit {
	var out []PatternHit
	for _, r := range moduleRoutes(m, imports) {
		call, route, params := r.call, r.route, r.params
		oneTime := oneTimeRe.MatchString(route)
		for _, p := range params {
			if p == "uidb64" || p == "uid" {
				oneTime = true
			}
		}
		if len(call.Args()) > 1 && oneTimeRe.MatchString(call.Args()[1].Text) {
			oneTime = true
		}
		if v, ok := call.Kwarg("name"); ok && oneTimeRe.MatchString(v.Text) {
			oneTime = true
		}
		for _, p := range params {
			if vocab.TokenName(p, false) {
				out = append(out, PatternHit{Loc: call.Args()[0].Loc(), Param: p, Route: route, Func: r.fn, OneTime: oneTime})
			}
		}
	}
	return out
}

// NamedRoute is a URLconf route with a name, as {% url %} reverses it.
type NamedRoute struct {
	Name   string
	Params []string
}

// namedRoutesFact is a module's named routes.
var namedRoutesFact = analyzer.NewFileFact("named-routes", 1, nil, func(p *analyzer.Project, f *source.File) []NamedRoute {
	m := p.Module(f.Path)
	if m == nil {
		return nil
	}
	var out []NamedRoute
	for _, r := range moduleRoutes(m, moduleImports(m)) {
		if v, ok := r.call.Kwarg("name"); ok {
			if name, ok := constString(v); ok {
				out = append(out, NamedRoute{Name: name, Params: r.params})
			}
		}
	}
	return out
})

// identifierArg reports whether every route the project names name (a
// namespace prefix "app:" aside) takes the {% url %} argument at position
// i of n, or keyword kw, as a parameter named like a record's identifier
// (request_id, pk, slug, uuid): the value fills an id in the path, whatever
// the template variable is called. The positional arguments fill the
// parameters of the patterns that include the route first, so they are
// aligned on the route's own parameters from the end. Unknown routes say
// nothing.
func identifierArg(routes map[string][]NamedRoute, name string, i, n int, kw string, v *Vocab) bool {
	if k := strings.LastIndexByte(name, ':'); k >= 0 {
		name = name[k+1:]
	}
	rs := routes[name]
	if len(rs) == 0 {
		return false
	}
	for _, r := range rs {
		param := kw
		if kw == "" {
			j := i - (n - len(r.Params))
			if i < 0 || n < len(r.Params) || j < 0 {
				return false
			}
			param = r.Params[j]
		} else if !contains(r.Params, kw) {
			return false
		}
		if v.TokenName(param, false) || !v.Metadata(param) {
			return false
		}
	}
	return true
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// TemplateHit is a secret in a URL attribute of a Django template.
type TemplateHit struct {
	Loc  source.Location // the {{ … }} or {% url … %} tag
	Var  string          // the template variable
	Attr string          // href, src, action, …
	// Path is set for {% url %} arguments (the URL path); otherwise the
	// variable is in the query string.
	Path bool
	// OneTime is set in email templates and for password-reset style
	// {% url %} tags (uidb64).
	OneTime bool
	// URLName is the route a {% url %} tag reverses, when it is a literal;
	// Arg is the secret argument's position among the Args positional
	// ones, or ArgName its keyword.
	URLName string
	Arg     int
	Args    int
	ArgName string
}

var urlAttr = regexp.MustCompile(`(?i)(?:^|[\s"'])((?:href|src|action|formaction|poster|cite|background|data-[\w-]*(?:url|href|src)))\s*=\s*(["'])`)

// mayRoute is the byte-level pre-filter of urlPatterns: a route's
// function resolves to a django.urls or django.conf.urls name, imported
// or spelled out, and is called path, re_path or url.
func mayRoute(content []byte) bool {
	return bytes.Contains(content, []byte("django")) &&
		(bytes.Contains(content, []byte("path")) || bytes.Contains(content, []byte("url")))
}

// templateLinksFact is a template's URL attributes that carry a secret.
var templateLinksFact = analyzer.NewFileFact("template-links", 2, vocabSalt, func(p *analyzer.Project, f *source.File) []TemplateHit {
	return scanTemplate(f, projectVocab(p))
})

func scanTemplate(f *source.File, v *Vocab) []TemplateHit {
	var out []TemplateHit
	src := string(f.Content)
	email := strings.Contains(strings.ToLower(f.Path), "mail")
	for _, m := range urlAttr.FindAllStringSubmatchIndex(src, -1) {
		attr := src[m[2]:m[3]]
		quote := src[m[4]]
		start := m[5]
		end := templateValueEnd(src, start, quote)
		if end < 0 {
			continue
		}
		var prefix strings.Builder
		for i := start; i < end; {
			switch {
			case strings.HasPrefix(src[i:], "{{"):
				j := strings.Index(src[i:end], "}}")
				if j < 0 {
					i = end
					continue
				}
				expr := strings.TrimSpace(src[i+2 : i+j])
				pre := prefix.String()
				inQ := queryParamEnd(pre) && strings.Contains(pre, "?")
				if inQ && templateSecret(expr, v) {
					out = append(out, TemplateHit{Loc: f.Span(i, i+j+2), Var: templateVar(expr), Attr: attr, OneTime: email})
				}
				prefix.WriteString("\x00")
				i += j + 2
			case strings.HasPrefix(src[i:], "{%"):
				j := strings.Index(src[i:end], "%}")
				if j < 0 {
					i = end
					continue
				}
				tag := strings.Fields(strings.TrimSpace(src[i+2 : i+j]))
				if len(tag) > 2 && tag[0] == "url" {
					oneTime := email
					hit := TemplateHit{Loc: f.Span(i, i+j+2), Attr: attr, Path: true, Arg: -1}
					if n := tag[1]; len(n) > 1 && (n[0] == '"' || n[0] == '\'') && n[len(n)-1] == n[0] {
						hit.URLName = n[1 : len(n)-1]
					}
					pos := 0
					for _, arg := range tag[2:] {
						if arg == "as" {
							break
						}
						name, val := "", arg
						if k := strings.IndexByte(arg, '='); k > 0 {
							name, val = arg[:k], arg[k+1:]
						}
						if name == "uidb64" || name == "uid" {
							oneTime = true
						}
						if hit.Var == "" && (name != "" && v.TokenName(name, false) || templateSecret(val, v)) {
							hit.Var = templateVar(val)
							if name != "" && v.TokenName(name, false) {
								hit.Var = name
							}
							if name != "" {
								hit.ArgName = name
							} else {
								hit.Arg = pos
							}
						}
						if name == "" {
							pos++
						}
					}
					if hit.Var != "" {
						hit.OneTime, hit.Args = oneTime, pos
						out = append(out, hit)
					}
				}
				prefix.WriteString("\x00")
				i += j + 2
			default:
				prefix.WriteByte(src[i])
				i++
			}
		}
	}
	return out
}

// templateValueEnd finds the closing quote of an attribute value, skipping
// template tags (which may contain the same quote).
func templateValueEnd(src string, i int, quote byte) int {
	for i < len(src) {
		switch {
		case strings.HasPrefix(src[i:], "{{"):
			j := strings.Index(src[i:], "}}")
			if j < 0 {
				return -1
			}
			i += j + 2
		case strings.HasPrefix(src[i:], "{%"):
			j := strings.Index(src[i:], "%}")
			if j < 0 {
				return -1
			}
			i += j + 2
		case src[i] == quote:
			return i
		case src[i] == '\n' && i > 0 && src[i-1] == '\n':
			return -1
		default:
			i++
		}
	}
	return -1
}

// templateVar strips filters from a template expression.
func templateVar(expr string) string {
	if i := strings.IndexByte(expr, '|'); i >= 0 {
		expr = expr[:i]
	}
	return strings.TrimSpace(expr)
}

// templateSecret reports template variables whose name (any dotted
// component) denotes a secret; csrf_token is not one.
func templateSecret(expr string, v *Vocab) bool {
	e := templateVar(expr)
	if e == "" || strings.ContainsAny(e, `"'`) || strings.Contains(strings.ToLower(e), "csrf") {
		return false
	}
	comps := strings.Split(e, ".")
	if len(comps) > 1 && v.Metadata(comps[len(comps)-1]) {
		// {% url "revoke" token.pk %}: the record's key, not the token.
		return false
	}
	for _, comp := range comps {
		if v.TokenName(comp, false) {
			return true
		}
	}
	return false
}
