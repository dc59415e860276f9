package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/taint"
)

func init() {
	register(&analyzer.Rule{
		ID:        "DJL202",
		Name:      "request-headers-logged",
		Title:     "Request headers logged with credentials still in them",
		Severity:  analyzer.Error,
		CWE:       []int{532},
		Precision: analyzer.High,
		WhatItDoes: "Reports whole collections of request headers that reach a log — `request.headers`, " +
			"`request.META`, `request.environ`, `dict(request.headers)`, `.items()`, ASGI `scope[\"headers\"]`, " +
			"copies and comprehensions over them — and names the credential headers that are still in them: " +
			"`Authorization`, `Proxy-Authorization`, `Cookie` and `X-Api-Key`. djleak evaluates the filter of " +
			"each comprehension, `if … : continue`, `del`, `.pop()` and redaction by assignment " +
			"(`h[\"Authorization\"] = \"***\"`, also in a loop over constant names) for every one of these headers " +
			"(`k.lower() != 'authorization'`, `k not in SENSITIVE`, `not k.startswith('HTTP_')`, " +
			"`any(s in k.lower() for s in (…))`, `re.match(…)`, constants from other modules), so a filter that " +
			"drops only `Authorization` is reported with `Cookie`, `X-Api-Key` and `Proxy-Authorization` named, " +
			"and one that drops all four is not reported.",
		WhyBad: "The `Cookie` header holds the session cookie, `Authorization` and `Proxy-Authorization` hold " +
			"bearer tokens or basic-auth passwords, `X-Api-Key` holds an API key. Logging the headers " +
			"\"for debugging\" writes every user's credentials to the log, where anyone with log access can " +
			"take over their sessions. Filtering out `Authorization` alone is a common near miss.",
		Example: `
-- app/views.py --
import logging

from django.http import JsonResponse

logger = logging.getLogger(__name__)


def my_view(request):
    logger.info("request", extra={
        "headers": {k: v for k, v in request.headers.items() if k.lower() != "authorization"},
    })
    return JsonResponse({"ok": True})
`,
		UseInstead: `
-- app/views.py --
import logging

from django.http import JsonResponse

logger = logging.getLogger(__name__)
SENSITIVE = {"authorization", "proxy-authorization", "cookie", "x-api-key"}


def my_view(request):
    logger.info("request", extra={
        "headers": {k: v for k, v in request.headers.items() if k.lower() not in SENSITIVE},
    })
    return JsonResponse({"ok": True})
`,
		Notes: taint.DocFlow + "\n\n" +
			"A filter djleak cannot evaluate for a header (a call to an unknown function of the key, an " +
			"allow-list it cannot resolve) counts as removing it, so unusual redaction code is not reported. " +
			"Filters on the value (`if v`) remove nothing. Other headers a project considers secret " +
			"(`X-Auth-Token`, …) are reported by DJL201 when read one by one. A `LOGGING` filter that inspects " +
			"only the message does not clean `extra` fields (see the `LOGGING` rules).\n\n" + taint.DocConfig,
		Requires: taint.Sinks(taint.SinkLog),
		Run: func(ctx *analyzer.Context) {
			res := taint.For(ctx.Project, taint.SinkLog)
			groups := taint.GroupHits(res.Hits, func(h *taint.Hit) bool {
				return h.Sink == taint.SinkLog && h.Label.Src.Kind == taint.Headers && h.Label.Bits != 0
			}, nil)
			for _, g := range groups {
				h := &g.Hit
				msg := fmt.Sprintf("%s %s with %s still in them", h.Label.Src.What, "are logged by "+taint.SinkPhrase(h),
					taint.JoinNames(taint.HeaderNames(g.Bits)))
				msg += taint.FilterNote(g)
				msg += ": log readers get users' credentials"
				ctx.Report(taint.Finding(g, g.Loc, msg, h.Func+" "+h.Desc+" "+h.Where))
			}
		},
	})
}
