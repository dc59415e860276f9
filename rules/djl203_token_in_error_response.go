package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/taint"
)

func init() {
	register(&analyzer.Rule{
		ID:        "DJL203",
		Name:      "token-in-error-response",
		Title:     "Token, credential or request headers returned in an error response",
		Severity:  analyzer.Warning,
		CWE:       []int{209},
		Precision: analyzer.High,
		WhatItDoes: "Reports secrets and request-header collections that end up in the body of an error " +
			"response: `JsonResponse`, `HttpResponse` and DRF `Response` with a status of 400 or more " +
			"(`status=401`, `status=status.HTTP_403_FORBIDDEN`, `HTTPStatus.BAD_REQUEST`), the " +
			"`HttpResponseBadRequest` / `Forbidden` / `NotFound` / `NotAllowed` / `Gone` / `ServerError` classes, " +
			"responses built inside an `except` block without a success status, and DRF exceptions " +
			"(`raise AuthenticationFailed(f\"bad token {token}\")`), whose detail DRF renders into the response. " +
			"Header collections are reported with the credential headers still in them. Responses with a success " +
			"status that return a token on purpose (a login or token endpoint) are not reported.",
		WhyBad: "Error bodies are shown by browsers and API clients, stored by monitoring and error-tracking " +
			"tools, cached by proxies and pasted into bug reports. Echoing the request's `Authorization` header, " +
			"cookies or a server-side key there hands the credential to whoever sees the error — including a " +
			"script on another origin that can read the response of a CORS-enabled endpoint.",
		Example: `
-- app/views.py --
from django.http import JsonResponse


def check(request):
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Bearer "):
        return JsonResponse({"error": "bad credentials", "got": auth}, status=401)
    return JsonResponse({"ok": True})
`,
		UseInstead: `
-- app/views.py --
from django.http import JsonResponse


def check(request):
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Bearer "):
        return JsonResponse({"error": "bad credentials"}, status=401)
    return JsonResponse({"ok": True})
`,
		Notes: taint.DocSources + "\n\n" + taint.DocFlow + "\n\n" + taint.DocConfig + "\n\n" +
			"Entries of error dicts keyed by a secret's name (`{\"password\": errors}`, `form.errors[\"token\"]`) are " +
			"messages about that field and are not reported unless their value is itself a secret. Exception text " +
			"and tracebacks in responses are DJL204's.",
		Requires: taint.Sinks(taint.SinkResponse),
		Run: func(ctx *analyzer.Context) {
			res := taint.For(ctx.Project, taint.SinkResponse)
			groups := taint.GroupHits(res.Hits, func(h *taint.Hit) bool {
				if h.Sink != taint.SinkResponse || !h.Error || h.Debug || h.Label.Src.DictKey {
					return false
				}
				return taint.Secretish(h.Label) || h.Label.Src.Kind == taint.Headers && h.Label.Bits != 0
			}, nil)
			for _, g := range groups {
				h := &g.Hit
				var msg string
				if h.Label.Src.Kind == taint.Headers {
					msg = fmt.Sprintf("%s are returned by %s with %s still in them%s", h.Label.Src.What, taint.SinkPhrase(h),
						taint.JoinNames(taint.HeaderNames(g.Bits)), taint.FilterNote(g))
				} else {
					msg = fmt.Sprintf("%s is returned in an error response by %s%s", h.Label.Src.What, taint.SinkPhrase(h), g.More())
				}
				msg += ": whoever sees the error gets the credential"
				ctx.Report(taint.Finding(g, g.Loc, msg, h.Func+" "+h.Desc+" "+h.Where+" "+h.Label.Src.What))
			}
		},
	})
}
