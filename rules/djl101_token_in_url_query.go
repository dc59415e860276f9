package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/taint"
)

func init() {
	register(&analyzer.Rule{
		ID:        "DJL101",
		Name:      "token-in-url-query",
		Title:     "Token or credential put into a URL's query string",
		Severity:  analyzer.Warning,
		CWE:       []int{598},
		Precision: analyzer.High,
		WhatItDoes: "Reports secrets that are built into the query string of a URL: an f-string, `+`, `%` or " +
			"`.format()` whose text before the value is `?name=` or `&name=` " +
			"(`f\"{base}?token={token}\"`, `url += \"&api_key=\" + key`), `urlencode({...})` placed after `?`, " +
			"`urlunparse((…, urlencode(q), …))` and `parsed._replace(query=…)`. It reports where the URL is " +
			"built, wherever the URL goes next (a redirect, an outbound request, an email, a template).",
		WhyBad: "URLs are not secret: browsers keep them in history and bookmarks and send them in the " +
			"`Referer` header to other sites, and every web server, proxy, CDN and load balancer on the way " +
			"writes them to its access log. A token in a query string is readable by all of them, long after it " +
			"was used.",
		Example: `
-- app/links.py --
from django.conf import settings


def report_url(report_id):
    return f"https://reports.example.com/r/{report_id}?api_key={settings.REPORTS_API_KEY}"
`,
		UseInstead: `
-- app/links.py --
import requests
from django.conf import settings


def fetch_report(report_id):
    return requests.get(
        f"https://reports.example.com/r/{report_id}",
        headers={"Authorization": f"Bearer {settings.REPORTS_API_KEY}"},
        timeout=10,
    )
`,
		Notes: taint.DocSources + "\n\n" + taint.DocFlow + "\n\n" +
			"**One-time links are exempt.** Tokens made by `make_token()` (Django's password-reset token " +
			"generator), `signing.dumps()` and `Signer().sign()` are designed to travel in links: they are " +
			"single-use or signed and expiring. Links built in a function that sends email (it calls " +
			"`send_mail`, `EmailMessage`, `email_user`, …, or its name mentions email) are one-time email links " +
			"and are not reported either; make sure such tokens are single-use and short-lived. Form bodies " +
			"(`data=\"a=1&token=…\"` without a `?`) are not URLs and are not reported.\n\n" + taint.DocConfig,
		Requires: taint.Sinks(taint.SinkURL),
		Run: func(ctx *analyzer.Context) {
			res := taint.For(ctx.Project, taint.SinkURL)
			groups := taint.GroupHits(res.Hits, func(h *taint.Hit) bool {
				return h.Sink == taint.SinkURL && taint.Secretish(h.Label) && !h.Label.Src.OneTime && !h.EmailLink
			}, nil)
			for _, g := range groups {
				h := &g.Hit
				by := ""
				if h.Via != "" {
					by = " by `" + h.Via + "()`"
				}
				msg := fmt.Sprintf("%s is put into the query string of a URL%s%s: URLs end up in browser history, "+
					"access logs of every server and proxy on the way and Referer headers; send it in a header or "+
					"a POST body instead", h.Label.Src.What, by, g.More())
				ctx.Report(taint.Finding(g, g.Loc, msg, h.Func+" url "+h.Label.Src.What))
			}
		},
	})
}
