package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/settings"
)

func init() {
	register(&analyzer.Rule{
		ID:        "DJL223",
		Name:      "ineffective-log-redaction",
		Title:     "Logging filter meant to hide secrets does not keep them out of the log",
		Severity:  analyzer.Warning,
		CWE:       []int{532, 184},
		Precision: analyzer.High,
		WhatItDoes: "Finds the filters of `LOGGING` that are meant to keep secrets out of the log — by their name " +
			"(`redact`, `mask`, `scrub`, `sanitize`, …) or because their code looks for `authorization`, " +
			"`cookie`, `x-api-key`, `token`, … — and reads their code: a `CallbackFilter`'s lambda or function, " +
			"or a filter class's `filter` method. It reports, in one message, each reason the filter does not " +
			"protect: the match is case-sensitive (`'Authorization: Bearer …'` does not contain " +
			"`'authorization'`, nor does request.META's `'HTTP_AUTHORIZATION'`; `'HTTP_X_API_KEY'` does not " +
			"contain `'x-api-key'`); it only looks at `record.getMessage()`, so values passed in `extra` (and " +
			"the exception text) are never inspected; it returns False to drop a record instead of redacting " +
			"it; no handler uses it; or it sits on a parent logger only, which never sees records propagated " +
			"from child loggers such as `django.request`. Code that logs request headers in `extra` is shown " +
			"as related locations.",
		WhyBad: "A redaction filter that does not redact is worse than none: everyone believes the logs are clean. " +
			"Secrets in a spelling the filter misses, or in `extra` fields a JSON formatter or a " +
			"`%(headers)s` format writes, go to the log in full, and the records it does catch vanish " +
			"entirely — including the error that needed investigating.",
		Example: `
-- mysite/settings.py --
INSTALLED_APPS = []
LOGGING = {
    "version": 1,
    "filters": {
        "redact_headers": {
            "()": "django.utils.log.CallbackFilter",
            "callback": lambda record: not any(h in record.getMessage() for h in ("authorization", "x-api-key", "cookie")),
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_headers"]}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "WARNING"}},
}
`,
		UseInstead: `
-- mysite/logfilters.py --
import re

SECRET = re.compile(r"(authorization|cookie|x-api-key)(\s*[:=]\s*)\S+", re.IGNORECASE)


class RedactFilter:
    def filter(self, record):
        record.msg = SECRET.sub(r"\1\2[redacted]", record.getMessage())
        record.args = ()
        headers = getattr(record, "headers", None)
        if headers:
            record.headers = {k: "[redacted]" if SECRET.match(k + ": x") else v for k, v in headers.items()}
        return True
-- mysite/settings.py --
INSTALLED_APPS = []
LOGGING = {
    "version": 1,
    "filters": {"redact": {"()": "mysite.logfilters.RedactFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "WARNING"}},
}
`,
		Notes: settingsNotes + `

Unlike the other settings rules, this one also reads development settings: a filter that
does not redact is a bug wherever it is, and development logs end up in bug reports and CI
artefacts. A filter that protects rewrites the record (` + "`record.msg`, `record.args`" + ` and the
` + "`extra`" + ` attributes it knows of), matches case-insensitively and in both spellings
(` + "`X-Api-Key`" + ` and ` + "`HTTP_X_API_KEY`" + `), returns True, and is attached to the handlers.
Filters whose code is not in the project (third-party classes) are judged by attachment
only. Each ` + "`LOGGING`" + ` value is reported once. Django's ` + "`check --deploy`" + ` has no counterpart.`,
		Requires: []analyzer.Requirement{settings.Pass, settings.RequestExtrasPass, analyzer.PythonModules},
		Run:      runIneffectiveRedaction,
	})
}

func runIneffectiveRedaction(ctx *analyzer.Context) {
	all := analyzer.Fact(ctx.Project, settings.Pass)
	var mods []*settings.Module
	for _, m := range all.Modules {
		if m.Judged() || m.Class == settings.Development {
			mods = append(mods, m)
		}
	}
	// The calls are looked for only when some configuration needs them.
	extras := func() []settings.LogExtra { return analyzer.Fact(ctx.Project, settings.RequestExtrasPass) }
	for _, use := range loggingConfigs(ctx, mods) {
		m, lg := use.m, use.lg
		names := make([]string, 0, len(lg.Filters))
		for n := range lg.Filters {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			f := lg.Filters[name]
			fc := settings.FilterCodeOf(ctx.Project, f)
			if !settings.MeantToRedact(f, fc) {
				continue
			}
			var flaws []string
			var related []analyzer.Related
			var handlers []*settings.LogHandler
			for _, h := range lg.Handlers {
				for _, fn := range h.Filters {
					if fn == name {
						handlers = append(handlers, h)
					}
				}
			}
			sort.Slice(handlers, func(i, j int) bool { return handlers[i].Name < handlers[j].Name })
			var loggers []*settings.LogLogger
			for _, l := range lg.Loggers {
				for _, fn := range l.Filters {
					if fn == name {
						loggers = append(loggers, l)
					}
				}
			}
			sort.Slice(loggers, func(i, j int) bool { return loggers[i].Name < loggers[j].Name })
			for _, h := range handlers {
				related = append(related, analyzer.Related{Location: h.Loc, Message: fmt.Sprintf("handler '%s' applies this filter", h.Name)})
			}
			switch {
			case len(handlers) == 0 && len(loggers) == 0:
				flaws = append(flaws, "no handler or logger lists it in 'filters', so it filters nothing")
			case len(handlers) == 0:
				parentOnly := true
				var lnames []string
				for _, l := range loggers {
					n := l.Name
					if n == "" {
						n = "root"
					}
					lnames = append(lnames, "'"+n+"'")
					if l.Name != "" && l.Name != "django" {
						parentOnly = false
					}
					related = append(related, analyzer.Related{Location: l.Loc, Message: fmt.Sprintf("logger '%s' lists this filter", n)})
				}
				if parentOnly {
					flaws = append(flaws, fmt.Sprintf("it is attached only to logger %s, and a logger's filters never see records propagated "+
						"from child loggers, such as Django's django.request and django.security records", strings.Join(lnames, ", ")))
				}
			}
			attachFlaws := len(flaws)
			if fc != nil {
				if lits := fc.SensitiveLiterals(); !fc.FoldsCase && len(lits) > 0 {
					flaws = append(flaws, caseFlaw(lits))
				}
				if fc.OnlyMessage() {
					flaw := "it only checks record.getMessage(), so values passed in `extra` and the exception text are never inspected"
					if len(extras()) > 0 {
						x := extras()[0]
						flaw += fmt.Sprintf(" (%s:%d logs request headers as extra '%s'", x.Loc.Path, x.Loc.Start.Line, x.Key)
						if len(x.Excluded) > 0 {
							flaw += fmt.Sprintf(", leaving out only %s", quoteList(x.Excluded))
						}
						if pass := notExcluded(fc.SensitiveLiterals(), x.Excluded); len(pass) > 0 {
							quoted := make([]string, len(pass))
							for i, p := range pass {
								quoted[i] = "'" + p + "'"
							}
							flaw += fmt.Sprintf(": the %s it looks for %s there unchecked", andList(quoted), map[bool]string{true: "passes", false: "pass"}[len(pass) == 1])
						}
						flaw += ")"
						related = append(related, extraRelated(extras(), "")...)
					}
					flaws = append(flaws, flaw)
				}
				if !fc.Mutates {
					flaws = append(flaws, "it drops a matching record instead of redacting it, so the warning or error it "+
						"carried disappears from the log, while a secret in any record it misses is written in full")
				}
			}
			if len(flaws) == 0 {
				continue
			}
			// Report at the code when the code is at fault, else at the
			// LOGGING entry.
			loc := f.Loc
			if fc != nil && fc.Loc.Path != "" && len(flaws) > attachFlaws {
				loc = fc.Loc
			}
			var parts []string
			for i, fl := range flaws {
				parts = append(parts, fmt.Sprintf("(%d) %s", i+1, fl))
			}
			ctx.Report(analyzer.Finding{
				Location: loc,
				Message:  fmt.Sprintf("logging filter '%s' does not keep secrets out of the log: %s", name, strings.Join(parts, "; ")),
				Related:  related,
				Key:      settingKey(m, "LOGGING filter "+name),
			})
		}
	}
}

// notExcluded returns the literals an extra's comprehension does not leave
// out.
func notExcluded(lits, excluded []string) []string {
	var out []string
	for _, l := range lits {
		skip := false
		for _, e := range excluded {
			skip = skip || strings.EqualFold(l, e)
		}
		if !skip {
			out = append(out, l)
		}
	}
	return out
}

// caseFlaw explains, with the filter's own literals, which spellings a
// case-sensitive match misses.
func caseFlaw(lits []string) string {
	pick := lits[0]
	for _, l := range lits {
		if strings.Contains(strings.ToLower(l), "authorization") {
			pick = l
			break
		}
	}
	var examples []string
	title := titleHeader(pick)
	switch {
	case pick == strings.ToLower(pick) && title != pick:
		if strings.EqualFold(pick, "authorization") {
			examples = append(examples, "'Authorization: Bearer …'")
		} else {
			examples = append(examples, "'"+title+": …'")
		}
	case pick != strings.ToLower(pick):
		examples = append(examples, "HTTP/2's '"+strings.ToLower(pick)+": …'")
	}
	wsgi := "HTTP_" + strings.ToUpper(strings.ReplaceAll(pick, "-", "_"))
	if wsgi != pick {
		examples = append(examples, "request.META's '"+wsgi+"'")
	}
	out := fmt.Sprintf("the match is case-sensitive: %s do not contain '%s'", strings.Join(examples, " and "), pick)
	if len(examples) == 1 {
		out = fmt.Sprintf("the match is case-sensitive: %s does not contain '%s'", examples[0], pick)
	}
	for _, l := range lits {
		if strings.Contains(l, "-") && l != pick {
			out += fmt.Sprintf(", and '%s' does not contain '%s'", "HTTP_"+strings.ToUpper(strings.ReplaceAll(l, "-", "_")), l)
			break
		}
	}
	return out
}

// titleHeader spells a header name the way HTTP/1.1 clients send it
// (x-api-key → X-Api-Key).
func titleHeader(s string) string {
	parts := strings.Split(s, "-")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "-")
}
