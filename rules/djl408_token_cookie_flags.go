package rules

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/settings"
	"github.com/djleak/djleak/parsers/python"
)

func init() {
	register(&analyzer.Rule{
		ID:        "DJL408",
		Name:      "token-cookie-insecure-flags",
		Title:     "Token or session cookie set without Secure, HttpOnly or SameSite",
		Severity:  analyzer.Warning,
		CWE:       []int{614, 1004, 1275},
		Precision: analyzer.High,
		WhatItDoes: "Finds `response.set_cookie(...)` and `response.set_signed_cookie(...)` calls whose cookie name " +
			"looks like a credential (`token`, `session`, `sid`, `auth`, `jwt`, `access`, `refresh`, `api_key`, " +
			"`csrf`, `bearer`, …, or `settings.SESSION_COOKIE_NAME`) and reports each of `secure`, `httponly` " +
			"and `samesite` that is missing or false (a CSRF cookie is not asked for `httponly`: Django documents that " +
			"it gives no protection, and single-page apps read the cookie). Values that come from settings " +
			"(`secure=settings.SESSION_COOKIE_SECURE`, `secure=not settings.DEBUG`) are resolved against the " +
			"production settings modules, with Django's defaults for settings they leave unset.",
		WhyBad: "A cookie that carries a credential needs all three: without `Secure` it travels over plain " +
			"HTTP, without `HttpOnly` any injected script reads it, and without `SameSite` older and " +
			"non-Chromium browsers attach it to cross-site requests. Django's session and CSRF cookies get " +
			"these from settings; a hand-set cookie gets none of them unless the call says so.",
		Example: `
-- api/views.py --
from django.http import JsonResponse


def login(request):
    response = JsonResponse({"ok": True})
    response.set_cookie("auth_token", request.user.auth_token.key)
    return response
`,
		UseInstead: `
-- api/views.py --
from django.http import JsonResponse


def login(request):
    response = JsonResponse({"ok": True})
    response.set_cookie("auth_token", request.user.auth_token.key, secure=True, httponly=True, samesite="Strict")
    return response
`,
		Notes: `Calls that pass ` + "`**kwargs`" + `, delete a cookie (empty value or ` + "`max_age=0`" + `) or sit in test
files are skipped; a flag whose value djleak cannot evaluate (` + "`secure=request.is_secure()`" + `) is
not reported. When ` + "`secure=settings.X`" + ` is false in some production settings module, the
message names that module. Cookies whose names say nothing about credentials
(` + "`theme`, `lang`" + `) are not checked.`,
		Requires: []analyzer.Requirement{settings.Pass, analyzer.PythonModules},
		Run:      runTokenCookies,
	})
}

var (
	cookieWords = regexp.MustCompile(`[a-z0-9]+`)
	// tokenish are cookie-name parts that say "credential" on their own.
	tokenish = regexp.MustCompile(`token|session|jwt|csrf|xsrf|bearer|apikey|secret|passw|credential|oauth|saml`)
	// tokenWords must be whole words of the name.
	tokenWords = map[string]bool{"sid": true, "auth": true, "authn": true, "authz": true, "access": true, "refresh": true,
		"sso": true, "key": true, "login": true, "identity": true, "remember": true, "rememberme": true}
)

// credentialCookie reports whether a cookie name looks like it holds a
// credential.
func credentialCookie(name string) bool {
	l := strings.ToLower(name)
	if tokenish.MatchString(l) {
		return true
	}
	words := cookieWords.FindAllString(l, -1)
	for i, w := range words {
		if tokenWords[w] {
			// "key" only as api_key / auth_key.
			if w == "key" && (i == 0 || !(words[i-1] == "api" || words[i-1] == "auth" || words[i-1] == "access")) {
				continue
			}
			return true
		}
	}
	return false
}

// csrfCookie reports a CSRF cookie name (csrftoken, XSRF-TOKEN,
// settings.CSRF_COOKIE_NAME).
func csrfCookie(name string) bool {
	l := strings.ToLower(name)
	return strings.Contains(l, "csrf") || strings.Contains(l, "xsrf")
}

func runTokenCookies(ctx *analyzer.Context) {
	set := analyzer.Fact(ctx.Project, settings.Pass)
	prod := set.Judged()
	for _, m := range ctx.Project.Python {
		if analyzer.IsTestCode(m.File.Path) {
			continue
		}
		for _, c := range m.Calls {
			if c.FuncExpr == nil || c.FuncExpr.Kind != python.Attribute {
				continue
			}
			method := c.FuncExpr.Attr
			if method != "set_cookie" && method != "set_signed_cookie" {
				continue
			}
			checkCookieCall(ctx, c, method, prod)
		}
	}
}

func checkCookieCall(ctx *analyzer.Context, c *python.Call, method string, prod []*settings.Module) {
	for _, k := range c.Kwargs() {
		if k.Name == "" {
			return // **kwargs: flags unknown
		}
	}
	for _, a := range c.Args() {
		if a.Kind == python.Starred {
			return
		}
	}
	keyE := cookieArg(c, 0, "key")
	if keyE == nil {
		return
	}
	name := ""
	if v, ok := keyE.Const(); ok && v.Kind == python.Str {
		name = v.Str
	} else if keyE.Kind == python.Attribute && strings.HasSuffix(keyE.Name, "_COOKIE_NAME") {
		name = keyE.Name
	}
	if name == "" || !credentialCookie(name) {
		return
	}
	// Deleting a cookie: empty value or max_age=0.
	if v := cookieArg(c, 1, "value"); v != nil {
		if cv, ok := v.Const(); ok && cv.Kind == python.Str && cv.Str == "" {
			return
		}
	}
	maxAgeIdx := 2
	if method == "set_signed_cookie" {
		maxAgeIdx = -1
	}
	if ma := cookieArg(c, maxAgeIdx, "max_age"); ma != nil {
		if cv, ok := ma.Const(); ok && (cv.Kind == python.Int && cv.Int <= 0) {
			return
		}
	}
	pos := func(i int) int {
		if method == "set_signed_cookie" {
			return -1 // set_signed_cookie(key, value, salt='', **kwargs)
		}
		return i
	}
	type flag struct {
		kw, attr, why string
		idx           int
	}
	flags := []flag{
		{"secure", "Secure", "it travels over plain HTTP", 6},
		{"httponly", "HttpOnly", "page scripts can read it", 7},
		{"samesite", "SameSite", "browsers without a Lax default send it on cross-site requests", 8},
	}
	// Django documents that an HttpOnly CSRF cookie gives no protection
	// (the token is in every form) and single-page apps must read it.
	csrf := csrfCookie(name)
	var problems, whys []string
	for _, f := range flags {
		if csrf && f.kw == "httponly" {
			continue
		}
		e := cookieArg(c, pos(f.idx), f.kw)
		if e == nil {
			problems = append(problems, fmt.Sprintf("without %s (no %s=)", f.attr, f.kw))
			whys = append(whys, f.why)
			continue
		}
		bad, detail := cookieFlagFalse(e, f.kw, prod)
		if bad {
			problems = append(problems, fmt.Sprintf("without %s (%s=%s%s)", f.attr, f.kw, strings.Join(strings.Fields(e.Text), " "), detail))
			whys = append(whys, f.why)
		}
	}
	if len(problems) == 0 {
		return
	}
	shown := name
	if !strings.HasSuffix(name, "_COOKIE_NAME") {
		shown = "'" + name + "'"
	}
	ctx.Report(analyzer.Finding{
		Location: c.Loc(),
		Message:  fmt.Sprintf("cookie %s looks like a credential but is set %s: %s", shown, andList(problems), strings.Join(whys, "; ")),
		Key:      fmt.Sprintf("%s %s", method, name),
	})
}

// cookieFlagFalse evaluates a flag argument; settings references are
// resolved in each production settings module.
func cookieFlagFalse(e *python.Expr, kw string, prod []*settings.Module) (bool, string) {
	isFalse := func(v python.Value) bool {
		if kw == "samesite" {
			if v.Kind == python.Str {
				return v.Str == ""
			}
			return v.Kind == python.None || (v.Kind == python.Bool && !v.Bool)
		}
		t, ok := v.Truthy()
		return ok && !t
	}
	if v, ok := e.Const(); ok {
		return isFalse(v), ""
	}
	if !strings.Contains(e.Text, "settings.") {
		return false, ""
	}
	for _, m := range prod {
		if v, ok := settings.EvalIn(m, e); ok && isFalse(v) {
			return true, fmt.Sprintf(", which is %s in %s", v.String(), m.Describe())
		}
	}
	return false, ""
}

// cookieArg returns positional argument i (i >= 0) or keyword argument name.
func cookieArg(c *python.Call, i int, name string) *python.Expr {
	if v, ok := c.Kwarg(name); ok {
		return v
	}
	if i >= 0 && i < len(c.Args()) {
		return c.Args()[i]
	}
	return nil
}

func andList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
