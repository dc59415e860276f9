package rules

import "github.com/djleak/djleak/analyzer"

func init() {
	check := boolSettingCheck{
		setting:     "SESSION_COOKIE_SECURE",
		consequence: "browsers send the session cookie over plain HTTP, where anyone on the path can read it",
	}
	register(&analyzer.Rule{
		ID:        "DJL401",
		Name:      "session-cookie-not-secure",
		Title:     "Session cookie is not marked Secure",
		Severity:  analyzer.Error,
		CWE:       []int{614},
		Precision: analyzer.High,
		WhatItDoes: "Checks that production settings set `SESSION_COOKIE_SECURE = True`. " +
			"Reports the setting where it is `False`, where it is read from the environment with a " +
			"false default, and the settings module when it is missing (Django's default is `False`). " +
			"Development and test settings modules (by name: `dev`, `local`, `test`, …) are not judged.",
		WhyBad: "Without the `Secure` flag the browser also sends the session cookie over plain HTTP: " +
			"one request to an `http://` URL of the site (a link, a redirect, an attacker's image tag) " +
			"hands the session to anyone on the network path. Django's `check --deploy` reports the same " +
			"as `security.W012`.",
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
		Run: check.run,
	})
}
