package rules

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/ngxmodel"
	"github.com/djleak/djleak/analyzer/settings"
	"github.com/djleak/djleak/parsers/nginx"
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
			for _, u := range f.tlsToApp {
				if hstsAt(u.Scope) == nil {
					return false
				}
			}
			return true
		},
		related: func(ctx *analyzer.Context, m *settings.Module) []analyzer.Related {
			var out []analyzer.Related
			for _, u := range frontOf(ctx).tlsToApp {
				if hstsAt(u.Scope) == nil {
					out = append(out, analyzer.Related{Location: scopeLoc(u.Scope),
						Message: fmt.Sprintf("nginx %s (%s) passes HTTPS traffic to the application without adding Strict-Transport-Security", u.Scope.Label(), u.Server.Label())})
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
		Notes: settingsNotes + `

Django's counterpart: ` + "`security.W004`" + `, checked by the oracle test on fixtures without nginx
(Django cannot see an nginx ` + "`add_header`" + `, so it warns there too). Start with a small
max-age; HSTS cannot be taken back for browsers that have seen it. Without
` + "`SecurityMiddleware`" + ` DJL224 reports instead.`,
		Run: check.run,
	})
}

// hstsAt returns the add_header (or more_set_headers) in effect at s that
// sends Strict-Transport-Security with a positive max-age, or nil.
func hstsAt(s *ngxmodel.Scope) *nginx.Directive {
	ds, _ := s.Array("add_header")
	for _, d := range ds {
		if strings.EqualFold(d.Arg(0), "Strict-Transport-Security") && maxAgePositive(d.Arg(1)) {
			return d
		}
	}
	for sc := s; sc != nil; sc = sc.Parent {
		for _, d := range sc.Own("more_set_headers") {
			for _, a := range d.Args {
				if i := strings.IndexByte(a, ':'); i > 0 && strings.EqualFold(strings.TrimSpace(a[:i]), "Strict-Transport-Security") && maxAgePositive(a[i+1:]) {
					return d
				}
			}
		}
	}
	return nil
}

func maxAgePositive(v string) bool {
	l := strings.ToLower(v)
	i := strings.Index(l, "max-age=")
	if i < 0 {
		return false
	}
	num := l[i+len("max-age="):]
	num = strings.Trim(num, `"' `)
	end := 0
	for end < len(num) && num[end] >= '0' && num[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(num[:end])
	return err == nil && n > 0
}
