package rules

import "github.com/djleak/djleak/analyzer"

func init() {
	register(&analyzer.Rule{
		ID:        "DJL003",
		Name:      "unused-suppression",
		Title:     "Suppression comment that suppresses nothing",
		Severity:  analyzer.Warning,
		Precision: analyzer.VeryHigh,
		Tags:      []string{"suppression"},
		WhatItDoes: "With `--report-unused-ignores` (on by default when the `CI` environment variable is " +
			"set), reports `djleak: ignore[...]` comments that matched no finding of the rules that ran.",
		WhyBad: "A stale suppression silently hides the next, real finding on that line. Remove " +
			"suppressions when the code they covered is fixed.",
		Example: `
-- app/views.py --
def view(request):
    return "ok"  # djleak: ignore[DJL301] -- read is guarded by the middleware
`,
		UseInstead: `
-- app/views.py --
def view(request):
    return "ok"
`,
		// The analyzer reports this rule after every other rule has run
		// (analyzer.RunWith with ReportUnused), since only then is it known
		// which suppressions were used.
		Run: func(*analyzer.Context) {},
	})
}
