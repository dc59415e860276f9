package rules

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/ngxmodel"
	"github.com/djleak/djleak/parsers/nginx"
	"github.com/djleak/djleak/parsers/source"
)

func init() {
	register(&analyzer.Rule{
		ID:        "NGX301",
		Name:      "secrets-in-access-log",
		Title:     "Access log format records credentials",
		Severity:  analyzer.Warning,
		CWE:       []int{532},
		Precision: analyzer.High,
		WhatItDoes: "Reports variables in a `log_format` that carry credentials — `$http_authorization`, " +
			"`$http_proxy_authorization`, `$http_cookie`, `$cookie_*`, request headers whose name mentions " +
			"a token, key, secret, password, session or auth (`$http_x_api_key`, `$http_x_auth_token`), " +
			"query arguments named like a credential (`$arg_token`, `$arg_access_token`, `$arg_api_key`, " +
			"`$arg_password`, `$arg_code`, `$arg_sig`, …), `$request_body`, and the `Set-Cookie` response " +
			"header (`$sent_http_set_cookie`) — when an `access_log` that is not `off` uses the format. " +
			"The finding points at the variable inside the format.",
		WhyBad: "nginx writes the variable's value for every request into the access log, in clear text. " +
			"Bearer tokens, API keys, session cookies, OAuth authorization codes, signed-URL signatures and " +
			"form passwords in request bodies then sit in log files that are rotated, shipped to log " +
			"collectors, kept for months and readable by far more people and systems than the " +
			"application's credential store; anyone who can read a log line can replay the credential.",
		Example: `
-- nginx/nginx.conf --
http {
    log_format debug '$remote_addr [$time_local] "$request" $status '
                     '"$http_authorization"';
    access_log /var/log/nginx/access.log debug;
    server {
        listen 80;
        location / {
            proxy_pass http://127.0.0.1:8000;
        }
    }
}
`,
		UseInstead: `
-- nginx/nginx.conf --
http {
    log_format main '$remote_addr [$time_local] "$request" $status '
                    '$request_time $upstream_response_time';
    access_log /var/log/nginx/access.log main;
    server {
        listen 80;
        location / {
            proxy_pass http://127.0.0.1:8000;
        }
    }
}
`,
		Notes: "Formats that no `access_log` uses are not reported. `$request` and `$request_uri` (part of " +
			"the standard `combined` format) are left to NGX302, which reports them where the Django code " +
			"accepts credentials from the query string. If a header must be correlated in logs, log a hash computed upstream " +
			"rather than the value.",
		Requires: []analyzer.Requirement{ngxmodel.Pass},
		Run:      runSecretsInAccessLog,
	})
}

func runSecretsInAccessLog(ctx *analyzer.Context) {
	model := analyzer.Fact(ctx.Project, ngxmodel.Pass)
	var formats []*nginx.Directive
	used := map[string][]*nginx.Directive{}
	for _, main := range model.Mains {
		main.Walk(func(s *ngxmodel.Scope) {
			if ngxmodel.InStream(s) {
				return // stream log formats have no request variables
			}
			for _, d := range s.Own("log_format") {
				if len(d.Args) > 1 {
					formats = append(formats, d)
				}
			}
			// A level with `access_log off` writes none of its logs.
			logs := s.Own("access_log")
			if ngxmodel.LogsOff(logs) {
				return
			}
			for _, d := range logs {
				name := ngxmodel.AccessLogFormat(d)
				used[name] = append(used[name], d)
			}
		})
	}
	done := map[string]bool{}
	for _, f := range formats {
		name := f.Arg(0)
		logs := used[name]
		if len(logs) == 0 {
			continue
		}
		for _, v := range ngxmodel.LogFormatVars(f) {
			what, ok := secretLogVar(v)
			if !ok {
				continue
			}
			loc := directiveVarLoc(f, v)
			k := fmt.Sprintf("%s:%d:%d:%s", loc.Path, loc.Start.Line, loc.Start.Column, v)
			if done[k] {
				continue
			}
			done[k] = true
			var related []analyzer.Related
			for _, l := range logs {
				related = append(related, analyzer.Related{Location: l.Loc, Message: fmt.Sprintf("`access_log` writes format %s here", name)})
			}
			ctx.Report(analyzer.Finding{
				Location: loc,
				Message: fmt.Sprintf("log_format %s writes $%s (%s) to the access log (`access_log %s` at %s): "+
					"its value for every request is stored in clear text for anyone who can read the logs",
					name, v, what, logs[0].Arg(0), where(logs[0], loc.Path)),
				Related: related,
				Key:     "log_format " + name + " $" + v,
			})
		}
	}
}

// logCredentialWords mark a header name as carrying a credential.
var logCredentialWords = []string{"token", "secret", "auth", "key", "password", "passwd", "session", "jwt", "signature", "credential"}

// logCredentialArgs are query argument names (or name parts) that carry
// credentials.
var logCredentialArgs = map[string]bool{
	"token": true, "access_token": true, "refresh_token": true, "id_token": true, "api_key": true, "apikey": true,
	"key": true, "secret": true, "client_secret": true, "password": true, "passwd": true, "pwd": true, "jwt": true,
	"code": true, "signature": true, "sig": true, "auth": true, "session": true, "sessionid": true,
}

// secretLogVar reports whether nginx variable v (without '$') carries a
// credential, and describes it.
func secretLogVar(v string) (string, bool) {
	switch {
	case v == "http_authorization":
		return "the Authorization request header", true
	case v == "http_proxy_authorization":
		return "the Proxy-Authorization request header", true
	case v == "http_cookie":
		return "every request cookie, session cookies included", true
	case v == "request_body":
		return "the request body, with form passwords and API payloads", true
	case v == "sent_http_set_cookie", v == "upstream_http_set_cookie":
		return "the Set-Cookie response header", true
	case strings.HasPrefix(v, "cookie_"):
		return fmt.Sprintf("the %s cookie", strings.TrimPrefix(v, "cookie_")), true
	case strings.HasPrefix(v, "http_"):
		h := strings.TrimPrefix(v, "http_")
		if strings.HasPrefix(h, "sec_websocket_") {
			return "", false // WebSocket handshake nonces, not credentials
		}
		for _, w := range logCredentialWords {
			if strings.Contains(h, w) {
				return fmt.Sprintf("the %s request header", logHeaderLabel(h)), true
			}
		}
	case strings.HasPrefix(v, "arg_"):
		a := strings.TrimPrefix(v, "arg_")
		if logCredentialArgs[a] {
			return fmt.Sprintf("the %q query argument", a), true
		}
		for _, p := range strings.FieldsFunc(a, func(r rune) bool { return r == '_' || r == '-' }) {
			if logCredentialArgs[p] {
				return fmt.Sprintf("the %q query argument", a), true
			}
		}
	}
	return "", false
}

// logHeaderLabel turns a variable's header part into a header name:
// x_api_key → X-Api-Key.
func logHeaderLabel(h string) string {
	parts := strings.Split(h, "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "-")
}

// directiveVarLoc finds variable v (as $v or ${v}) inside directive d's text;
// it falls back to the whole directive.
func directiveVarLoc(d *nginx.Directive, v string) source.Location {
	f := d.File
	if f == nil || d.Loc.End.Offset > len(f.Content) || d.Loc.Start.Offset >= d.Loc.End.Offset {
		return d.Loc
	}
	text := bytes.ToLower(f.Content[d.Loc.Start.Offset:d.Loc.End.Offset])
	for _, pat := range []string{"$" + v, "${" + v + "}"} {
		from := 0
		for {
			i := bytes.Index(text[from:], []byte(pat))
			if i < 0 {
				break
			}
			start := from + i
			end := start + len(pat)
			if pat[1] == '{' || end >= len(text) || !logVarChar(text[end]) {
				return f.Span(d.Loc.Start.Offset+start, d.Loc.Start.Offset+end)
			}
			from = end
		}
	}
	return d.Loc
}

func logVarChar(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}
