package rules

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/settings"
	"github.com/djleak/djleak/parsers/python"
)

// Django's own thresholds for a SECRET_KEY (django.core.checks.security.base).
const (
	secretKeyInsecurePrefix = "django-insecure-"
	secretKeyMinLength      = 50
	secretKeyMinUnique      = 5
)

func init() {
	register(&analyzer.Rule{
		ID:        "DJL409",
		Name:      "weak-secret-key",
		Title:     "`SECRET_KEY` is a development key or a placeholder",
		Severity:  analyzer.Error,
		CWE:       []int{1392, 321},
		Precision: analyzer.VeryHigh,
		WhatItDoes: "Reports production settings whose `SECRET_KEY` is a string Django itself calls insecure: one " +
			"that `startproject` generated for development (it starts with `django-insecure-`), one shorter than " +
			"50 characters (`\"changeme\"`, `\"secret\"`, `\"your-secret-key-here\"`), or one with fewer than 5 " +
			"distinct characters. A key read from the environment counts with its default, as a deployment that " +
			"does not set the variable gets it; a key djleak cannot read (a file, a secrets manager) is not " +
			"reported. The value is shown masked.",
		WhyBad: "`SECRET_KEY` signs everything Django trusts from the client: session cookies with the signed-cookie " +
			"backend, password-reset and email-confirmation links, `django.core.signing` values, messages cookies. " +
			"Anyone who knows the key — a development key in the repository, a placeholder from a tutorial, " +
			"a short word a brute force finds — can forge them: log in as another user through a reset link, or " +
			"tamper with any signed value.",
		Example: `
-- mysite/settings.py --
SECRET_KEY = "change-me"
`,
		UseInstead: `
-- mysite/settings.py --
import os

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
`,
		Notes: settingsNotes + `

Django's counterpart: ` + "`security.W009`" + ` of ` + "`manage.py check --deploy`" + `, with the same
thresholds; the oracle test runs Django on djleak's fixtures and checks that both agree. A key
that passes these checks but is written into the settings file is still a secret in the
repository; keep it in the environment or a file outside the source tree.`,
		Requires: []analyzer.Requirement{settings.Pass},
		Run:      runWeakSecretKey,
	})
}

// weakSecretKey says why Django calls key insecure, or "" when it does not.
func weakSecretKey(key string) string {
	n := utf8.RuneCountInString(key)
	unique := map[rune]bool{}
	for _, r := range key {
		unique[r] = true
	}
	switch {
	case strings.HasPrefix(key, secretKeyInsecurePrefix):
		return "a key `startproject` generated for development (it starts with " + secretKeyInsecurePrefix + ")"
	case n < secretKeyMinLength:
		return fmt.Sprintf("%d characters long, where Django asks for at least %d", n, secretKeyMinLength)
	case len(unique) < secretKeyMinUnique:
		return fmt.Sprintf("made of %d distinct characters, where Django asks for at least %d", len(unique), secretKeyMinUnique)
	}
	return ""
}

func runWeakSecretKey(ctx *analyzer.Context) {
	for _, m := range judgedModules(ctx) {
		s := m.Lookup("SECRET_KEY")
		if s == nil || s.Unset || !s.Known || s.Undecided || s.Value.Kind != python.Str {
			continue
		}
		why := weakSecretKey(s.Value.Str)
		if why == "" || overriddenLocally(ctx.Project, s) {
			continue
		}
		what := "`" + analyzer.Mask(s.Value.Str) + "`"
		if s.Env != "" {
			what += " (the default of environment variable " + s.Env + ")"
		}
		ctx.Report(analyzer.Finding{
			Location: s.Loc,
			Message: fmt.Sprintf("SECRET_KEY is %s%s%s, %s: whoever knows or guesses it can forge session cookies, "+
				"password-reset links and every value Django signs%s",
				what, s.Context(), inherited(m, s), why, envHint(s)),
			Related: whyJudged(m),
			Key:     settingKey(m, "SECRET_KEY"),
		})
	}
}

// overriddenLocally reports a star import, after the key's assignment and
// in the same file, of a module djleak cannot read: the local-settings
// pattern (`try: from settings_local import *`), where a file the
// operator or the package's installer writes (mailman3-web's postinst
// generates /etc/mailman3/mailman-web.py with a random key) replaces the
// placeholder, and what it sets is not in the project.
func overriddenLocally(p *analyzer.Project, s *settings.Setting) bool {
	m := p.Module(s.Loc.Path)
	if m == nil {
		return false
	}
	for _, imp := range m.Imports {
		if !imp.Star || imp.Loc.Start.Offset < s.Loc.Start.Offset {
			continue
		}
		name := imp.Module
		if imp.Level > 0 {
			name = analyzer.ResolveRelative(m.File.Path, imp.Level, imp.Module)
		}
		if p.ModuleByName(name) == nil {
			return true
		}
	}
	return false
}
