package rules

import (
	"fmt"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/settings"
	"github.com/djleak/djleak/parsers/python"
)

func init() {
	register(&analyzer.Rule{
		ID:        "DJL404",
		Name:      "samesite-none-without-secure",
		Title:     "Cookie with `SameSite=None` is not marked Secure",
		Severity:  analyzer.Warning,
		CWE:       []int{1275, 614},
		Precision: analyzer.VeryHigh,
		WhatItDoes: "Reports production settings that set `SESSION_COOKIE_SAMESITE` or `CSRF_COOKIE_SAMESITE` to " +
			"`'None'` while the matching `SESSION_COOKIE_SECURE` / `CSRF_COOKIE_SECURE` is not true (false, " +
			"missing, or false by an environment default). The report is at the SameSite setting and names " +
			"where the Secure setting comes from.",
		WhyBad: "`SameSite=None` asks the browser to send the cookie on every cross-site request — links, " +
			"forms and scripts of other sites included — which only makes sense together with `Secure`. " +
			"Browsers that follow the current cookie rules (Chrome, Edge, Firefox) reject a `SameSite=None` " +
			"cookie without `Secure`, so sessions or CSRF tokens silently stop working; older browsers accept " +
			"it and then send the session cookie cross-site and over plain HTTP, the worst of both.",
		Example: `
-- mysite/settings.py --
INSTALLED_APPS = ["django.contrib.sessions"]
SESSION_COOKIE_SAMESITE = "None"
SESSION_COOKIE_SECURE = False
`,
		UseInstead: `
-- mysite/settings.py --
INSTALLED_APPS = ["django.contrib.sessions"]
SESSION_COOKIE_SAMESITE = "None"
SESSION_COOKIE_SECURE = True
`,
		Notes: settingsNotes + `

Python ` + "`None`" + ` (no SameSite attribute at all) is not ` + "`'None'`" + `; browsers then apply their own
default (Lax in Chrome) and this rule does not report it. The session pair is checked only
when the project uses sessions, the CSRF pair only when ` + "`CsrfViewMiddleware`" + ` sets a
cookie. Django's ` + "`check --deploy`" + ` has no counterpart.`,
		Requires: []analyzer.Requirement{settings.Pass},
		Run:      runSameSiteNone,
	})
}

func runSameSiteNone(ctx *analyzer.Context) {
	type pair struct {
		samesite, secure, cookie string
		applies                  func(*settings.Module) (bool, bool)
	}
	pairs := []pair{
		{"SESSION_COOKIE_SAMESITE", "SESSION_COOKIE_SECURE", "session cookie", usesSessions},
		{"CSRF_COOKIE_SAMESITE", "CSRF_COOKIE_SECURE", "CSRF cookie", usesCSRFCookie},
	}
	for _, m := range judgedModules(ctx) {
		for _, p := range pairs {
			ss := m.Get(p.samesite)
			if ss == nil || !ss.Known || ss.Undecided || ss.Value.Kind != python.Str || !strings.EqualFold(ss.Value.Str, "none") {
				continue
			}
			if ok, known := p.applies(m); known && !ok {
				continue
			}
			v, sec := judgeTrue(m, p.secure, false)
			if v != vFalse && v != vMissing {
				continue
			}
			secDesc := "not set (Django's default is False)"
			var related []analyzer.Related
			if v == vFalse {
				secDesc = sec.Describe() + sec.Context()
				related = append(related, analyzer.Related{Location: sec.Loc, Message: fmt.Sprintf("%s is %s here", p.secure, sec.Describe())})
			}
			ctx.Report(analyzer.Finding{
				Location: ss.Loc,
				Message: fmt.Sprintf("%s is 'None'%s but %s is %s: current browsers reject a SameSite=None %s without Secure, "+
					"and older ones send it on every cross-site request, over plain HTTP too%s",
					p.samesite, inherited(m, ss), p.secure, secDesc, p.cookie, envHint(sec)),
				Related: append(related, whyJudged(m)...),
				Key:     settingKey(m, p.samesite),
			})
		}
	}
}
