package rules

import (
	"fmt"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/analyzer/identity"
)

func init() {
	register(&analyzer.Rule{
		ID:        "DJL302",
		Name:      "identity-read-wrong-guard",
		Title:     "Client identity trusted behind a verification check that does not prove success",
		Severity:  analyzer.Error,
		CWE:       []int{290, 697},
		Precision: analyzer.High,
		WhatItDoes: "Finds client-identity reads guarded by a check of the verify status that does not " +
			"establish `verify == 'SUCCESS'`: a truthiness test (`if verify:`), `!= 'FAILED'`, " +
			"`'SUCCESS' in verify`, `verify.startswith('S')`, a check combined with `or`, or a read in " +
			"the branch where verification did *not* succeed — also when the check is stored in a variable " +
			"or attribute first, sits in a helper or in the authentication backend the value is passed to. " +
			"The message names a status the check lets through. When the project's nginx config passes " +
			"requests to the app, a correct-looking comparison of a verify header that nginx never sets " +
			"(`X-SSL-Verify` when nginx sets `X-Client-Verify`) is reported too: that header is the " +
			"client's.",
		WhyBad: "nginx's `$ssl_client_verify` is `SUCCESS`, `NONE` (no certificate) or `FAILED:reason`. " +
			"Every one of them is a non-empty string, `FAILED:certificate has expired` is not equal to " +
			"`FAILED`, and `NONE` passes most negative tests — so these checks let unverified clients " +
			"through while looking like protection.",
		Example: `
-- app/middleware.py --
def client_dn(request):
    verify = request.META.get("HTTP_X_CLIENT_VERIFY", "")
    if verify != "FAILED":
        return request.META.get("HTTP_X_CLIENT_DN")
    return None
`,
		UseInstead: `
-- app/middleware.py --
def client_dn(request):
    verify = request.META.get("HTTP_X_CLIENT_VERIFY", "")
    if verify.strip().upper() == "SUCCESS":
        return request.META.get("HTTP_X_CLIENT_DN")
    return None
`,
		Requires: []analyzer.Requirement{identity.Pass, frontend.Pass},
		Run:      runWrongGuard,
	})
}

func runWrongGuard(ctx *analyzer.Context) {
	front := frontModel(ctx.Project)
	var setByFront map[string]bool
	verifyVar := ""
	if !front.Empty() {
		setByFront = map[string]bool{}
		// Every header the front end is configured to set from the verify
		// status, also where a route shadows it: the question here is
		// whether the app checks the header the proxy means to set. Only
		// when every route tells (VerifyVar is set).
		for _, rt := range front.Routes {
			if rt.VerifyVar == "" {
				setByFront = nil
				break
			}
			for _, k := range rt.VerifyKeys {
				setByFront[k] = true
			}
			if verifyVar == "" {
				verifyVar = rt.VerifyVar
			}
		}
	}
	for _, r := range analyzer.Fact(ctx.Project, identity.Pass).Reads {
		if r.IsVerify() || r.Via != "" {
			continue
		}
		g := r.Guard
		switch {
		case g.State == identity.Wrong:
			ctx.Report(analyzer.Finding{
				Location: r.Loc,
				Message:  fmt.Sprintf("%s is trusted behind `%s`, which does not prove verification succeeded: %s", r.Name, oneLineText(g.Text), g.Why),
				Related:  []analyzer.Related{{Location: g.Loc, Message: "the ineffective check"}},
				Key:      r.Name + " " + funcName(r) + " wrong",
			})
		case g.State == identity.Correct && setByFront != nil && strings.HasPrefix(g.VerifyKey, "HTTP_") && !setByFront[g.VerifyKey]:
			var set []string
			for k := range setByFront {
				set = append(set, identity.HeaderName(k))
			}
			sortStrings(set)
			also := "no header from `" + verifyVar + "`"
			if len(set) > 0 {
				also = strings.Join(set, ", ") + " from `" + verifyVar + "`"
			}
			ctx.Report(analyzer.Finding{
				Location: r.Loc,
				Message: fmt.Sprintf("%s is trusted because %s is 'SUCCESS', but the project's %s never sets %s (it sets %s), so the client supplies it",
					r.Name, identity.HeaderName(g.VerifyKey), frontTitles(front), identity.HeaderName(g.VerifyKey), also),
				Related: []analyzer.Related{{Location: g.Loc, Message: "the check compares a header " + frontTitles(front) + " does not set"}},
				Key:     r.Name + " " + funcName(r) + " other-header",
			})
		}
	}
}

func oneLineText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}
