package rules

import (
	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/settings"
)

func init() {
	register(&analyzer.Rule{
		ID:        "DJL220",
		Name:      "debug-enabled-in-production",
		Title:     "`DEBUG` is on in production settings",
		Severity:  analyzer.Error,
		CWE:       []int{489, 215},
		Precision: analyzer.VeryHigh,
		WhatItDoes: "Reports production settings where `DEBUG` is true: set to `True` directly, inherited from a " +
			"base module, set in a branch that applies (`if not os.environ.get('PRODUCTION'):`), or read from " +
			"the environment with a true default (`env.bool('DEBUG', default=True)`).",
		WhyBad: "With `DEBUG = True`, every unhandled error returns Django's technical 500 page to whoever caused " +
			"it: the full `request.META` — Django only masks keys matching API, TOKEN, KEY, SECRET, PASS or " +
			"SIGNATURE, so `HTTP_COOKIE` and `HTTP_AUTHORIZATION` are shown in full — the settings, the local " +
			"variables of every stack frame and the SQL that ran. A 404 page lists the URL patterns. Django " +
			"also keeps every SQL query in memory.",
		Example: `
-- mysite/settings.py --
INSTALLED_APPS = []
DEBUG = True
`,
		UseInstead: `
-- mysite/settings.py --
import os

INSTALLED_APPS = []
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
`,
		Notes: settingsNotes + `

Development settings (` + "`settings/dev.py`, `local_settings.py`" + `, …) are expected to turn
DEBUG on and are not reported — unless a deployment entry point (` + "`wsgi.py`" + `,
` + "`Procfile`" + `, …) runs them. Django's counterpart: ` + "`security.W018`" + `, checked by the
oracle test, also with environment-dependent fixtures (Django run with the variable unset).
A raw ` + "`os.environ.get('DEBUG', False)`" + ` is false by default but true for ` + "`DEBUG=False`" + `;
DJL225 reports that.`,
		Requires: []analyzer.Requirement{settings.Pass},
		Run: reportTrueSetting("DEBUG", "every error page shows the request's Cookie and Authorization headers, "+
			"settings, local variables and SQL to the client"),
	})
}
