package rules

import (
	"fmt"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/analyzer/identity"
	"github.com/djleak/djleak/parsers/python"
)

func init() {
	register(&analyzer.Rule{
		ID:        "DJL303",
		Name:      "remote-user-from-header",
		Title:     "`RemoteUserMiddleware` takes the user name from a request header",
		Severity:  analyzer.Error,
		CWE:       []int{290},
		Precision: analyzer.High,
		WhatItDoes: "Finds subclasses of `RemoteUserMiddleware` / `PersistentRemoteUserMiddleware` whose " +
			"`header` is an `HTTP_*` key (a request header such as `X-SSL-User-DN`). It stays quiet when " +
			"the project's nginx config overwrites that header from a certificate variable on every path " +
			"and verifies client certificates (`ssl_verify_client on`).",
		WhyBad: "`RemoteUserMiddleware` logs in whoever the header names — creating the user when " +
			"`create_unknown_user` is on. Django's own documentation warns that an `HTTP_` header is " +
			"under the client's control unless the front-end server strips or sets it on every request; " +
			"one path that forgets turns a header into a password-less login as anyone.",
		Example: `
-- app/auth.py --
from django.contrib.auth.middleware import RemoteUserMiddleware


class CertUserMiddleware(RemoteUserMiddleware):
    header = "HTTP_X_SSL_USER_DN"
`,
		UseInstead: `
-- app/auth.py --
from django.contrib.auth.middleware import RemoteUserMiddleware


class CertUserMiddleware(RemoteUserMiddleware):
    # Set by uwsgi_param SSL_CLIENT_S_DN $ssl_client_s_dn; a client cannot send it.
    header = "SSL_CLIENT_S_DN"
`,
		Requires: []analyzer.Requirement{analyzer.PythonModules, frontend.Pass},
		Run: func(ctx *analyzer.Context) {
			for _, m := range ctx.Project.Python {
				for _, c := range m.Classes {
					if !remoteUserSubclass(c) {
						continue
					}
					for _, a := range c.Assigns {
						if a.Target != "header" || a.Value == nil {
							continue
						}
						v, ok := a.Value.Const()
						if !ok || v.Kind != python.Str || !strings.HasPrefix(strings.ToUpper(v.Str), "HTTP_") {
							continue
						}
						key := strings.ToUpper(v.Str)
						if frontProves(ctx.Project, key) == frontSafe {
							continue
						}
						ctx.Report(analyzer.Finding{
							Location: a.Loc,
							Message: fmt.Sprintf("%s logs in the user named by the %s request header (%s), which a client can send itself unless the proxy overwrites it on every path",
								c.Name, identity.HeaderName(key), key),
							Key: c.Name + " " + key,
						})
					}
				}
			}
		},
	})
}

func remoteUserSubclass(c *python.Class) bool {
	for _, b := range c.Bases {
		if strings.HasSuffix(b, "RemoteUserMiddleware") {
			return true
		}
	}
	return false
}
