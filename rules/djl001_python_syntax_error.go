package rules

import "github.com/djleak/djleak/analyzer"

func init() {
	register(&analyzer.Rule{
		ID:        "DJL001",
		Name:      "python-syntax-error",
		Title:     "Python file could not be parsed",
		Severity:  analyzer.Error,
		Precision: analyzer.VeryHigh,
		Tags:      []string{"parse-error"},
		WhatItDoes: "Reports Python syntax errors. djleak still analyses the parts of the file it could " +
			"parse, but findings in and around the broken code may be missed.",
		WhyBad: "A file djleak cannot read fully is a file whose token handling and identity checks are " +
			"not fully verified. The error is reported instead of skipping the file silently.",
		Example: `
-- app/views.py --
def view(request:
    return None
`,
		UseInstead: `
-- app/views.py --
def view(request):
    return None
`,
		Requires: []analyzer.Requirement{analyzer.PythonModules, analyzer.SyntaxErrorsFact},
		Run: func(ctx *analyzer.Context) {
			for _, m := range ctx.Project.Python {
				for _, e := range analyzer.SyntaxErrors(ctx.Project, m) {
					ctx.Report(analyzer.Finding{Location: e.Loc, Message: e.Message, Key: e.Message})
				}
			}
		},
	})
}
