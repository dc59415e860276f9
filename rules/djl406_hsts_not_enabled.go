package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/analyzer/settings"
)

func init() {
	check := boolSettingCheck{
		setting:     "SECURE_HSTS_SECONDS",
		defaultDesc: "0",
		consequence: "no Strict-Transport-Security header is sent, so browsers keep trying plain HTTP first and " +
			"an attacker on the network path can strip HTTPS from the user's next visit",
		applies: hasSecurityMiddleware,
		waived: func(ctx *analyzer.Context, m *settings.Module) bool {
			f := frontOf(ctx)
			if len(f.tlsToApp) == 0 {
				return false
			}
			for _, r := range f.tlsToApp {
				if r.HSTS == nil {
					return false
				}
			}
			return true
		},
		related: func(ctx *analyzer.Context, m *settings.Module) []analyzer.Related {
			var out []analyzer.Related
			for _, r := range frontOf(ctx).tlsToApp {
				if r.HSTS == nil {
					out = append(out, analyzer.Related{Location: r.At,
						Message: fmt.Sprintf("%s %s passes HTTPS traffic to the application without adding Strict-Transport-Security", r.Front.Title(), routeWhere(r))})
				}
			}
			return out
		},
	}
	register(&analyzer.Rule{
		ID:        "DJL406",
		Name:      "hsts-not-enabled",
		Title:     "HTTP Strict Transport Security is off",
		Severity:  analyzer.Warning,
		CWE:       []int{319},
		Precision: analyzer.High,
		WhatItDoes: "Reports production settings where `SECURE_HSTS_SECONDS` is missing or 0 (also by an " +
			"environment default) while `SecurityMiddleware` is enabled — unless nginx adds the header itself: " +
			"when every location that passes HTTPS traffic to the application has an `add_header " +
			"Strict-Transport-Security \"max-age=…\"` with a positive max-age in effect (following nginx's " +
			"add_header inheritance: a location with its own add_header does not inherit the server's), the " +
			"rule stays silent. Otherwise the report names the locations without it.",
		WhyBad: "Without HSTS, the browser has no memory that the site is HTTPS-only: the next time the user " +
			"types the address or follows an `http://` link, the first request goes out in plain text, and an " +
			"attacker on the network can answer it and keep the user on HTTP (SSL stripping), reading " +
			"session cookies and credentials.",
		Example: `
-- mysite/settings.py --
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
SECURE_SSL_REDIRECT = True
`,
		UseInstead: `
-- mysite/settings.py --
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
`,
		Notes: settingsNotes + frontNote + `

Django's counterpart: ` + "`security.W004`" + `, checked by the oracle test on fixtures without nginx
(Django cannot see an nginx ` + "`add_header`" + `, so it warns there too). Start with a small
max-age; HSTS cannot be taken back for browsers that have seen it. Without
` + "`SecurityMiddleware`" + ` DJL224 reports instead.`,
		Requires: []analyzer.Requirement{settings.Pass, frontend.Pass, appFrontPass},
		Run:      check.run,
	})
}
