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
// templates.
var TemplateURLs = &analyzer.Pass[[]TemplateHit]{Name: "template-urls", Run: func(p *analyzer.Project) []TemplateHit {
	var out []TemplateHit
	for _, f := range p.Templates {
		out = append(out, analyzer.FileFactOf(p, templateLinksFact, f)...)
	}
	return out
}, Requires: []analyzer.Requirement{templateLinksFact}, Reads: []analyzer.Kind{analyzer.KindTemplate}}

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

func modulePatterns(m *python.Module, imports map[string]string, vocab *Vocab) []PatternHit {
	var out []PatternHit
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
		if len(call.Args) == 0 {
			continue
		}
		route, ok := constString(call.Args[0])
		if !ok {
			continue
		}
		re := pathParam
		if last != "path" {
			re = reParam
		}
		var params []string
		for _, mm := range re.FindAllStringSubmatch(route, -1) {
			params = append(params, mm[1])
		}
		oneTime := oneTimeRe.MatchString(route)
		for _, p := range params {
			if p == "uidb64" || p == "uid" {
				oneTime = true
			}
		}
		if len(call.Args) > 1 && oneTimeRe.MatchString(call.Args[1].Text) {
			oneTime = true
		}
		if v, ok := call.Kwarg("name"); ok && oneTimeRe.MatchString(v.Text) {
			oneTime = true
		}
		for _, p := range params {
			if vocab.TokenName(p, false) {
				out = append(out, PatternHit{Loc: call.Args[0].Loc, Param: p, Route: route, Func: last, OneTime: oneTime})
			}
		}
	}
	return out
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
var templateLinksFact = analyzer.NewFileFact("template-links", 1, vocabSalt, func(p *analyzer.Project, f *source.File) []TemplateHit {
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
				inQ := queryParamEnd.MatchString(pre) && strings.Contains(pre, "?")
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
					var secret string
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
						if secret == "" && (name != "" && v.TokenName(name, false) || templateSecret(val, v)) {
							secret = templateVar(val)
							if name != "" && v.TokenName(name, false) {
								secret = name
							}
						}
					}
					if secret != "" {
						out = append(out, TemplateHit{Loc: f.Span(i, i+j+2), Var: secret, Attr: attr, Path: true, OneTime: oneTime})
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
