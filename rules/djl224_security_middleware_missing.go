package rules

import (
	"fmt"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/settings"
)

func init() {
	register(&analyzer.Rule{
		ID:        "DJL224",
		Name:      "security-middleware-missing",
		Title:     "`SecurityMiddleware` is not enabled in production settings",
		Severity:  analyzer.Warning,
		CWE:       []int{693},
		Precision: analyzer.VeryHigh,
		WhatItDoes: "Reports production settings whose `MIDDLEWARE` (resolved through base modules, `+=`, " +
			"`.append`/`.insert`/`.remove` and branches) does not contain " +
			"`django.middleware.security.SecurityMiddleware`, and names the security settings it makes " +
			"ineffective. A `MIDDLEWARE` djleak cannot evaluate is not reported, and neither is a module that " +
			"sets no `MIDDLEWARE` at all (usually a fragment of settings assembled elsewhere).",
		WhyBad: "`SecurityMiddleware` is what acts on `SECURE_SSL_REDIRECT`, `SECURE_HSTS_SECONDS`, " +
			"`SECURE_CONTENT_TYPE_NOSNIFF`, `SECURE_REFERRER_POLICY` and `SECURE_CROSS_ORIGIN_OPENER_POLICY`. " +
			"Without it those settings are silently ignored: no redirect to HTTPS, no HSTS header, no " +
			"`nosniff` — however they are set.",
		Example: `
-- mysite/settings.py --
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]
SECURE_SSL_REDIRECT = True
`,
		UseInstead: `
-- mysite/settings.py --
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
]
SECURE_SSL_REDIRECT = True
`,
		Notes: settingsNotes + `

Django's counterpart: ` + "`security.W001`" + `, checked by the oracle test. One deliberate
difference: Django also warns when ` + "`MIDDLEWARE`" + ` is not set at all (its default is empty);
djleak treats such a module as a fragment and stays silent. DJL405 and DJL406 do not report
modules without the middleware (the settings they check have no effect there).`,
		Requires: []analyzer.Requirement{settings.Pass},
		Run: func(ctx *analyzer.Context) {
			for _, m := range judgedModules(ctx) {
				present, known := hasSecurityMiddleware(m)
				if present || !known || !isSet(m, "MIDDLEWARE") {
					continue
				}
				var ignored []string
				for _, name := range []string{"SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY"} {
					if s := m.Get(name); s != nil {
						if t, ok := s.Truthy(); ok && t {
							ignored = append(ignored, name)
						}
					}
				}
				effect := "SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS, SECURE_CONTENT_TYPE_NOSNIFF and SECURE_REFERRER_POLICY have no effect"
				if len(ignored) > 0 {
					effect = fmt.Sprintf("%s set here %s ignored: no HTTPS redirect, no HSTS, no nosniff", strings.Join(ignored, ", "), map[bool]string{true: "is", false: "are"}[len(ignored) == 1])
				}
				s := m.Get("MIDDLEWARE")
				ctx.Report(analyzer.Finding{
					Location: s.Loc,
					Message: fmt.Sprintf("MIDDLEWARE%s%s does not contain django.middleware.security.SecurityMiddleware in %s: %s",
						s.Context(), inherited(m, s), m.Describe(), effect),
					Key:     settingKey(m, "MIDDLEWARE SecurityMiddleware"),
					Related: whyJudged(m),
				})
			}
		},
	})
}
