package rules

import (
	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/settings"
)

func init() {
	register(&analyzer.Rule{
		ID:        "DJL221",
		Name:      "debug-propagate-exceptions",
		Title:     "`DEBUG_PROPAGATE_EXCEPTIONS` is on in production settings",
		Severity:  analyzer.Warning,
		CWE:       []int{209, 778},
		Precision: analyzer.VeryHigh,
		WhatItDoes: "Reports production settings where `DEBUG_PROPAGATE_EXCEPTIONS` is true (directly, inherited, " +
			"in a branch that applies or by an environment default).",
		WhyBad: "Django then re-raises unhandled exceptions instead of answering them: `handler500` is skipped, " +
			"and so are the `django.request` error log record and the ADMINS error mail, because Django logs " +
			"after it would have built the 500 response. The WSGI/ASGI server's own error handling decides " +
			"what the client sees — several (waitress with `expose_tracebacks`, werkzeug's debugger, custom " +
			"middleware) return the traceback with local values — and the error leaves no trace in Django's " +
			"logs.",
		Example: `
-- mysite/settings.py --
INSTALLED_APPS = []
DEBUG_PROPAGATE_EXCEPTIONS = True
`,
		UseInstead: `
-- mysite/settings.py --
INSTALLED_APPS = []
DEBUG_PROPAGATE_EXCEPTIONS = False
`,
		Notes: settingsNotes + `

Test settings often turn this on to see tracebacks and are not judged. Django's
` + "`check --deploy`" + ` has no counterpart.`,
		Requires: []analyzer.Requirement{settings.Pass},
		Run: reportTrueSetting("DEBUG_PROPAGATE_EXCEPTIONS", "unhandled exceptions bypass Django's 500 handling, "+
			"its django.request error log and ADMINS mails, and reach the WSGI server, whose error page may show the traceback"),
	})
}
