package rules

import (
	"fmt"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/analyzer/settings"
	"github.com/djleak/djleak/parsers/python"
)

func init() {
	register(&analyzer.Rule{
		ID:        "DJL407",
		Name:      "proxy-ssl-header-spoofable",
		Title:     "`SECURE_PROXY_SSL_HEADER` trusts a header nginx lets clients set",
		Severity:  analyzer.Error,
		CWE:       []int{348, 807},
		Precision: analyzer.High,
		WhatItDoes: "Reads `SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')` from production settings " +
			"and checks, at every nginx location that passes requests to the application, what the " +
			"application receives in that header. Reports the setting when some location does not set the " +
			"header (so the client's own header passes), sets it from a value the client chooses " +
			"(`$http_x_forwarded_proto`), passes an underscore spelling of it (`underscores_in_headers on`), " +
			"or hard-codes `https` in a server that accepts plain HTTP. The nginx locations are related " +
			"locations of the finding.",
		WhyBad: "Django believes the request came over HTTPS whenever that header has that value. If nginx " +
			"does not overwrite it, any client — or an attacker rewriting a victim's plain-HTTP request — can " +
			"send `X-Forwarded-Proto: https`: `request.is_secure()` becomes true for a plain-HTTP request, " +
			"`SECURE_SSL_REDIRECT` no longer redirects it (SSL stripping stays invisible to the app), and code " +
			"that only hands out tokens or sets cookies over HTTPS does so in clear text.",
		Example: `
-- mysite/settings.py --
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
-- nginx/site.conf --
server {
    listen 80;
    listen 443 ssl;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header Host $host;
    }
}
`,
		UseInstead: `
-- mysite/settings.py --
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
-- nginx/site.conf --
server {
    listen 80;
    listen 443 ssl;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-Proto $scheme;
    }
}
`,
		Notes: settingsNotes + frontNote + `

The check needs the nginx configuration: when the project has none (or nginx passes nothing to
the application), djleak cannot know what the proxy in front sets and does not report — Django's
` + "`check --deploy`" + ` has no counterpart either. uwsgi, FastCGI and SCGI upstreams are
checked through ` + "`uwsgi_param HTTP_X_FORWARDED_PROTO …`" + ` and friends.`,
		Requires: []analyzer.Requirement{settings.Pass, frontend.Pass, appFrontPass},
		Run:      runProxySSLHeader,
	})
}

func runProxySSLHeader(ctx *analyzer.Context) {
	front := frontOf(ctx)
	if len(front.routes) == 0 {
		return
	}
	for _, m := range judgedModules(ctx) {
		s := m.Get("SECURE_PROXY_SSL_HEADER")
		if s == nil || !s.Known || s.Undecided || (s.Value.Kind != python.Tuple && s.Value.Kind != python.List) || len(s.Value.Elems) != 2 {
			continue
		}
		k, v := s.Value.Elems[0], s.Value.Elems[1]
		if k.Kind != python.Str || v.Kind != python.Str {
			continue
		}
		key, want := strings.ToUpper(k.Str), v.Str
		header := headerName(key)
		var related []analyzer.Related
		var why []string
		spoofable := 0
		for _, r := range front.routes {
			got := r.Lookup(key)
			where := routeWhere(r)
			front := r.Front.Title()
			setHere := got.At.Path != "" && got.Written == ""
			switch {
			case got.Source == frontend.Forgeable && !setHere:
				msg := fmt.Sprintf("%s %s does not set %s, so the client's own header reaches the application", front, where, header)
				switch {
				case got.Written != "":
					msg = fmt.Sprintf("%s %s sets `%s`, and a client's `%s` reaches the application as the same %s key", front, where, got.Written, header, key)
				case len(got.Shadowed) > 0:
					msg = fmt.Sprintf("%s %s sets its own %s, so the %s set at :%d is not inherited and the client's own header reaches the application",
						front, where, r.HeaderDirective, header, got.Shadowed[0].Start.Line)
				}
				related = append(related, analyzer.Related{Location: r.At, Message: msg})
				why = append(why, "does not set it")
				spoofable++
			case got.Source == frontend.Forgeable:
				related = append(related, analyzer.Related{Location: got.At,
					Message: fmt.Sprintf("%s %s sets %s from a value the client chooses (%s)", front, where, header, got.Value)})
				why = append(why, "sets it from a client-chosen value")
				spoofable++
			case got.Underscore != nil:
				related = append(related, analyzer.Related{Location: *got.Underscore,
					Message: fmt.Sprintf("%s %s accepts header names with underscores, so a client's %s reaches the application as %s too", front, where, strings.ReplaceAll(header, "-", "_"), key)})
				why = append(why, "passes an underscore spelling of it")
				spoofable++
			case got.At.Path != "" && strings.EqualFold(got.Value, want) && r.AcceptsPlain() && r.RedirectsHTTPS == nil:
				related = append(related, analyzer.Related{Location: got.At,
					Message: fmt.Sprintf("%s %s accepts plain HTTP but always sends %s: %s", front, where, header, want)})
				why = append(why, "marks plain-HTTP requests as "+want)
			}
		}
		if len(related) == 0 {
			continue
		}
		consequence := "a client (or an attacker rewriting a plain-HTTP request) can claim HTTPS, so request.is_secure() is true " +
			"and SECURE_SSL_REDIRECT does not redirect"
		if spoofable == 0 {
			consequence = "plain-HTTP requests reach Django marked as HTTPS, so request.is_secure() is true and SECURE_SSL_REDIRECT does not redirect them"
		}
		ctx.Report(analyzer.Finding{
			Location: s.Loc,
			Message: fmt.Sprintf("SECURE_PROXY_SSL_HEADER makes Django trust `%s: %s`%s, but %s %s at %d of %d %s that pass "+
				"requests to the application: %s",
				header, want, inherited(m, s), frontTitles(frontModel(ctx.Project)), orListUnique(why), len(related), len(front.routes), routeNoun(frontModel(ctx.Project)), consequence),
			Related: related,
			Key:     settingKey(m, "SECURE_PROXY_SSL_HEADER"),
		})
	}
}

func orListUnique(items []string) string {
	seen := map[string]bool{}
	var out []string
	for _, i := range items {
		if !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	switch len(out) {
	case 0:
		return ""
	case 1:
		return out[0]
	}
	return strings.Join(out[:len(out)-1], ", ") + " or " + out[len(out)-1]
}
