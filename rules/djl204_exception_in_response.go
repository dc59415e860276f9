package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/taint"
)

func init() {
	register(&analyzer.Rule{
		ID:        "DJL204",
		Name:      "exception-details-in-response",
		Title:     "Exception text or traceback returned to the client",
		Severity:  analyzer.Warning,
		CWE:       []int{209},
		Precision: analyzer.High,
		WhatItDoes: "Reports exception text and tracebacks that reach an HTTP response body: `str(e)`, " +
			"`repr(e)`, `f\"{e}\"`, `e.args` of an exception caught with `except … as e`, " +
			"`traceback.format_exc()` and friends, and `sys.exc_info()`, returned by `JsonResponse`, " +
			"`HttpResponse`, DRF `Response` (any status) or put into a DRF exception's detail. Exceptions that " +
			"are meant for the user — `ValidationError` (Django's, DRF's, forms'), `Http404`, `PermissionDenied`, " +
			"`ObjectDoesNotExist`, DRF's `APIException` family and social-auth-core's `AuthException` family " +
			"(`AuthCanceled`, `AuthStateForbidden`, …) — are not reported; neither is the message " +
			"(`str(e)`, `f\"{e}\"`) of a parse or validation error (`ValueError`, `JSONDecodeError`, " +
			"`MultiPartParserError`, also after `isinstance(e, ValueError)`) put into DRF's `ParseError` or " +
			"`ValidationError`, while `repr(e)`, tracebacks and `str(e)` of a broad `except Exception` are; " +
			"nor is text shown " +
			"only when `settings.DEBUG` is on (`tb if settings.DEBUG else \"error\"`, `if settings.DEBUG:`).",
		WhyBad: "Exception messages and stack traces describe the server: file paths, SQL statements and " +
			"table names, hostnames and ports of internal services, library versions, sometimes the values of " +
			"settings or of the request's own credentials (a `requests` error message contains the full URL, " +
			"query-string tokens included). Attackers use them to map the system and tune their next request.",
		Example: `
-- app/views.py --
import requests
from django.http import JsonResponse


def proxy(request):
    try:
        r = requests.get("https://internal.example/api", timeout=5)
        return JsonResponse(r.json())
    except Exception as e:
        return JsonResponse({"error": str(e)}, status=502)
`,
		UseInstead: `
-- app/views.py --
import logging

import requests
from django.http import JsonResponse

logger = logging.getLogger(__name__)


def proxy(request):
    try:
        r = requests.get("https://internal.example/api", timeout=5)
        return JsonResponse(r.json())
    except Exception:
        logger.exception("upstream call failed")
        return JsonResponse({"error": "upstream unavailable"}, status=502)
`,
		Notes: taint.DocFlow + "\n\n" +
			"Log the exception (`logger.exception(...)`) and return a generic message, perhaps with a " +
			"correlation id.\n\n" +
			"Also not reported: the project's own exceptions raised only with constant messages, the error " +
			"of a `try` block that only decodes " +
			"bytes (`request.body.decode()`: the codec, byte and position of the client's own input), and an " +
			"`AssertionError` caught around the block's own `assert` statements when the block calls no " +
			"project code.",
		Requires: taint.Sinks(taint.SinkResponse),
		Run: func(ctx *analyzer.Context) {
			res := taint.For(ctx.Project, taint.SinkResponse)
			groups := taint.GroupHits(res.Hits, func(h *taint.Hit) bool {
				return h.Sink == taint.SinkResponse && h.Label.Src.Kind == taint.Exception && !h.Debug &&
					!(h.Validation && h.Label.ParseMsg)
			}, nil)
			for _, g := range groups {
				h := &g.Hit
				msg := fmt.Sprintf("%s is returned to the client by %s: exception text and tracebacks reveal "+
					"internals (paths, queries, hosts, versions) and sometimes secrets", h.Label.Src.What, taint.SinkPhrase(h))
				ctx.Report(taint.Finding(g, g.Loc, msg, h.Func+" "+h.Desc+" "+h.Where+" "+h.Label.Src.What))
			}
		},
	})
}
