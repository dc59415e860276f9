package rules

import (
	"fmt"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/analyzer/settings"
	"github.com/djleak/djleak/parsers/source"
)

// Settings rules report one finding per judged settings module and
// setting. Their Key is "<module> <SETTING>" (or "<module> <what>"): the
// Django oracle test (analyzer/settings/oracle_test.go) attributes findings
// to the settings module Django ran with by that prefix.
func settingKey(m *settings.Module, what string) string { return m.Name + " " + what }

// Django's own names for the middleware and apps the checks look for.
const (
	securityMiddleware = "django.middleware.security.SecurityMiddleware"
	sessionMiddleware  = "django.contrib.sessions.middleware.SessionMiddleware"
	csrfMiddleware     = "django.middleware.csrf.CsrfViewMiddleware"
	sessionsApp        = "django.contrib.sessions"
)

// judgedModules returns the settings modules held to production standards.
func judgedModules(ctx *analyzer.Context) []*settings.Module {
	return analyzer.Fact(ctx.Project, settings.Pass).Judged()
}

// usesSessions says whether Django's session cookie is in use, as
// Django's checks decide it (security.W010/W011): the sessions app is
// installed or its middleware is enabled. known is false when djleak cannot
// read INSTALLED_APPS or MIDDLEWARE and neither is known to use sessions.
//
// A module that never sets INSTALLED_APPS or MIDDLEWARE counts as unknown
// rather than as Django's empty default: such a module is usually a
// fragment whose lists come from elsewhere, and the cookie rules then
// report rather than stay silent.
func usesSessions(m *settings.Module) (used, known bool) {
	app, appKnown := m.Contains("INSTALLED_APPS", sessionsApp, nil)
	mw, mwKnown := m.Contains("MIDDLEWARE", sessionMiddleware, nil)
	if app || mw {
		return true, true
	}
	return false, appKnown && mwKnown && isSet(m, "INSTALLED_APPS") && isSet(m, "MIDDLEWARE")
}

// usesCSRFCookie says whether Django sets its CSRF cookie: the CSRF
// middleware is enabled and CSRF_USE_SESSIONS is off (security.W016). An
// unset MIDDLEWARE counts as unknown (see usesSessions).
func usesCSRFCookie(m *settings.Module) (used, known bool) {
	if s := m.Get("CSRF_USE_SESSIONS"); s != nil {
		if t, ok := s.Truthy(); ok && t && !s.Undecided {
			return false, true
		}
	}
	used, known = m.Contains("MIDDLEWARE", csrfMiddleware, nil)
	return used, known && (used || isSet(m, "MIDDLEWARE"))
}

// isSet reports whether the module sets name on the path djleak evaluates.
func isSet(m *settings.Module, name string) bool { return m.Get(name) != nil }

// hasSecurityMiddleware says whether SecurityMiddleware is enabled: without
// it, SECURE_SSL_REDIRECT and SECURE_HSTS_SECONDS do nothing (DJL224). An
// unset MIDDLEWARE is Django's empty default here, so DJL405 and DJL406
// stay silent on modules that set no MIDDLEWARE.
func hasSecurityMiddleware(m *settings.Module) (present, known bool) {
	return m.Contains("MIDDLEWARE", securityMiddleware, nil)
}

// moduleStart is where findings about a missing setting go: the name of the
// module's first unconditional top-level setting assignment (where the
// missing setting would be added, among the others), else its first line
// of code, else its start. A line with content gives code scanning a line
// hash that survives edits elsewhere in the file, which an empty first
// line or a 1:1 anchor does not.
func moduleStart(m *settings.Module) source.Location {
	f := m.Mod.File
	for _, a := range m.Mod.Assigns {
		if !a.Conditional && a.Op == "=" && isSettingName(a.Target) {
			start := a.Loc.Start.Offset
			if start+len(a.Target) <= len(f.Content) && string(f.Content[start:start+len(a.Target)]) == a.Target {
				return f.Span(start, start+len(a.Target))
			}
		}
	}
	for n := 1; n <= f.LineCount(); n++ {
		line := f.Line(n)
		text := strings.TrimSpace(line)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		start := f.LineStart(n) + len(line) - len(strings.TrimLeft(line, " \t"))
		return f.Span(start, start+len(text))
	}
	return f.Span(0, 0)
}

// isSettingName says whether a name is a Django setting's: upper case,
// digits and underscores, starting with a letter.
func isSettingName(s string) bool {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z') && !('0' <= c && c <= '9') && c != '_' {
			return false
		}
	}
	return true
}

// inherited says, for messages, that a value comes from another module.
func inherited(m *settings.Module, s *settings.Setting) string {
	if s.Loc.Path != "" && s.Loc.Path != m.Mod.File.Path {
		return fmt.Sprintf(" (inherited by %s)", m.Name)
	}
	return ""
}

// whyJudged relates a finding to the entry point that makes the module
// production, when there is one.
func whyJudged(m *settings.Module) []analyzer.Related {
	for _, e := range m.Entries {
		switch {
		case e.Kind != settings.EntryDeploy || e.Loc.Path == "":
		case e.Configured:
			return []analyzer.Related{{Location: e.Loc, Message: fmt.Sprintf("settings-module in %s names %s as the production settings, so djleak holds it to production standards", e.Path, m.Name)}}
		default:
			return []analyzer.Related{{Location: e.Loc, Message: fmt.Sprintf("%s runs %s (DJANGO_SETTINGS_MODULE), so djleak holds it to production standards", e.Path, m.Name)}}
		}
	}
	return nil
}

// alternativesRelated points at the branches that set a setting otherwise.
func alternativesRelated(s *settings.Setting) []analyzer.Related {
	var out []analyzer.Related
	for _, a := range s.Alternatives {
		if a.Unset || a.Loc.Path == "" {
			continue
		}
		msg := fmt.Sprintf("%s is %s here", a.Name, a.Describe())
		if a.Condition != "" {
			msg += ", where " + a.Condition
		}
		out = append(out, analyzer.Related{Location: a.Loc, Message: msg})
	}
	return out
}

// otherPaths renders the alternatives of a setting for messages, "" when
// there are none.
func otherPaths(s *settings.Setting) string {
	if s == nil || len(s.Alternatives) == 0 {
		return ""
	}
	return " (other paths: " + s.DescribeAlternatives() + ")"
}

// verdict is how a boolean setting that should be true stands in a module.
type verdict int

const (
	vOK      verdict = iota
	vFalse           // set to a false value (in the evaluated environment)
	vMissing         // not set on the path that applies; Django's default is false
	vUnknown         // djleak cannot tell
)

// judgeTrue decides whether setting name is true in m, with Django's
// default def when unset. Undecided branches count only when every branch
// agrees.
func judgeTrue(m *settings.Module, name string, def bool) (verdict, *settings.Setting) {
	s := m.Lookup(name)
	if s == nil {
		if def {
			return vOK, nil
		}
		return vMissing, nil
	}
	one := func(x *settings.Setting) verdict {
		if x.Unset {
			if def {
				return vOK
			}
			return vMissing
		}
		t, ok := x.Truthy()
		switch {
		case !ok:
			return vUnknown
		case t:
			return vOK
		}
		return vFalse
	}
	v := one(s)
	if s.Undecided || (s.Unset && hasUndecided(s)) {
		for _, a := range s.Alternatives {
			if av := one(a); av == vOK || av == vUnknown {
				return vUnknown, s
			}
		}
	}
	return v, s
}

func hasUndecided(s *settings.Setting) bool {
	for _, a := range s.Alternatives {
		if a.Undecided {
			return true
		}
	}
	return false
}

// judgeFalse is judgeTrue for settings that should be false (DEBUG).
func judgeFalse(m *settings.Module, name string) (bad bool, s *settings.Setting) {
	s = m.Get(name)
	if s == nil {
		return false, nil
	}
	t, ok := s.Truthy()
	if !ok || !t {
		return false, s
	}
	if s.Undecided {
		for _, a := range s.Alternatives {
			if a.Unset {
				return false, s
			}
			if at, ok := a.Truthy(); !ok || !at {
				return false, s
			}
		}
	}
	return true, s
}

// boolSettingCheck reports judged settings modules where a boolean setting
// that should be true is false, missing (when Django's default is false) or
// read from the environment with a false default.
type boolSettingCheck struct {
	setting       string
	djangoDefault bool
	defaultDesc   string // Django's default for messages; "False" when empty
	consequence   string // "browsers send the session cookie over plain HTTP"
	// applies says whether the setting matters in m (the sessions app is
	// installed, …); known false when djleak cannot tell (then it reports).
	applies func(m *settings.Module) (bool, bool)
	// waived, when set, excuses a module when something else provides the
	// protection (nginx redirects to HTTPS itself).
	waived func(ctx *analyzer.Context, m *settings.Module) bool
	// related adds locations to every finding (nginx servers …).
	related func(ctx *analyzer.Context, m *settings.Module) []analyzer.Related
	// detail, when set, adds to every message what the front end does
	// ("; nginx server example.com accepts plain HTTP …").
	detail func(ctx *analyzer.Context, m *settings.Module) string
}

func (b boolSettingCheck) run(ctx *analyzer.Context) {
	for _, m := range judgedModules(ctx) {
		if b.applies != nil {
			if ok, known := b.applies(m); known && !ok {
				continue
			}
		}
		v, s := judgeTrue(m, b.setting, b.djangoDefault)
		if v == vOK || v == vUnknown {
			continue
		}
		if b.waived != nil && b.waived(ctx, m) {
			continue
		}
		f := analyzer.Finding{Key: settingKey(m, b.setting)}
		switch {
		case v == vMissing:
			f.Location = moduleStart(m)
			def := b.defaultDesc
			if def == "" {
				def = "False"
			}
			f.Message = fmt.Sprintf("%s is not set in %s (Django's default is %s): %s", b.setting, m.Describe(), def, b.consequence)
			if s != nil && len(s.Alternatives) > 0 {
				f.Message += fmt.Sprintf("; it is only set on other paths: %s", s.DescribeAlternatives())
				f.Related = append(f.Related, alternativesRelated(s)...)
			}
		default:
			f.Location = s.Loc
			f.Message = fmt.Sprintf("%s is %s%s%s: %s", b.setting, s.Describe(), s.Context(), inherited(m, s), b.consequence)
			if len(s.Alternatives) > 0 {
				f.Message += fmt.Sprintf(" (other paths: %s)", s.DescribeAlternatives())
				f.Related = append(f.Related, alternativesRelated(s)...)
			}
		}
		if b.detail != nil {
			f.Message += b.detail(ctx, m)
		}
		f.Message += envHint(s)
		f.Related = append(f.Related, whyJudged(m)...)
		if b.related != nil {
			f.Related = append(f.Related, b.related(ctx, m)...)
		}
		ctx.Report(f)
	}
}

// envHint adds, for values that come from the environment, which variable
// decides them.
func envHint(s *settings.Setting) string {
	if s == nil || len(s.EnvVars) == 0 {
		return ""
	}
	return fmt.Sprintf("; djleak reports the value with %s unset, as in a deployment that does not set %s", strings.Join(s.EnvVars, ", "), pluralThem(len(s.EnvVars)))
}

func pluralThem(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// frontNote says, for the settings rules that look through the proxy,
// that every front end counts.
const frontNote = "\n\n**Behind other front ends.** djleak reads the proxy through its front-end model, so the " +
	"same judgement holds for the routes of Apache httpd, HAProxy and Caddy configurations in the project: " +
	"their redirects, HSTS headers and request headers count as nginx's do (for Apache httpd, HSTS headers and " +
	"request headers: its redirects are not read yet)."

// settingsNotes is the Notes paragraph every settings rule shares.
const settingsNotes = "**Which settings are judged.** Settings modules come from `DJANGO_SETTINGS_MODULE` " +
	"(`manage.py`, `wsgi.py`, `asgi.py`, pytest configuration, `Procfile`, `Dockerfile`, `docker-compose*.yml`, " +
	"`.env*`) and from modules that define `INSTALLED_APPS`, `MIDDLEWARE`, `ROOT_URLCONF` or `SECRET_KEY`. A " +
	"module a deployment runs (`wsgi.py`, `asgi.py`, `Procfile`, `Dockerfile`, compose, `.env.production`) is " +
	"production whatever its name; modules named `dev`, `local`, `test`, `ci`, … or used only by pytest are not " +
	"judged, and base modules are judged through the modules that import or `include()` them. Values follow " +
	"imports, `+=` and list edits, if/else (a condition djleak cannot evaluate counts only when every branch " +
	"agrees), try/except and environment reads (`os.environ`, django-environ, python-decouple), which take " +
	"their default: djleak reports what a deployment that does not set the variable gets, and names the " +
	"variable. See [Django settings](../README.md#django-settings)."

// front-end side of the settings rules ---------------------------------

// appFront is what the front ends in the project do in front of the
// application, as far as the settings rules care.
type appFront struct {
	// routes are the HTTP routes to the application (not raw TCP relays,
	// not blocks outside any server, not routes every request of which is
	// answered before it is passed, unless by a redirect to HTTPS).
	routes []*frontend.Route
	// plainToApp are routes reachable over plain HTTP without a redirect
	// to HTTPS first.
	plainToApp []*frontend.Route
	// tlsToApp are routes on listeners that accept TLS.
	tlsToApp []*frontend.Route
}

// frontOf is the project's appFront (appFrontPass, which a rule calling it
// requires).
func frontOf(ctx *analyzer.Context) *appFront { return analyzer.Fact(ctx.Project, appFrontPass) }

// appFrontPass computes the appFront the settings rules share, once per
// project.
var appFrontPass = &analyzer.Pass[*appFront]{Name: "app-front", Requires: []analyzer.Requirement{frontend.Pass}, Run: appFrontOf}

func appFrontOf(p *analyzer.Project) *appFront {
	f := &appFront{}
	for _, r := range frontModel(p).Routes {
		if r.ServerLabel == "" || r.Pass == frontend.PassTCP || (r.Answered != nil && r.RedirectsHTTPS == nil) {
			// Not an HTTP route to the app: a TCP relay, a block outside
			// any server, or one answered before it is passed (`return 444`).
			continue
		}
		f.routes = append(f.routes, r)
		if r.AcceptsPlain() && r.RedirectsHTTPS == nil {
			f.plainToApp = append(f.plainToApp, r)
		}
		if r.AcceptsTLS() {
			f.tlsToApp = append(f.tlsToApp, r)
		}
	}
	return f
}

// headerName turns an environ key back into a header name
// (HTTP_X_FORWARDED_PROTO → X-Forwarded-Proto).
func headerName(key string) string {
	k := strings.TrimPrefix(strings.ToUpper(key), "HTTP_")
	parts := strings.Split(strings.ToLower(k), "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "-")
}

// reportTrueSetting reports judged settings modules where a setting that
// must be false in production is true, with its consequence.
func reportTrueSetting(setting, consequence string) func(*analyzer.Context) {
	return func(ctx *analyzer.Context) {
		for _, m := range judgedModules(ctx) {
			bad, s := judgeFalse(m, setting)
			if !bad {
				continue
			}
			ctx.Report(analyzer.Finding{
				Location: s.Loc,
				Message: fmt.Sprintf("%s is %s%s%s in %s: %s%s",
					setting, s.Describe(), s.Context()+otherPaths(s), inherited(m, s), m.Describe(), consequence, envHint(s)),
				Related: append(alternativesRelated(s), whyJudged(m)...),
				Key:     settingKey(m, setting),
			})
		}
	}
}
