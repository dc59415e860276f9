package ngxmodel

import (
	"strings"

	"github.com/djleak/djleak/parsers/nginx"
)

// IsIdentityKey reports whether an environ key names a client-identity
// value: SSL_CLIENT_*, HTTP_SSL_CLIENT_*, HTTP_X_SSL_*, HTTP_X_CLIENT_*.
func IsIdentityKey(k string) bool {
	k = strings.ToUpper(k)
	for _, p := range []string{"SSL_CLIENT_", "HTTP_SSL_CLIENT_", "HTTP_X_SSL_", "HTTP_X_CLIENT_", "HTTP_X_SSL_CLIENT_"} {
		if strings.HasPrefix(k, p) && len(k) > len(p) {
			return true
		}
	}
	return false
}

// IdentityParam reports whether a header/param directive forwards client
// identity: by its name, or because its value uses a certificate variable.
func (u *Upstream) IdentityParam(d *nginx.Directive) bool {
	if k := u.paramKey(d); IsIdentityKey(k) || u.extra[k] {
		return true
	}
	return strings.Contains(d.Arg(1), "$ssl_client_")
}

// Key is the environ key the directive sets for this upstream.
func (u *Upstream) Key(d *nginx.Directive) string { return u.paramKey(d) }

// IdentityKeysSet lists, over all upstreams, every identity key some
// upstream sets from a certificate variable, with one directive that sets
// it.
func (m *Model) IdentityKeysSet() map[string]*nginx.Directive {
	out := map[string]*nginx.Directive{}
	for _, u := range m.Upstreams() {
		for _, d := range u.Params {
			if u.IdentityParam(d) {
				k := u.paramKey(d)
				if _, ok := out[k]; !ok {
					out[k] = d
				}
			}
		}
		// Outer-level directives count even where they are shadowed.
		for sc := u.Scope; sc != nil; sc = sc.Parent {
			for _, d := range sc.Own(u.Module.ParamDirective()) {
				if u.IdentityParam(d) {
					k := u.paramKey(d)
					if _, ok := out[k]; !ok {
						out[k] = d
					}
				}
			}
		}
	}
	return out
}
