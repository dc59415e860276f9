package rules

import (
	"fmt"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/taint"
)

func init() {
	register(&analyzer.Rule{
		ID:        "DJL201",
		Name:      "token-logged",
		Title:     "Token, password or request credential written to the log",
		Severity:  analyzer.Error,
		CWE:       []int{532},
		Precision: analyzer.High,
		WhatItDoes: "Follows secrets — tokens, API keys, passwords, secret settings, the `Authorization` header, " +
			"the session cookie — through the code and reports where one reaches a log: `logging` and " +
			"`logger.debug/info/warning/error/exception/critical/log`, structlog (`log.info(event, token=…)`, " +
			"`log.bind(…)`), `print()`, `sys.stdout.write()` / `sys.stderr.write()`, `warnings.warn()` and Sentry " +
			"(`sentry_sdk.capture_message`, `set_context`, `set_extra`, `set_tag`, `add_breadcrumb`). The " +
			"message, `%` arguments, f-strings, keyword arguments and every entry of `extra=` count. The finding " +
			"points at the argument that carries the secret and its code flow shows where the secret came from, " +
			"also through helper functions in other modules.",
		WhyBad: "Logs are copied to files, terminals, log shippers, error trackers and their storage, kept for " +
			"months and readable by far more people than the credential store. A bearer token, API key or session " +
			"cookie in a log line can be replayed by anyone who reads it; a password in a log is a password " +
			"disclosed.",
		Example: `
-- app/views.py --
import logging
import secrets

logger = logging.getLogger(__name__)


def issue_token(request):
    token = secrets.token_urlsafe(32)
    logger.info("issued token %s for %s", token, request.user)
    return token
`,
		UseInstead: `
-- app/views.py --
import hashlib
import logging
import secrets

logger = logging.getLogger(__name__)


def issue_token(request):
    token = secrets.token_urlsafe(32)
    fingerprint = hashlib.sha256(token.encode()).hexdigest()[:12]
    logger.info("issued token %s for %s", fingerprint, request.user)
    return token
`,
		Notes: taint.DocSources + "\n\n" + taint.DocFlow + "\n\n" + taint.DocConfig + "\n\n" +
			"Logging the exception itself (`logger.exception(...)`) is not reported. Whole header collections " +
			"are DJL202's; settings-level logging configuration is checked by the `LOGGING` rules. Output of " +
			"management commands (`self.stdout.write`, and `print()` or `sys.stdout.write()` in a module under " +
			"`management/commands/`) goes to the operator who ran the command and is not a sink; their " +
			"loggers are.",
		Requires: taint.Sinks(taint.SinkLog),
		Run: func(ctx *analyzer.Context) {
			res := taint.For(ctx.Project, taint.SinkLog)
			groups := taint.GroupHits(res.Hits, func(h *taint.Hit) bool {
				return h.Sink == taint.SinkLog && taint.Secretish(h.Label)
			}, nil)
			for _, g := range groups {
				h := &g.Hit
				verb := "is logged by"
				switch {
				case h.Desc == "print":
					verb = "is printed by"
				case strings.HasPrefix(h.Desc, "sys."):
					verb = "is written to " + strings.TrimPrefix(strings.Split(h.Desc, ".")[1], "__") + " by"
				case strings.HasPrefix(h.Desc, "sentry_sdk."):
					verb = "is sent to the error tracker by"
				case h.Desc == "warnings.warn":
					verb = "is emitted as a warning by"
				}
				msg := fmt.Sprintf("%s %s %s: anyone who can read the logs can use it", h.Label.Src.What, verb, taint.SinkPhrase(h))
				msg += g.More()
				ctx.Report(taint.Finding(g, g.Loc, msg, h.Func+" "+h.Desc+" "+h.Where+" "+h.Label.Src.What))
			}
		},
	})
}
