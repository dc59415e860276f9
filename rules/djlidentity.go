package rules

import (
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/frontend"
)

// The Django-side rules (DJL3xx, DJL405–407) see the servers in front of
// the application only through the proxy-neutral front-end model; no djl
// file imports a proxy's own package (TestDjangoRulesImportNoProxy).

// frontVerdict says what the project's front ends prove about an identity
// key the application reads.
type frontVerdict int

const (
	// noFront: no front end in the project passes to the app, so the
	// Django side is judged on its own.
	noFront frontVerdict = iota
	// frontSafe: every route sends the key from a certificate the front end
	// verifies on every request (or, for server-environment keys, does not
	// send it at all).
	frontSafe
	// frontUnsafe: some route lets another value through; the front end's
	// own rules (NGX2xx, …) report it at that route.
	frontUnsafe
)

func frontModel(p *analyzer.Project) *frontend.Model { return analyzer.Fact(p, frontend.Pass) }

func frontProves(p *analyzer.Project, key string) frontVerdict {
	m := frontModel(p)
	if m.Empty() {
		return noFront
	}
	for _, r := range m.Routes {
		n := r.Lookup(key)
		if n.Source == frontend.NotSent {
			continue
		}
		if n.Source != frontend.Verified || n.Optional {
			return frontUnsafe
		}
	}
	return frontSafe
}

// weakCert is a route that forwards key from a client certificate it does
// not verify on every request: optional_no_ca, or optional certificates
// with nothing that rejects requests without one.
type weakCert struct {
	route *frontend.Route
	name  frontend.Name
}

func weakCertRoutes(p *analyzer.Project, key string) []weakCert {
	var out []weakCert
	for _, r := range frontModel(p).Routes {
		n := r.Lookup(key)
		if (n.Source == frontend.Unverified && n.Cert == frontend.CertOptionalNoCA) || (n.Source == frontend.Verified && n.Optional) {
			out = append(out, weakCert{r, n})
		}
	}
	return out
}

// frontTitles names the front ends of the project for messages: "nginx",
// "nginx and HAProxy".
func frontTitles(m *frontend.Model) string {
	var t []string
	for _, k := range m.Fronts {
		t = append(t, k.Title())
	}
	if len(t) == 0 {
		return "the proxy"
	}
	if len(t) == 1 {
		return t[0]
	}
	return strings.Join(t[:len(t)-1], ", ") + " and " + t[len(t)-1]
}

// routeWhere names a route for messages: "location / (server example.com)".
func routeWhere(r *frontend.Route) string {
	if r.ServerLabel == "" {
		return r.Where
	}
	return r.Where + " (" + r.ServerLabel + ")"
}
