package rules

import (
	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/settings"
)

func init() {
	check := boolSettingCheck{
		setting:     "CSRF_COOKIE_SECURE",
		consequence: "browsers send the CSRF cookie over plain HTTP, where a network attacker can read or plant it",
		applies:     usesCSRFCookie,
	}
	register(&analyzer.Rule{
		ID:        "DJL402",
		Name:      "csrf-cookie-not-secure",
		Title:     "CSRF cookie is not marked Secure",
		Severity:  analyzer.Warning,
		CWE:       []int{614},
		Precision: analyzer.High,
		WhatItDoes: "Checks that production settings set `CSRF_COOKIE_SECURE = True` when Django sets a CSRF " +
			"cookie (`CsrfViewMiddleware` in `MIDDLEWARE` and `CSRF_USE_SESSIONS` off): reports it where it is " +
			"false (also when inherited from a base module or read from the environment with a false default) " +
			"and the settings module when it is missing.",
		WhyBad: "The CSRF token cookie travels over plain HTTP without the `Secure` flag. An attacker on the " +
			"network path can read it, or set one of their choosing, and then forge cross-site requests " +
			"that pass Django's CSRF check.",
		Example: `
-- mysite/settings.py --
INSTALLED_APPS = []
MIDDLEWARE = ["django.middleware.csrf.CsrfViewMiddleware"]
SESSION_COOKIE_SECURE = True
`,
		UseInstead: `
-- mysite/settings.py --
INSTALLED_APPS = []
MIDDLEWARE = ["django.middleware.csrf.CsrfViewMiddleware"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
`,
		Notes: settingsNotes + `

Django's counterpart: ` + "`security.W016`" + ` of ` + "`manage.py check --deploy`" + `, checked by the
oracle test. With ` + "`CSRF_USE_SESSIONS = True`" + ` the token lives in the session and
DJL401 covers it. One deliberate difference: a module that sets no ` + "`MIDDLEWARE`" + ` at all
is treated as a fragment whose middleware djleak cannot see, and reported; Django takes its
empty default and stays silent.`,
		Requires: []analyzer.Requirement{settings.Pass},
		Run:      check.run,
	})
}
