package rules

import (
	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/appserver"
)

func init() {
	register(&analyzer.Rule{
		ID:        "WSG001",
		Name:      "uwsgi-config-unresolved",
		Title:     "uwsgi configuration loads a file or names a placeholder djleak cannot resolve",
		Severity:  analyzer.Warning,
		Precision: analyzer.High,
		Tags:      []string{"parse-error"},
		WhatItDoes: "Resolves every uwsgi configuration as uwsgi does — `ini`, `yaml` and `json` files and the " +
			"`ini` / `yaml` / `json` / `inherit` options that load others (`file:section` too), magic variables " +
			"(`%d`, `%n` …), `$(ENV)`, `@(file)` and `%(name)` placeholders — and reports a file it loads that " +
			"is not in the project, a section or JSON object the file lacks, a JSON file uwsgi cannot parse (or a " +
			"YAML file djleak cannot), files that load each other, an " +
			"include whose path depends on something djleak cannot know, and a `%(name)` placeholder that no " +
			"option of the configuration defines. The finding names the file and line of the option.",
		WhyBad: "uwsgi stops when a file it loads, or a JSON object it is told to read, is missing or does not " +
			"parse; a missing " +
			"ini or yaml section, or a placeholder no option defines (which uwsgi leaves as written, " +
			"`%(port)` and all), silently changes what runs. djleak cannot see the options of a file it " +
			"cannot read: listeners, sockets and request routes in it are missing from its model, so " +
			"findings may be missing or wrong.",
		Example: `
-- deploy/uwsgi.ini --
[uwsgi]
ini = %dcommon.ini
module = mysite.wsgi:application
http-socket = 127.0.0.1:%(port)
`,
		UseInstead: `
-- deploy/uwsgi.ini --
[uwsgi]
ini = %dcommon.ini
module = mysite.wsgi:application
http-socket = 127.0.0.1:%(port)
-- deploy/common.ini --
[uwsgi]
port = 8000
master = true
`,
		Notes: "Add the file to the project (or exclude the configuration from the scan), or define the " +
			"option the placeholder names.",
		Requires: []analyzer.Requirement{appserver.Pass},
		Run: func(ctx *analyzer.Context) {
			var ps []appserver.UWSGIProblem
			for _, s := range analyzer.Fact(ctx.Project, appserver.Pass) {
				if s.UWSGI != nil {
					ps = append(ps, s.UWSGI.Problems...)
				}
			}
			reportOnce(ctx, ps, func(p appserver.UWSGIProblem) analyzer.Finding {
				return analyzer.Finding{Location: p.At, Message: p.Msg + ".", Key: p.Msg}
			})
		},
	})
}
