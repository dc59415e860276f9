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
		ID:        "DJL222",
		Name:      "logging-writes-request-data",
		Title:     "`LOGGING` writes request headers or request data to its handlers",
		Severity:  analyzer.Warning,
		CWE:       []int{532},
		Precision: analyzer.High,
		WhatItDoes: "Reads the `LOGGING` dict of production settings (with later `LOGGING[...] = …` and " +
			"`.update(...)` edits) and reports: a formatter used by an attached handler whose format string " +
			"writes request data — `%(request)s`, `%(headers)s`, `%(request_headers)s`, `%(META)s`, " +
			"`%(cookies)s`, `%(body)s` (also in `{}` and `$` style); a JSON formatter (python-json-logger and " +
			"similar serialise every `extra` field) on an attached handler while application code logs request " +
			"headers, cookies or META in `extra`; and the `django.request` logger working at DEBUG level with a " +
			"file, syslog, socket or HTTP handler. Code that passes request data in `extra` is shown as related " +
			"locations, with the header names its comprehension leaves out.",
		WhyBad: "Request headers carry the credentials: `Cookie` (the session), `Authorization` (bearer tokens, " +
			"basic-auth passwords), `X-Api-Key`; the query string carries tokens in links. Written to a log " +
			"file they are readable by everyone with access to the logs, the log shipper and its storage, and " +
			"they outlive the session they belong to. At DEBUG level, request-logging middleware such as " +
			"django-request-logging writes every request's headers and body to `django.request`.",
		Example: `
-- mysite/settings.py --
INSTALLED_APPS = []
LOGGING = {
    "version": 1,
    "formatters": {"verbose": {"format": "%(asctime)s %(message)s %(headers)s"}},
    "handlers": {"file": {"class": "logging.FileHandler", "filename": "/var/log/app.log", "formatter": "verbose"}},
    "loggers": {"mysite": {"handlers": ["file"], "level": "INFO"}},
}
`,
		UseInstead: `
-- mysite/settings.py --
INSTALLED_APPS = []
LOGGING = {
    "version": 1,
    "formatters": {"verbose": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"file": {"class": "logging.FileHandler", "filename": "/var/log/app.log", "formatter": "verbose"}},
    "loggers": {"mysite": {"handlers": ["file"], "level": "INFO"}},
}
`,
		Notes: settingsNotes + `

Only formatters of handlers that some logger (or ` + "`root`" + `) uses are reported; a JSON formatter
only when the project's code puts request data into ` + "`extra`" + `. Console (stream) handlers are
not counted for the DEBUG-level check. Each ` + "`LOGGING`" + ` value is reported once, also when several
production modules inherit it. Django's ` + "`check --deploy`" + ` has no counterpart.`,
		Requires: []analyzer.Requirement{settings.Pass, settings.RequestExtrasPass, analyzer.PythonModules},
		Run:      runLoggingRequestData,
	})
}

// persistentHandler reports whether a handler class writes somewhere that
// keeps the records (not the console).
func persistentHandler(class string) bool {
	c := strings.ToLower(class)
	for _, s := range []string{"filehandler", "sysloghandler", "sockethandler", "datagramhandler", "httphandler", "ntevent", "smtphandler"} {
		if strings.Contains(c, s) {
			return true
		}
	}
	return false
}

func handlerSink(h *settings.LogHandler) string {
	class := h.Class
	if i := strings.LastIndexByte(class, '.'); i >= 0 {
		class = class[i+1:]
	}
	s := fmt.Sprintf("handler '%s'", h.Name)
	if class != "" {
		s += " (" + class
		if h.Filename != "" {
			s += " to " + h.Filename
		}
		s += ")"
	}
	return s
}

var fieldExplain = map[string]string{
	"request":  "Django attaches the request to django.request and django.security records, and it renders with the full path and query string (tokens in links)",
	"headers":  "whatever headers the code passes in `extra` — Cookie and Authorization included unless the code leaves them out",
	"cookies":  "the cookies the code passes in `extra`, the session cookie among them",
	"body":     "request bodies: passwords and tokens posted by forms and API clients",
	"meta":     "request.META: every header, HTTP_COOKIE and HTTP_AUTHORIZATION included",
	"environ":  "the WSGI environ: every header, HTTP_COOKIE and HTTP_AUTHORIZATION included",
	"authhead": "the Authorization header: bearer tokens and basic-auth passwords",
}

func explainField(f string) string {
	switch strings.ToLower(f) {
	case "request":
		return fieldExplain["request"]
	case "cookies", "cookie":
		return fieldExplain["cookies"]
	case "body", "request_body":
		return fieldExplain["body"]
	case "meta", "request_meta":
		return fieldExplain["meta"]
	case "environ":
		return fieldExplain["environ"]
	case "authorization":
		return fieldExplain["authhead"]
	}
	return fieldExplain["headers"]
}

// extraRelated describes code that logs request data in `extra`.
func extraRelated(extras []settings.LogExtra, key string) []analyzer.Related {
	var out []analyzer.Related
	for _, x := range extras {
		if key != "" && !strings.EqualFold(x.Key, key) {
			continue
		}
		msg := fmt.Sprintf("this call logs request data as extra '%s'", x.Key)
		if len(x.Excluded) > 0 {
			msg += fmt.Sprintf(", leaving out only %s", quoteList(x.Excluded))
		}
		out = append(out, analyzer.Related{Location: x.Loc, Message: msg})
	}
	return out
}

func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = "'" + s + "'"
	}
	return strings.Join(q, ", ")
}

// loggingConfigs returns each distinct LOGGING of the given modules once,
// with the first module that uses it.
func loggingConfigs(ctx *analyzer.Context, mods []*settings.Module) []loggingUse {
	seen := map[string]bool{}
	var out []loggingUse
	for _, m := range mods {
		lg := m.Logging(ctx.Project)
		if lg == nil {
			continue
		}
		k := fmt.Sprintf("%s:%d:%d", lg.Setting.Loc.Path, lg.Setting.Loc.Start.Offset, len(lg.Setting.Patches))
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, loggingUse{m: m, lg: lg})
	}
	return out
}

type loggingUse struct {
	m  *settings.Module
	lg *settings.Logging
}

func runLoggingRequestData(ctx *analyzer.Context) {
	// The calls are looked for only when some configuration needs them.
	extras := func() []settings.LogExtra { return analyzer.Fact(ctx.Project, settings.RequestExtrasPass) }
	for _, use := range loggingConfigs(ctx, judgedModules(ctx)) {
		m, lg := use.m, use.lg
		// Formatters of attached handlers.
		reported := map[string]bool{}
		for _, h := range lg.AttachedHandlers() {
			f := lg.Formatters[h.Formatter]
			if f == nil || reported[f.Name] {
				continue
			}
			var fields []string
			for _, fl := range f.Fields() {
				if settings.RequestDataField(fl) {
					fields = append(fields, fl)
				}
			}
			loggers := lg.LoggersUsing(h.Name)
			var names []string
			for _, l := range loggers {
				n := l.Name
				if n == "" {
					n = "root"
				}
				names = append(names, "'"+n+"'")
			}
			via := fmt.Sprintf("%s, used by %s %s", handlerSink(h), map[bool]string{true: "logger", false: "loggers"}[len(names) == 1], strings.Join(names, ", "))
			if len(fields) > 0 {
				reported[f.Name] = true
				var parts []string
				var related []analyzer.Related
				for _, fl := range fields {
					parts = append(parts, fmt.Sprintf("%s — %s", fieldRef(f, fl), explainField(fl)))
					related = append(related, extraRelated(extras(), fl)...)
				}
				related = append(related, analyzer.Related{Location: h.Loc, Message: "the formatter writes through " + via})
				ctx.Report(analyzer.Finding{
					Location: f.FormatLoc,
					Message:  fmt.Sprintf("LOGGING formatter '%s' writes request data to %s: %s", f.Name, via, strings.Join(parts, "; ")),
					Related:  related,
					Key:      settingKey(m, "LOGGING formatter "+f.Name),
				})
				continue
			}
			if f.JSON() && len(extras()) > 0 {
				reported[f.Name] = true
				ctx.Report(analyzer.Finding{
					Location: f.Loc,
					Message: fmt.Sprintf("LOGGING formatter '%s' (%s) serialises every `extra` field, so the request data the code logs in extra %s "+
						"reaches %s in full: Cookie and Authorization included unless the code leaves them out", f.Name, f.Class, quoteList(extraKeys(extras())), via),
					Related: append(extraRelated(extras(), ""), analyzer.Related{Location: h.Loc, Message: "the formatter writes through " + via}),
					Key:     settingKey(m, "LOGGING formatter "+f.Name),
				})
			}
		}
		// django.request at DEBUG to a persistent handler.
		level, setBy := lg.EffectiveLevel("django.request")
		if level != "DEBUG" || setBy == nil {
			continue
		}
		var sinks []string
		var related []analyzer.Related
		for _, hu := range lg.HandlersFor("django.request") {
			if !persistentHandler(hu.Handler.Class) || (hu.Handler.Level != "" && hu.Handler.Level != "DEBUG" && hu.Handler.Level != "NOTSET") {
				continue
			}
			sinks = append(sinks, handlerSink(hu.Handler))
			related = append(related, analyzer.Related{Location: hu.Handler.Loc, Message: fmt.Sprintf("%s receives django.request records at DEBUG level", handlerSink(hu.Handler))})
		}
		if len(sinks) == 0 {
			continue
		}
		sort.Strings(sinks)
		who := "request-logging middleware (django-request-logging and similar) logs every request's headers and body there at DEBUG"
		if present, _ := m.Contains("MIDDLEWARE", "request_logging.middleware.LoggingMiddleware", nil); present {
			who = "MIDDLEWARE has request_logging.middleware.LoggingMiddleware, which logs every request's headers (Cookie included) and body there at DEBUG"
		}
		loggerName := setBy.Name
		if loggerName == "" {
			loggerName = "root"
		}
		loc := setBy.LevelLoc
		if loc.Path == "" {
			loc = setBy.Loc
		}
		ctx.Report(analyzer.Finding{
			Location: loc,
			Message:  fmt.Sprintf("django.request works at DEBUG level (set on logger '%s') and writes to %s: %s", loggerName, strings.Join(sinks, ", "), who),
			Related:  related,
			Key:      settingKey(m, "LOGGING django.request DEBUG"),
		})
	}
}

func fieldRef(f *settings.LogFormatter, field string) string {
	switch f.Style {
	case "{":
		return "{" + field + "}"
	case "$":
		return "${" + field + "}"
	}
	return "%(" + field + ")s"
}

func extraKeys(extras []settings.LogExtra) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range extras {
		if !seen[x.Key] {
			seen[x.Key] = true
			out = append(out, x.Key)
		}
	}
	sort.Strings(out)
	return out
}
