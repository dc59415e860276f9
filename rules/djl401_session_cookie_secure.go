package rules

import (
	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/settings"
)

func init() {
	check := boolSettingCheck{
		setting:     "SESSION_COOKIE_SECURE",
		consequence: "browsers send the session cookie over plain HTTP, where anyone on the path can read it",
		applies:     usesSessions,
	}
	register(&analyzer.Rule{
		ID:        "DJL401",
		Name:      "session-cookie-not-secure",
		Title:     "Session cookie is not marked Secure",
		Severity:  analyzer.Error,
		CWE:       []int{614},
		Precision: analyzer.High,
		WhatItDoes: "Checks that production settings set `SESSION_COOKIE_SECURE = True` when the project uses " +
			"Django's session cookie (`django.contrib.sessions` in `INSTALLED_APPS` or `SessionMiddleware` in " +
			"`MIDDLEWARE`). Reports the setting where it is false — also when inherited from a base module, " +
			"set in a branch, or read from the environment with a false default — and the settings module when " +
			"it is missing (Django's default is `False`).",
		WhyBad: "Without the `Secure` flag the browser also sends the session cookie over plain HTTP: " +
			"one request to an `http://` URL of the site (a link, a redirect, an attacker's image tag) " +
			"hands the session to anyone on the network path.",
		Example: `
-- mysite/settings.py --
SECRET_KEY = "x"
INSTALLED_APPS = ["django.contrib.sessions"]
SESSION_COOKIE_SECURE = False
`,
		UseInstead: `
-- mysite/settings.py --
SECRET_KEY = "x"
INSTALLED_APPS = ["django.contrib.sessions"]
SESSION_COOKIE_SECURE = True
`,
		Notes: settingsNotes + `

Django's counterpart: ` + "`security.W010`, `W011` and `W012`" + ` of ` + "`manage.py check --deploy`" + `
(one of them whenever this rule reports a module); the oracle test runs Django on
djleak's fixtures and checks that both agree. A module that sets neither the sessions app nor
` + "`MIDDLEWARE`" + ` counts as possibly using sessions (a fragment whose lists djleak cannot see).`,
		Requires: []analyzer.Requirement{settings.Pass},
		Run:      check.run,
	})
}
