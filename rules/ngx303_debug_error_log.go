package rules

import (
	"fmt"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/ngxmodel"
	"github.com/djleak/djleak/parsers/nginx"
)

func init() {
	register(&analyzer.Rule{
		ID:        "NGX303",
		Name:      "debug-error-log",
		Title:     "nginx debug logging writes credentials to the error log",
		Severity:  analyzer.Warning,
		CWE:       []int{532},
		Precision: analyzer.High,
		WhatItDoes: "Reports `error_log` at the `debug` level — in the main context, `http`, a `server`, a " +
			"`location` — and `debug_connection` in `events`, outside `stream` and `mail`.",
		WhyBad: "nginx packages are built with debug logging (Debian's are), and at the `debug` level nginx " +
			"writes every request line with its query string and, for `error_log` in the main context, " +
			"`http` or a `server`, every request header as received — `Authorization`, `Cookie`, API keys. " +
			"At `location` level it still writes the query string and every header it sends to the " +
			"application, forwarded `Authorization` and identity headers included. A debug level set while " +
			"troubleshooting and left in place puts every credential of every request into a log file.",
		Example: `
-- nginx/site.conf --
server {
    listen 443 ssl;
    server_name api.example.com;
    error_log /var/log/nginx/api.error.log debug;
    location / {
        proxy_pass http://127.0.0.1:8000;
    }
}
`,
		UseInstead: `
-- nginx/site.conf --
server {
    listen 443 ssl;
    server_name api.example.com;
    error_log /var/log/nginx/api.error.log warn;
    location / {
        proxy_pass http://127.0.0.1:8000;
    }
}
`,
		Notes: "To debug one client, prefer a short-lived `debug_connection` on a test instance, and delete the " +
			"log afterwards; djleak reports that too, so that it is not committed. A test runs a real nginx " +
			"at each level and context and checks which error logs receive an `Authorization` header.",
		Requires: []analyzer.Requirement{ngxmodel.Pass},
		Run:      runDebugErrorLog,
	})
}

func runDebugErrorLog(ctx *analyzer.Context) {
	model := analyzer.Fact(ctx.Project, ngxmodel.Pass)
	for _, main := range model.Mains {
		main.Walk(func(s *ngxmodel.Scope) {
			if ngxmodel.InStream(s) {
				return
			}
			for _, d := range s.Own("error_log") {
				if !debugLevel(d) {
					continue
				}
				what := "every request line with its query string and every request header as received " +
					"(Authorization, Cookie, API keys)"
				if ngxmodel.Location(s) != nil {
					what = "every request URI with its query string and every header nginx sends to the " +
						"application (a forwarded Authorization header and identity headers included)"
				}
				in := s.Label()
				switch s.Kind {
				case "main":
					in = "the main context"
				case "server":
					in = ngxServerDesc(s)
				}
				ctx.Report(analyzer.Finding{
					Location: d.Loc,
					Message: fmt.Sprintf("`error_log %s` at the debug level in %s writes %s to the log in clear text; "+
						"use `warn` or `error` outside a debugging session", d.Arg(0), in, what),
					Key: fmt.Sprintf("%s error_log %s debug", s.Label(), d.Arg(0)),
				})
			}
		})
		nginx.Walk(main.Config.Directives, func(d *nginx.Directive) bool {
			switch d.Name {
			case "stream", "mail", "http":
				return false
			case "debug_connection":
				ctx.Report(analyzer.Finding{
					Location: d.Loc,
					Message: fmt.Sprintf("`debug_connection %s` turns on debug logging for those clients: the error "+
						"log then receives their request lines, query strings and request headers "+
						"(Authorization, Cookie) in clear text", d.Arg(0)),
					Key: "debug_connection " + d.Arg(0),
				})
			}
			return true
		})
	}
}

// debugLevel reports whether an error_log directive logs at a debug level
// (`debug`, or the old per-module `debug_http`, …).
func debugLevel(d *nginx.Directive) bool {
	for i, a := range d.Args {
		if i > 0 && strings.HasPrefix(a, "debug") {
			return true
		}
	}
	return false
}
