package identity

import (
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/python"
)

// KnownPackage describes a published Django package that reads client
// identity from request headers once MIDDLEWARE, AUTHENTICATION_BACKENDS or
// DRF's DEFAULT_AUTHENTICATION_CLASSES names one of its classes.
type KnownPackage struct {
	// Package and Version name the source the entry was written from.
	Package, Version string
	// Classes are the dotted class paths a project lists.
	Classes []string
	// Reads are the headers (as a client sends them) or environ keys the
	// package reads, each with the setting that renames it ("" if none).
	Reads []KnownRead
	// Verify is the read whose value the package compares with "SUCCESS"
	// before it trusts the others ("" if it checks nothing).
	Verify string
}

// KnownRead is one header a known package reads.
type KnownRead struct {
	Key     string // "X-SSL-User-DN" or "HTTP_X_SSL_USER_DN"
	Setting string // the Django setting that renames it, "" if none
}

// KnownPackages is the built-in table. Projects add entries with
// [[identity-middleware]] in their configuration.
var KnownPackages = []KnownPackage{
	{
		// django_ssl_auth/base.py: SSLClientAuthBackend.authenticate()
		// returns a user only when HTTP_X_SSL_AUTHENTICATED == "SUCCESS",
		// then maps HTTP_X_SSL_USER_DN to the username; the middleware
		// calls authenticate() and logs the user in. Later revisions read
		// the two names from USER_DN_SSL_HEADER and USER_AUTH_STATUS_HEADER.
		Package: "django-ssl-client-auth", Version: "git master",
		Classes: []string{"django_ssl_auth.SSLClientAuthMiddleware", "django_ssl_auth.SSLClientAuthBackend",
			"django_ssl_auth.base.SSLClientAuthMiddleware", "django_ssl_auth.base.SSLClientAuthBackend"},
		Reads: []KnownRead{
			{Key: "HTTP_X_SSL_USER_DN", Setting: "USER_DN_SSL_HEADER"},
			{Key: "HTTP_X_SSL_AUTHENTICATED", Setting: "USER_AUTH_STATUS_HEADER"},
		},
		Verify: "HTTP_X_SSL_AUTHENTICATED",
	},
	{
		// tls_auth/middleware.py: TLSAuthenticationMiddleware reads the
		// three headers from request.headers (names in tls_auth/settings.py)
		// and logs in the DN's user only when the success header is
		// "SUCCESS".
		Package: "django-mtls-auth", Version: "0.2.0",
		Classes: []string{"tls_auth.middleware.TLSAuthenticationMiddleware"},
		Reads: []KnownRead{
			{Key: "X-SSL-User-DN", Setting: "TLS_AUTH_REVERSE_PROXY_USER_DN_HEADER"},
			{Key: "X-SSL-Issuer-DN", Setting: "TLS_AUTH_REVERSE_PROXY_ISSUER_DN_HEADER"},
			{Key: "X-SSL-Authenticated", Setting: "TLS_AUTH_REVERSE_PROXY_SUCCESS_HEADER"},
		},
		Verify: "X-SSL-Authenticated",
	},
	{
		// x509_auth/views.py: X509AuthView reads HTTP_X_SSL_USER_DN and
		// HTTP_X_SSL_AUTHENTICATED and passes them to authenticate();
		// x509_auth/auth_backend.py returns the mapped user only when
		// verified == "SUCCESS". No release carries a version number; the
		// entry follows the repository at commit 1069bea.
		Package: "django-x509-auth", Version: "git 1069bea",
		Classes: []string{"x509_auth.auth_backend.AuthenticationBackend"},
		Reads: []KnownRead{
			{Key: "HTTP_X_SSL_USER_DN"},
			{Key: "HTTP_X_SSL_AUTHENTICATED"},
		},
		Verify: "HTTP_X_SSL_AUTHENTICATED",
	},
}

// knownClasses are the setting names whose entries name classes that run
// on every request.
var knownClassSettings = map[string]bool{
	"MIDDLEWARE": true, "MIDDLEWARE_CLASSES": true, "AUTHENTICATION_BACKENDS": true,
	"DEFAULT_AUTHENTICATION_CLASSES": true, "REST_FRAMEWORK": true,
}

// knownPackages is the built-in table plus the project's entries.
func knownPackages(p *analyzer.Project) []KnownPackage {
	out := append([]KnownPackage(nil), KnownPackages...)
	if p.Config == nil {
		return out
	}
	for _, e := range p.Config.IdentityMiddleware {
		kp := KnownPackage{Package: e.Package, Version: e.Version, Classes: e.Classes, Verify: e.Verify}
		for _, h := range e.Headers {
			kp.Reads = append(kp.Reads, KnownRead{Key: h, Setting: e.Settings[h]})
		}
		if e.Verify != "" && !containsFold(e.Headers, e.Verify) {
			kp.Reads = append(kp.Reads, KnownRead{Key: e.Verify, Setting: e.Settings[e.Verify]})
		}
		out = append(out, kp)
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// knownKey is the canonical environ key of a table entry's header.
func knownKey(k string) string {
	if strings.HasPrefix(strings.ToUpper(k), "HTTP_") || strings.HasPrefix(strings.ToUpper(k), "SSL_") {
		return Canonical(k, false)
	}
	return Canonical(k, true)
}

// knownReads finds the known packages the project's settings enable and
// returns the reads they imply, at the settings entry that enables them
// (where a user must change the configuration). A setting that renames a
// header (`USER_DN_SSL_HEADER = "HTTP_X_CERT_DN"`) is followed.
func knownReads(p *analyzer.Project) []Read {
	pkgs := knownPackages(p)
	renames := map[string]string{}
	for _, m := range p.Python {
		for _, a := range m.Assigns {
			if a.Value == nil || !isSettingTarget(a.Target) {
				continue
			}
			if v, ok := a.Value.Const(); ok && v.Kind == python.Str && v.Str != "" {
				renames[a.Target] = v.Str
			}
		}
	}
	var out []Read
	for _, m := range p.Python {
		for _, a := range m.Assigns {
			if a.Value == nil || !knownClassSettings[a.Target] {
				continue
			}
			for _, s := range stringsIn(a.Value) {
				for _, kp := range pkgs {
					if !classMatch(kp.Classes, s.Str) {
						continue
					}
					for _, r := range kp.Reads {
						key := r.Key
						renamed := ""
						if r.Setting != "" && renames[r.Setting] != "" {
							key, renamed = renames[r.Setting], r.Setting
						}
						k := knownKey(key)
						rd := Read{Name: k, Header: HeaderName(k), Loc: s.Loc(), Module: m, Node: s.Node,
							Via: kp.Package + " " + kp.Version + " (" + s.Str + ")"}
						if renamed != "" {
							rd.Via += ", renamed by " + renamed
						}
						if kp.Verify != "" {
							vk := kp.Verify
							for _, vr := range kp.Reads {
								if vr.Key == kp.Verify && vr.Setting != "" && renames[vr.Setting] != "" {
									vk = renames[vr.Setting]
								}
							}
							rd.Guard = Guard{State: Correct, Loc: s.Loc(), VerifyKey: knownKey(vk),
								Text: kp.Package + " checks " + HeaderName(knownKey(vk)) + " == \"SUCCESS\""}
						}
						out = append(out, rd)
					}
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Loc.Less(out[j].Loc) })
	return out
}

func isSettingTarget(t string) bool {
	if t == "" || strings.ContainsAny(t, ".[(") {
		return false
	}
	return strings.ToUpper(t) == t
}

// classMatch reports whether entry names one of the classes.
func classMatch(classes []string, entry string) bool {
	for _, c := range classes {
		if entry == c {
			return true
		}
	}
	return false
}

// stringsIn returns the string literals of a list, tuple or dict value
// (nested: REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": [...]}),
// also inside `[...] + [...]`.
func stringsIn(e *python.Expr) []*python.Expr {
	if e == nil {
		return nil
	}
	switch e.Kind {
	case python.String:
		return []*python.Expr{e}
	case python.List, python.Tuple, python.Set, python.BinOp:
		var out []*python.Expr
		for _, el := range e.Elems {
			out = append(out, stringsIn(el)...)
		}
		return out
	case python.Dict:
		var out []*python.Expr
		for _, v := range e.Values {
			out = append(out, stringsIn(v)...)
		}
		return out
	}
	return nil
}
