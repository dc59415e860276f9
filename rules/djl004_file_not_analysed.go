package rules

import "github.com/djleak/djleak/analyzer"

func init() {
	register(&analyzer.Rule{
		ID:        "DJL004",
		Name:      "file-not-analysed",
		Title:     "File could not be analysed",
		Severity:  analyzer.Error,
		Precision: analyzer.VeryHigh,
		Tags:      []string{"tool-error"},
		WhatItDoes: "Reports Python files, Django templates, front-end and app-server configuration files (nginx, " +
			"Apache, HAProxy, Caddy, gunicorn, uwsgi, the requirement files that pin gunicorn) and directories that " +
			"djleak found but could not analyse at all: unreadable (permission denied), vanished while " +
			"the project was read, a broken symbolic link or a symbolic link loop, binary content (a NUL " +
			"byte), UTF-16 or UTF-32 text, or larger than `max-file-size` (default 4 MiB; set it in " +
			"`[tool.djleak]`). A file that could be read but does not parse is `DJL001` or `NGX001` " +
			"instead; an `include` that cannot be read is `NGX002` at the include.",
		WhyBad: "Nothing in such a file is checked, so a token leak or an unverified identity header in " +
			"it would go unreported. The file is reported instead of skipped silently, and the rest of " +
			"the project is still analysed.",
		Example: `
-- .djleak.toml --
max-file-size = 64
-- app/views.py --
from django.http import HttpResponse


def index(request):
    return HttpResponse("a view longer than the configured limit")
`,
		UseInstead: `
-- .djleak.toml --
max-file-size = "1MiB"
-- app/views.py --
from django.http import HttpResponse


def index(request):
    return HttpResponse("a view longer than the configured limit")
`,
		Run: func(ctx *analyzer.Context) {
			for _, na := range ctx.Project.NotAnalysed {
				msg := "not analysed: " + na.Reason
				ctx.Report(analyzer.Finding{Location: na.Loc, Message: msg, Key: msg})
			}
		},
	})
}
