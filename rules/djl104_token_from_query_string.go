package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/taint"
	"github.com/djleak/djleak/parsers/source"
)

func init() {
	register(&analyzer.Rule{
		ID:        "DJL104",
		Name:      "token-accepted-from-query-string",
		Title:     "Credential accepted from the query string for authentication",
		Severity:  analyzer.Warning,
		CWE:       []int{598},
		Precision: analyzer.High,
		WhatItDoes: "Reports tokens read from the query string — `request.GET`, DRF's `request.query_params`, " +
			"Channels' `scope[\"query_string\"]` (in consumers and ASGI middleware) parsed with `parse_qs` / " +
			"`parse_qsl` / `QueryDict` or split by hand into a `dict(…)` — under a " +
			"token-like name and then used to authenticate: returned from an `authenticate()` method (a DRF " +
			"authentication class), passed to `authenticate()`, `authenticate_credentials()`, `check_token()`, " +
			"`jwt.decode()`, `signing.loads()`, `Signer().unsign()`, SimpleJWT's `AccessToken()` / " +
			"`UntypedToken()`, `constant_time_compare()` / `hmac.compare_digest()`, looked up with " +
			"`Token.objects.get(key=…)` (any model field named like a token), or compared with `==`. The finding " +
			"points at the read, and the code flow shows the authentication use, also inside helper functions.",
		WhyBad: "An API that accepts its credential from the query string makes every client put the " +
			"credential into URLs, which are written to access logs, browser history, proxy logs and `Referer` " +
			"headers. Authenticate with the `Authorization` header (or, for WebSockets, a short-lived ticket or " +
			"the first message) instead.",
		Example: `
-- app/auth.py --
from rest_framework.authentication import BaseAuthentication
from rest_framework.authtoken.models import Token


class QueryTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        key = request.query_params.get("token")
        if not key:
            return None
        token = Token.objects.get(key=key)
        return (token.user, token)
`,
		UseInstead: `
-- app/auth.py --
from rest_framework.authentication import TokenAuthentication


class BearerAuthentication(TokenAuthentication):
    keyword = "Bearer"
`,
		Notes: "Tokens of one-time links — read in a function or class whose name mentions activation, " +
			"verification, confirmation, reset, invitations, unsubscribe, magic links or email — are not " +
			"reported: such links must carry their token. Pagination cursors (`next_token`, `page_token`) and " +
			"`csrf_token` are not credentials.\n\n" + taint.DocFlow + "\n\n" + taint.DocConfig,
		Requires: taint.Sinks(taint.SinkAuth),
		Run: func(ctx *analyzer.Context) {
			res := taint.For(ctx.Project, taint.SinkAuth)
			groups := taint.GroupHits(res.Hits, (*taint.Hit).QueryAuth, func(h *taint.Hit) source.Location { return h.Label.Src.Loc })
			for _, g := range groups {
				h := &g.Hit
				where := fmt.Sprintf("line %d", h.Loc.Start.Line)
				if h.Loc.Path != h.Label.Src.Loc.Path {
					where = fmt.Sprintf("%s:%d", h.Loc.Path, h.Loc.Start.Line)
				}
				use := fmt.Sprintf("%s (%s)", h.Desc, where)
				if h.Via != "" {
					use = fmt.Sprintf("passed to `%s()` (%s), where it is %s", h.Via, where, h.Desc)
				}
				msg := fmt.Sprintf("%s is read from the query string and %s: clients must then put the "+
					"credential into URLs, which end up in access logs, history and Referer headers; accept it in "+
					"the Authorization header instead", h.Label.Src.What, use)
				ctx.Report(taint.Finding(g, h.Label.Src.Loc, msg, h.Func+" query "+h.Label.Src.What))
			}
		},
	})
}
