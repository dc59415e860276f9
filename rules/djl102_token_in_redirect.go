package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/taint"
)

func init() {
	register(&analyzer.Rule{
		ID:        "DJL102",
		Name:      "token-in-redirect-url",
		Title:     "Token or credential sent in a redirect URL or a reversed URL path",
		Severity:  analyzer.Warning,
		CWE:       []int{598},
		Precision: analyzer.High,
		WhatItDoes: "Reports secrets that reach the target of `redirect()`, `HttpResponseRedirect`, " +
			"`HttpResponsePermanentRedirect` or `resolve_url()`, or the `args` / `kwargs` of `reverse()` / " +
			"`reverse_lazy()` and the extra arguments of `redirect(\"view-name\", token=…)`, which put them into " +
			"the URL path. A URL whose query string was built with the secret is reported once, where it was " +
			"built (DJL101).",
		WhyBad: "The browser follows a redirect by requesting the new URL: the secret is then in its history, " +
			"in the access logs of the server and every proxy, and in the `Referer` header sent to any third-party " +
			"resource the next page loads. A token in a URL path is logged just like one in a query string.",
		Example: `
-- app/views.py --
from django.shortcuts import redirect


def after_login(request):
    api_key = request.user.profile.api_key
    return redirect("dashboard", api_key=api_key)
`,
		UseInstead: `
-- app/views.py --
from django.shortcuts import redirect


def after_login(request):
    return redirect("dashboard")
`,
		Notes: taint.DocSources + "\n\n" + taint.DocFlow + "\n\n" +
			"**Exempt:** Django's password-reset style URLs (`reverse(..., kwargs={\"uidb64\": …, \"token\": …})`, " +
			"`redirect(..., uidb64=…, token=…)`), one-time tokens from `make_token()`, `signing.dumps()` and " +
			"`Signer().sign()`, and links built in functions that send email (see DJL101).\n\n" + taint.DocConfig,
		Requires: taint.Sinks(taint.SinkRedirect),
		Run: func(ctx *analyzer.Context) {
			res := taint.For(ctx.Project, taint.SinkRedirect)
			groups := taint.GroupHits(res.Hits, func(h *taint.Hit) bool {
				return h.Sink == taint.SinkRedirect && taint.Secretish(h.Label) && !h.Label.Src.OneTime && !h.EmailLink
			}, nil)
			for _, g := range groups {
				h := &g.Hit
				consequence := "the browser requests that URL, so it lands in history, access logs and Referer headers"
				msg := fmt.Sprintf("%s reaches %s%s: %s", h.Label.Src.What, taint.SinkPhrase(h), g.More(), consequence)
				ctx.Report(taint.Finding(g, g.Loc, msg, h.Func+" "+h.Desc+" "+h.Where+" "+h.Label.Src.What))
			}
		},
	})
}
