package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/taint"
)

func init() {
	register(&analyzer.Rule{
		ID:        "DJL105",
		Name:      "token-in-url-path-pattern",
		Title:     "URL pattern takes a token or API key from the URL path",
		Severity:  analyzer.Warning,
		CWE:       []int{598},
		Precision: analyzer.High,
		WhatItDoes: "Reports `path()`, `re_path()` and `url()` routes of the URLconf that capture a parameter " +
			"named like a secret (`<str:api_key>`, `<token>`, `(?P<access_token>[^/]+)`), so that clients send " +
			"the credential in the URL path.",
		WhyBad: "A credential in the URL path is logged by every web server, proxy and CDN on the way, kept in " +
			"browser history and leaked in `Referer` headers, exactly like one in a query string.",
		Example: `
-- app/urls.py --
from django.urls import path

from app import views

urlpatterns = [
    path("feeds/<str:api_key>/events.ics", views.calendar_feed),
]
`,
		UseInstead: `
-- app/urls.py --
from django.urls import path

from app import views

urlpatterns = [
    path("feeds/<uuid:feed_id>/events.ics", views.calendar_feed),
]
`,
		Notes: "**One-time links are exempt:** routes that also capture `uidb64` (Django's password-reset " +
			"pattern `reset/<uidb64>/<token>/`) and routes whose path, view or name mentions reset, activation, " +
			"confirmation, verification, invitations, unsubscribe, magic or login links, email, signup or " +
			"registration. Their tokens must be single-use and short-lived. Pagination cursors (`next_token`) " +
			"are not credentials. If a feed URL must carry a secret, use a random per-feed identifier that can " +
			"be revoked, not a user's API key.\n\n" + taint.DocConfig,
		Requires: []analyzer.Requirement{taint.URLPatterns},
		Run: func(ctx *analyzer.Context) {
			for _, p := range analyzer.Fact(ctx.Project, taint.URLPatterns) {
				if p.OneTime {
					continue
				}
				ctx.Report(analyzer.Finding{
					Location: p.Loc,
					Message: fmt.Sprintf("`%s()` route %q takes `%s` from the URL path: clients must send the credential "+
						"in URLs, which are logged by servers and proxies and kept in browser history; accept it in "+
						"the Authorization header instead", p.Func, p.Route, p.Param),
					Key: p.Route + " " + p.Param,
				})
			}
		},
	})
}
