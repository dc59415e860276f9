package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/analyzer/settings"
)

func init() {
	check := boolSettingCheck{
		setting: "SECURE_SSL_REDIRECT",
		consequence: "SecurityMiddleware answers plain-HTTP requests instead of redirecting them to HTTPS, so " +
			"logins, session cookies and tokens can travel unencrypted",
		applies: hasSecurityMiddleware,
		waived: func(ctx *analyzer.Context, m *settings.Module) bool {
			f := frontOf(ctx)
			return len(f.routes) > 0 && len(f.plainToApp) == 0
		},
		related: func(ctx *analyzer.Context, m *settings.Module) []analyzer.Related {
			var out []analyzer.Related
			for _, r := range plainServers(frontOf(ctx)) {
				out = append(out, analyzer.Related{Location: r.Server,
					Message: fmt.Sprintf("%s %s accepts plain HTTP and passes it to the application without redirecting to HTTPS", r.Front.Title(), r.ServerLabel)})
			}
			return out
		},
		detail: func(ctx *analyzer.Context, m *settings.Module) string {
			ps := plainServers(frontOf(ctx))
			if len(ps) == 0 {
				return ""
			}
			more := ""
			if len(ps) > 1 {
				more = fmt.Sprintf(" (and %d more)", len(ps)-1)
			}
			return fmt.Sprintf("; %s %s%s accepts plain HTTP and passes it to the application without redirecting", ps[0].Front.Title(), ps[0].ServerLabel, more)
		},
	}
	register(&analyzer.Rule{
		ID:        "DJL405",
		Name:      "ssl-redirect-disabled",
		Title:     "Production settings do not redirect HTTP to HTTPS",
		Severity:  analyzer.Warning,
		CWE:       []int{319},
		Precision: analyzer.High,
		WhatItDoes: "Reports production settings where `SECURE_SSL_REDIRECT` is not true (false, missing, or false " +
			"by an environment default) while `SecurityMiddleware` is enabled — unless the project's nginx " +
			"configuration already redirects: when every nginx server that passes requests to the application " +
			"over plain HTTP answers them with `return 301 https://…` (or a `rewrite … https://… permanent`, or " +
			"such a return in `if ($scheme = http)`), at the server level or in the location that passes to the " +
			"application, or nginx only passes TLS traffic to the application, the rule stays silent. When nginx " +
			"serves the application over plain HTTP, the message names the first such server and the related " +
			"locations list them all.",
		WhyBad: "A request that arrives over plain HTTP is answered over plain HTTP: the user's first request " +
			"(typed address, old bookmark, HTTP link) and everything the page then sends — session cookie, " +
			"login form, API token — is readable and changeable on the network path.",
		Example: `
-- mysite/settings.py --
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
SECURE_SSL_REDIRECT = False
`,
		UseInstead: `
-- mysite/settings.py --
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
SECURE_SSL_REDIRECT = False  # nginx redirects every plain-HTTP request
-- nginx/site.conf --
server {
    listen 80;
    server_name example.com;
    return 301 https://$host$request_uri;
}
server {
    listen 443 ssl;
    server_name example.com;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header X-Forwarded-Proto $scheme;
    }
}
`,
		Notes: settingsNotes + frontNote + `

Django's counterpart: ` + "`security.W008`" + `, checked by the oracle test on fixtures without nginx.
Two deliberate differences: Django warns whenever the setting ` + "`is not True`" + ` (so also for
` + "`1`" + ` or the string ` + "`'True'`" + `, which do enable the redirect — djleak follows what
SecurityMiddleware does, truthiness), and Django cannot see the proxy, so it also warns when
nginx redirects. Without ` + "`SecurityMiddleware`" + ` the setting does nothing; DJL224 reports
that instead. Behind a TLS-terminating proxy, ` + "`SECURE_SSL_REDIRECT = True`" + ` needs
` + "`SECURE_PROXY_SSL_HEADER`" + ` (see DJL407), or every request redirects to itself.`,
		Requires: []analyzer.Requirement{settings.Pass, frontend.Pass, appFrontPass},
		Run:      check.run,
	})
}

// plainServers lists one route per server that passes plain HTTP to the
// application without redirecting, in model order.
func plainServers(f *appFront) []*frontend.Route {
	var out []*frontend.Route
	seen := map[string]bool{}
	for _, r := range f.plainToApp {
		k := string(r.Front) + " " + r.ServerLabel
		if !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	return out
}
