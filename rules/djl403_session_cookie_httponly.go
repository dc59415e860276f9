package rules

import (
	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/settings"
)

func init() {
	check := boolSettingCheck{
		setting:       "SESSION_COOKIE_HTTPONLY",
		djangoDefault: true,
		consequence:   "page scripts can read the session cookie, so any XSS steals the session",
		applies:       usesSessions,
	}
	register(&analyzer.Rule{
		ID:        "DJL403",
		Name:      "session-cookie-not-httponly",
		Title:     "Session cookie readable by JavaScript",
		Severity:  analyzer.Error,
		CWE:       []int{1004},
		Precision: analyzer.VeryHigh,
		WhatItDoes: "Reports production settings that turn `SESSION_COOKIE_HTTPONLY` off while the project uses " +
			"Django's session cookie. Django's default is `True`, so a missing setting is fine.",
		WhyBad: "Without `HttpOnly`, `document.cookie` exposes the session cookie to every script on the " +
			"page. A single cross-site scripting bug then becomes a full session takeover.",
		Example: `
-- mysite/settings.py --
INSTALLED_APPS = ["django.contrib.sessions"]
SESSION_COOKIE_HTTPONLY = False
`,
		UseInstead: `
-- mysite/settings.py --
INSTALLED_APPS = ["django.contrib.sessions"]
SESSION_COOKIE_HTTPONLY = True
`,
		Notes: settingsNotes + `

Django's counterpart: ` + "`security.W013`, `W014` and `W015`" + `, checked by the oracle test.`,
		Requires: []analyzer.Requirement{settings.Pass},
		Run:      check.run,
	})
}
