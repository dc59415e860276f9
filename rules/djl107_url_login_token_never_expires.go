package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/settings"
	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
)

// django-sesame's names: its middleware authenticates any request whose
// query string carries a token, its backend lets LoginView and the
// authenticate decorator do so; SESAME_TOKEN_NAME is the query parameter
// ("sesame" by default) and SESAME_MAX_AGE the tokens' lifetime (None by
// default: unlimited).
const (
	sesameMiddleware = "sesame.middleware.AuthenticationMiddleware"
	sesameBackend    = "sesame.backends.ModelBackend"
)

func init() {
	register(&analyzer.Rule{
		ID:        "DJL107",
		Name:      "url-login-token-never-expires",
		Title:     "Login tokens carried in URLs never expire (django-sesame without `SESAME_MAX_AGE`)",
		Severity:  analyzer.Warning,
		CWE:       []int{598, 613},
		Precision: analyzer.High,
		WhatItDoes: "Reports production settings that enable django-sesame — its " +
			"`sesame.middleware.AuthenticationMiddleware` in `MIDDLEWARE` or `sesame.backends.ModelBackend` " +
			"in `AUTHENTICATION_BACKENDS` — while `SESAME_MAX_AGE` is unset or `None`. The finding points at " +
			"`SESAME_MAX_AGE = None` when the module says so, otherwise at the setting that enables " +
			"django-sesame. A `SESAME_MAX_AGE` djleak cannot evaluate (read from the environment without a " +
			"default, say) is not reported.",
		WhyBad: "django-sesame authenticates a user from a token in the query string (`?sesame=…`). URLs " +
			"end up in web-server access logs, proxy logs, browser history and `Referer` headers; with " +
			"`SESAME_MAX_AGE` unset a token stays valid until the user changes their password, so any copy " +
			"of such a URL logs in as that user, indefinitely.",
		Example: `
-- mysite/settings.py --
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "sesame.backends.ModelBackend",
]
`,
		UseInstead: `
-- mysite/settings.py --
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "sesame.backends.ModelBackend",
]
SESAME_MAX_AGE = 600  # ten minutes
SESAME_ONE_TIME = True
`,
		Notes: settingsNotes + "\n\nNGX302 uses the same fact: where django-sesame is enabled, access logs " +
			"that record query strings are reported on the nginx side. Short lifetimes and `SESAME_ONE_TIME` " +
			"limit the damage of a logged URL; keeping the query string out of logs (log `$uri`) prevents it.",
		Requires: []analyzer.Requirement{settings.Pass},
		Run: func(ctx *analyzer.Context) {
			for _, m := range judgedModules(ctx) {
				on := sesameEnabled(m)
				if on == nil {
					continue
				}
				age := m.Get("SESAME_MAX_AGE")
				at := on.Loc
				switch {
				case age == nil:
				case age.Known && age.Value.Kind == python.None && !age.Undecided:
					at = age.Loc
				default:
					continue // a lifetime, or a value djleak cannot tell
				}
				if at.Path == "" {
					at = moduleStart(m)
				}
				related := whyJudged(m)
				if at != on.Loc && on.Loc.Path != "" {
					related = append(related, analyzer.Related{Location: on.Loc, Message: on.Name + " enables django-sesame here"})
				}
				state := "unset"
				if age != nil {
					state = "None"
				}
				ctx.Report(analyzer.Finding{
					Location: at,
					Message: fmt.Sprintf("django-sesame is enabled (%s) in %s and SESAME_MAX_AGE is %s: its login "+
						"tokens travel in the query string (?%s=…) and stay valid until the user changes their "+
						"password, so a URL copied from an access log, browser history or a Referer header logs "+
						"in as that user indefinitely; set SESAME_MAX_AGE (and SESAME_ONE_TIME)",
						on.Name, m.Name, state, sesameTokenName(m)),
					Related: related,
					Key:     settingKey(m, "SESAME_MAX_AGE"),
				})
			}
		},
	})
}

// sesameEnabled returns the setting (MIDDLEWARE or AUTHENTICATION_BACKENDS)
// through which settings module m enables django-sesame, or nil.
func sesameEnabled(m *settings.Module) *settings.Setting {
	for _, c := range []struct{ setting, item string }{
		{"MIDDLEWARE", sesameMiddleware},
		{"AUTHENTICATION_BACKENDS", sesameBackend},
	} {
		if present, _ := m.Contains(c.setting, c.item, nil); present {
			return m.Get(c.setting)
		}
	}
	return nil
}

// sesameTokenName is django-sesame's query parameter in m.
func sesameTokenName(m *settings.Module) string {
	if s := m.Get("SESAME_TOKEN_NAME"); s != nil && s.Known && s.Value.Kind == python.Str && !s.Undecided {
		return s.Value.Str
	}
	return "sesame"
}

// queryLoginSettings are the production settings modules that make the
// application accept login tokens from the query string through
// django-sesame, with the setting that does it.
func queryLoginSettings(ctx *analyzer.Context) []queryTokenSource {
	var out []queryTokenSource
	seen := map[source.Location]bool{}
	for _, m := range judgedModules(ctx) {
		on := sesameEnabled(m)
		if on == nil {
			continue
		}
		loc := on.Loc
		if loc.Path == "" {
			loc = moduleStart(m)
		}
		if seen[loc] {
			continue // modules that inherit the same setting
		}
		seen[loc] = true
		what := fmt.Sprintf("django-sesame login tokens (`?%s=…`, enabled by %s)", sesameTokenName(m), on.Name)
		out = append(out, queryTokenSource{what: what, loc: loc,
			steps: []analyzer.Step{{Location: loc, Message: "django-sesame logs in whoever presents the token in the query string"}}})
	}
	return out
}

// queryTokenSource is one way the application accepts a credential from
// the query string: a code path (DJL104) or a library setting (DJL107).
type queryTokenSource struct {
	what  string
	loc   source.Location
	steps []analyzer.Step
}
