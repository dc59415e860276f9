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
		cert := n.Cert
		if cert == frontend.CertNone {
			// An adapter that does not say which mode decides the value:
			// the route's listeners do.
			for _, l := range r.Listeners {
				if l.TLS && l.ClientCert == frontend.CertOptionalNoCA {
					cert = l.ClientCert
				}
			}
		}
		if (n.Source == frontend.Unverified && cert == frontend.CertOptionalNoCA) || (n.Source == frontend.Verified && n.Optional) {
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
	return joinWords(t, "and", "the proxy")
}

// routeWhere names a route for messages: "location / (server example.com)".
func routeWhere(r *frontend.Route) string {
	switch {
	case r.Where == "":
		return r.Label
	case r.ServerLabel == "":
		return r.Where
	}
	return r.Where + " (" + r.ServerLabel + ")"
}

// supportedFronts names every front end djleak reads, for messages about a
// project that has none: "Caddy, HAProxy or nginx".
func supportedFronts() string {
	var t []string
	for _, a := range frontend.Adapters() {
		t = append(t, a.Kind.Title())
	}
	return joinWords(t, "or", "proxy")
}

// joinWords renders "a", "a and b", "a, b and c" (with conj), or none
// when words is empty.
func joinWords(words []string, conj, none string) string {
	switch len(words) {
	case 0:
		return none
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " " + conj + " " + words[len(words)-1]
}

// routeNoun is what messages call routes: nginx's own word when nginx is
// the only front end, "routes" otherwise.
func routeNoun(m *frontend.Model) string {
	if len(m.Fronts) == 1 && m.Fronts[0] == frontend.Nginx {
		return "locations"
	}
	return "routes"
}
