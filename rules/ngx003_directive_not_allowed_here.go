package rules

import (
	"fmt"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/ngxmodel"
	"github.com/djleak/djleak/parsers/nginx"
)

func init() {
	register(&analyzer.Rule{
		ID:        "NGX003",
		Name:      "nginx-directive-not-allowed-here",
		Title:     "nginx directive in a context where nginx does not accept it",
		Severity:  analyzer.Error,
		Precision: analyzer.High,
		Tags:      []string{"parse-error"},
		WhatItDoes: "Reports directives placed where nginx refuses them — `proxy_set_header` inside an " +
			"`if`, `ssl_verify_client` in a `location`, `server` outside `http` — after includes are " +
			"resolved, so a snippet is judged where it is included. The context of a root file's top level " +
			"is known for a whole `nginx.conf` (one with `http`, `events` or other main-only directives); " +
			"the servers and locations of a sites-enabled file count as inside `http`. Directives of modules " +
			"djleak has no table for are not judged.",
		WhyBad: "`nginx -t` fails with `\"proxy_set_header\" directive is not allowed here`, and nginx " +
			"does not start (or a reload keeps the old configuration). The intent is usually clear — headers " +
			"for one branch of an `if`, verification for one path — but nginx cannot express it there, and " +
			"djleak's model of the headers, verification and logs the configuration would give does not " +
			"apply to a configuration nginx rejects.",
		Example: `
-- nginx/site.conf --
server {
    listen 443 ssl;
    ssl_verify_client optional;
    ssl_client_certificate /etc/ssl/certs/ca.pem;
    location / {
        proxy_pass http://127.0.0.1:8000;
        if ($ssl_client_verify = SUCCESS) {
            proxy_set_header X-Client-DN $ssl_client_s_dn;
        }
    }
}
`,
		UseInstead: `
-- nginx/site.conf --
map $ssl_client_verify $client_dn {
    SUCCESS $ssl_client_s_dn;
    default "";
}
server {
    listen 443 ssl;
    ssl_verify_client optional;
    ssl_client_certificate /etc/ssl/certs/ca.pem;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header X-Client-DN $client_dn;
    }
}
`,
		Notes: "The context tables come from the nginx parser djleak uses (nginx-go-crossplane: nginx, " +
			"NGINX Plus, njs and OpenTelemetry directives); a test checks them against `nginx -t` for the " +
			"directives djleak models; an nginx release that accepts a directive in more places than those tables " +
			"know would be reported wrongly. To vary a header by a condition, compute its value with `map` and " +
			"set it unconditionally; an empty value removes the header.\n\n" +
			"Directives an nginx release removed are explained by version: `ssl on` was deprecated in nginx " +
			"1.15.0 and removed in 1.25.1, so nginx 1.25.1 and later refuse it while 1.22 still accepts it with " +
			"a warning; the message says so and names `listen … ssl` instead.",
		Requires: []analyzer.Requirement{ngxmodel.Pass},
		Run:      runDirectiveNotAllowedHere,
	})
}

func runDirectiveNotAllowedHere(ctx *analyzer.Context) {
	model := analyzer.Fact(ctx.Project, ngxmodel.Pass)
	done := map[string]bool{}
	for _, main := range model.Mains {
		main.Walk(func(s *ngxmodel.Scope) {
			c, ok := ngxmodel.ContextOf(s)
			if !ok {
				return
			}
			for _, d := range s.Directives {
				if d.IsComment() || d.Name == "include" {
					continue
				}
				if allowed, known := nginx.AllowedIn(d.Name, c); allowed || !known {
					continue
				}
				in := c.String()
				if s.Dir != nil {
					in = fmt.Sprintf("%s (`%s` at %s)", in, s.Dir.String(), where(s.Dir, d.Loc.Path))
				}
				var related []analyzer.Related
				if s.Dir != nil {
					related = append(related, analyzer.Related{Location: s.Dir.Loc, Message: "the enclosing block"})
				}
				at := d.Loc
				for p := d.Parent; p != nil; p = p.Parent {
					if p.Name != "include" {
						continue
					}
					if nginx.IsBuiltin(d) {
						// The built-in file is not the user's to change: report
						// at the include that brings it here.
						at = p.Loc
					} else {
						related = append(related, analyzer.Related{Location: p.Loc, Message: "the file is included here"})
					}
					break
				}
				key := fmt.Sprintf("%s:%d:%d %s %s", at.Path, at.Start.Offset, at.End.Offset, d.Name, c)
				if done[key] {
					continue
				}
				done[key] = true
				msg := fmt.Sprintf("`%s` is not allowed in %s: nginx -t fails with \"%s\" directive is not allowed "+
					"here, and nginx does not start with this configuration; `%s` belongs in %s",
					d.Name, in, d.Name, d.Name, nginx.AllowedContexts(d.Name))
				if v, ok := removedDirectives[d.Name]; ok && nginx.AllowedContexts(d.Name) == "" {
					msg = v.message(d.Name)
				}
				ctx.Report(analyzer.Finding{
					Location: at,
					Message:  msg,
					Related:  related,
					Key:      fmt.Sprintf("%s in %s", d.Name, c),
				})
			}
		})
	}
}

// removedDirective is a directive an nginx release removed: the context
// tables (those of the newest nginx) accept it nowhere, but older
// releases still do.
type removedDirective struct {
	deprecated, removed string // nginx versions
	example             string // a release line that still accepts it
	instead             string
}

// removedDirectives are the removed directives NGX003 explains by version.
// TestNGX003VersionsAgreeWithNginx checks each against the installed nginx.
var removedDirectives = map[string]removedDirective{
	"ssl": {deprecated: "1.15.0", removed: "1.25.1", example: "1.22", instead: "`listen … ssl` on each TLS listen line"},
}

func (v removedDirective) message(name string) string {
	return fmt.Sprintf("`%s` was deprecated in nginx %s and removed in %s: nginx %s and later refuse it (nginx -t fails "+
		"with unknown directive \"%s\", and nginx does not start); releases before %s, %s among them, still accept it, "+
		"from %s with a deprecation warning; use %s instead",
		name, v.deprecated, v.removed, v.removed, name, v.removed, v.example, v.deprecated, v.instead)
}
