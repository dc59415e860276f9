package rules

import (
	"fmt"
	"strings"

	"github.com/djleak/djleak/analyzer"
)

func init() {
	register(&analyzer.Rule{
		ID:        "DJL002",
		Name:      "suppression-without-reason",
		Title:     "Suppression comment without a reason",
		Severity:  analyzer.Warning,
		Precision: analyzer.VeryHigh,
		Tags:      []string{"suppression"},
		WhatItDoes: "Reports `djleak: ignore[...]` and `djleak: ignore-file[...]` comments that give no " +
			"reason after ` -- `, and ones that name no rule.",
		WhyBad: "A suppressed security finding is a decision someone made; without the reason, the next " +
			"reader cannot tell an accepted risk from a silenced true positive. Suppressions without a " +
			"rule list would hide every future finding on that line.",
		Example: `
-- app/views.py --
def view(request):
    return request.META.get("HTTP_X_CLIENT_DN")  # djleak: ignore[DJL301]
`,
		UseInstead: `
-- app/views.py --
def view(request):
    return request.META.get("HTTP_X_CLIENT_DN")  # djleak: ignore[DJL301] -- only reachable over the mTLS socket
`,
		Requires: []analyzer.Requirement{analyzer.SuppressionsPass},
		Run: func(ctx *analyzer.Context) {
			for _, s := range ctx.Project.Suppressions() {
				switch {
				case len(s.Rules) == 0:
					ctx.Report(analyzer.Finding{Location: s.Loc, Message: "suppression names no rule: write `djleak: ignore[ID] -- reason`", Key: "norule"})
				case s.Reason == "":
					ctx.Report(analyzer.Finding{Location: s.Loc,
						Message: fmt.Sprintf("suppression of %s gives no reason: add ` -- why this is safe`", strings.Join(s.Rules, ", ")),
						Key:     "noreason " + strings.Join(s.Rules, ",")})
				}
			}
		},
	})
}
