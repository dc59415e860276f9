package rules

import "github.com/djleak/djleak/analyzer"

func init() {
	check := boolSettingCheck{
		setting:     "CSRF_COOKIE_SECURE",
		consequence: "browsers send the CSRF cookie over plain HTTP, where a network attacker can read or plant it",
	}
	register(&analyzer.Rule{
		ID:        "DJL402",
		Name:      "csrf-cookie-not-secure",
		Title:     "CSRF cookie is not marked Secure",
		Severity:  analyzer.Warning,
		CWE:       []int{614},
		Precision: analyzer.High,
		WhatItDoes: "Checks that production settings set `CSRF_COOKIE_SECURE = True`: reports it where it is " +
			"`False` (also when inherited from a base module or read from the environment with a false " +
			"default) and the settings module when it is missing.",
		WhyBad: "The CSRF token cookie travels over plain HTTP without the `Secure` flag. An attacker on the " +
			"network path can read it, or set one of their choosing, and then forge cross-site requests " +
			"that pass Django's CSRF check. Django's `check --deploy` reports this as `security.W016`.",
		Example: `
-- mysite/settings.py --
INSTALLED_APPS = []
SESSION_COOKIE_SECURE = True
`,
		UseInstead: `
-- mysite/settings.py --
INSTALLED_APPS = []
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
`,
		Run: check.run,
	})
}
