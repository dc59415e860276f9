package rules

import (
	"fmt"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/ngxmodel"
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
		Notes: settingsNotes + `

The check needs the nginx configuration: when the project has none (or nginx passes nothing to
the application), djleak cannot know what the proxy in front sets and does not report — Django's
` + "`check --deploy`" + ` has no counterpart either. uwsgi, FastCGI and SCGI upstreams are
checked through ` + "`uwsgi_param HTTP_X_FORWARDED_PROTO …`" + ` and friends.`,
		Run: runProxySSLHeader,
	})
}

func runProxySSLHeader(ctx *analyzer.Context) {
	front := frontOf(ctx)
	if len(front.upstreams) == 0 {
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
		for _, u := range front.upstreams {
			got := u.Lookup(key)
			where := fmt.Sprintf("%s (%s)", u.Scope.Label(), u.Server.Label())
			switch {
			case got.Source == ngxmodel.FromClient:
				msg := fmt.Sprintf("nginx %s does not set %s, so the client's own header reaches the application", where, header)
				if len(got.Shadowed) > 0 {
					msg = fmt.Sprintf("nginx %s sets its own %s, so the %s set at :%d is not inherited and the client's own header reaches the application",
						where, u.Module.ParamDirective(), header, got.Shadowed[0].Loc.Start.Line)
				}
				related = append(related, analyzer.Related{Location: scopeLoc(u.Scope), Message: msg})
				why = append(why, "does not set it")
				spoofable++
			case got.Source.Spoofable():
				related = append(related, analyzer.Related{Location: got.Set.Loc,
					Message: fmt.Sprintf("nginx %s sets %s from a value the client chooses (%s)", where, header, got.Set.Arg(1))})
				why = append(why, "sets it from a client-chosen value")
				spoofable++
			case u.UnderscoreVariantPasses(key):
				d, _ := u.UnderscoresAllowed()
				loc := scopeLoc(u.Scope)
				if d != nil {
					loc = d.Loc
				}
				related = append(related, analyzer.Related{Location: loc,
					Message: fmt.Sprintf("nginx %s accepts header names with underscores, so a client's %s reaches the application as %s too", where, strings.ReplaceAll(header, "-", "_"), key)})
				why = append(why, "passes an underscore spelling of it")
				spoofable++
			case got.Set != nil && strings.EqualFold(got.Set.Arg(1), want) && acceptsPlain(u.Server) && redirectToHTTPS(u.Server) == nil:
				related = append(related, analyzer.Related{Location: got.Set.Loc,
					Message: fmt.Sprintf("nginx %s accepts plain HTTP but always sends %s: %s", where, header, want)})
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
			Message: fmt.Sprintf("SECURE_PROXY_SSL_HEADER makes Django trust `%s: %s`%s, but nginx %s at %d of %d locations that pass "+
				"requests to the application: %s",
				header, want, inherited(m, s), orListUnique(why), len(related), len(front.upstreams), consequence),
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
