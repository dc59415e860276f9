package rules

import (
	"fmt"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/settings"
)

// truthyDangerous are boolean settings that must not turn on by accident.
var truthyDangerous = []string{"DEBUG", "DEBUG_PROPAGATE_EXCEPTIONS", "TEMPLATE_DEBUG", "CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL"}

func init() {
	register(&analyzer.Rule{
		ID:        "DJL225",
		Name:      "env-string-as-boolean",
		Title:     "Boolean setting takes an environment variable's raw string",
		Severity:  analyzer.Error,
		CWE:       []int{704, 489},
		Precision: analyzer.VeryHigh,
		WhatItDoes: "Reports production settings where `DEBUG`, `DEBUG_PROPAGATE_EXCEPTIONS`, " +
			"`CORS_ALLOW_ALL_ORIGINS` or `CORS_ORIGIN_ALLOW_ALL` is an environment variable read without a " +
			"conversion: `os.environ.get('DEBUG', False)`, `os.getenv('DEBUG')`, `env('DEBUG', default=False)` " +
			"(django-environ without `cast`/`.bool`), `config('DEBUG', default=False)` (python-decouple without " +
			"`cast=bool`).",
		WhyBad: "Once the variable is set, the setting is a string, and every non-empty string is true: the " +
			"operator who writes `DEBUG=False` or `DEBUG=0` into the environment to turn debugging off turns it " +
			"on. The default (variable unset) looks right, so the mistake survives review and testing.",
		Example: `
-- mysite/settings.py --
import os

INSTALLED_APPS = []
DEBUG = os.environ.get("DEBUG", False)
`,
		UseInstead: `
-- mysite/settings.py --
import os

INSTALLED_APPS = []
DEBUG = os.environ.get("DEBUG", "false").lower() in ("1", "true", "yes")
`,
		Notes: settingsNotes + `

Django's ` + "`check --deploy`" + ` agrees once the variable is set: the oracle test runs the fixture
with ` + "`DEBUG=False`" + ` and Django reports ` + "`security.W018`" + `.`,
		Requires: []analyzer.Requirement{settings.Pass},
		Run: func(ctx *analyzer.Context) {
			for _, m := range judgedModules(ctx) {
				for _, name := range truthyDangerous {
					s := m.Get(name)
					if s == nil || !s.EnvString || s.Env == "" || s.Undecided {
						continue
					}
					ctx.Report(analyzer.Finding{
						Location: s.Loc,
						Message: fmt.Sprintf("%s is `%s`%s: once %s is set its value is a string, and every non-empty string is true — "+
							"%s=False or %s=0 in the environment turns %s on", name, shortText(s.Expr.Text), inherited(m, s), s.Env, s.Env, s.Env, name),
						Related: whyJudged(m),
						Key:     settingKey(m, name+" env string"),
					})
				}
			}
		},
	})
}

func shortText(t string) string {
	t = strings.Join(strings.Fields(t), " ")
	if len(t) > 80 {
		return t[:77] + "..."
	}
	return t
}
