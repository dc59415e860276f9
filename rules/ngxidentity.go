package rules

import (
	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/identity"
	"github.com/djleak/djleak/analyzer/ngxmodel"
	"github.com/djleak/djleak/parsers/nginx"
)

// where renders a directive's position for messages: "api.conf:12", or
// ":12" when it is in the same file as the finding.
func where(d *nginx.Directive, from string) string { return whereLoc(d.Loc, from) }

// keyLabel names an environ key the way the nginx config writes it: the
// header name for proxies, the param name for uwsgi/fastcgi.
func keyLabel(u *ngxmodel.Upstream, key string) string {
	if u.Module.HeaderBased() {
		if h := identity.HeaderName(key); h != "" {
			return h
		}
	}
	return key
}

// upstreamLoc is where a finding about an upstream is reported: the
// location (or if block) that passes to the app.
func upstreamLoc(u *ngxmodel.Upstream) *nginx.Directive {
	if u.Scope.Dir != nil {
		return u.Scope.Dir
	}
	return u.Pass
}

// appReads returns the Django reads of key, for related locations and the
// code flow of a cross-file finding.
func appReads(p *analyzer.Project, key string) []identity.Read {
	var out []identity.Read
	for _, r := range analyzer.Fact(p, identity.Pass).Reads {
		if r.Name == key {
			out = append(out, r)
		}
	}
	return out
}

// spoofFlow is the code flow of a forged identity value: the client sends
// it, the nginx location lets it through, the app reads it.
func spoofFlow(u *ngxmodel.Upstream, label string, reads []identity.Read) []analyzer.Step {
	return spoofSteps(upstreamLoc(u).Loc, u.Scope.Label(), label, reads)
}

// serverLabel names an upstream's server for finding keys and messages.
func serverLabel(u *ngxmodel.Upstream) string {
	if u.Server == nil {
		return "(no server)"
	}
	return u.Server.Label()
}
