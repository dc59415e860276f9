package rules

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/analyzer/identity"
	"github.com/djleak/djleak/parsers/source"
)

// The rules in this file are implemented once over the proxy-neutral
// front-end model and registered per front end with SemanticRule.For
// (HAP202, CDY202, APC202, …): each registration names its front end, its
// ID and its own Example / Use instead, and its Run sees only that front
// end's routes.

// byDeployment groups routes by deployment, in model order.
func byDeployment(routes []*frontend.Route) [][]*frontend.Route {
	idx := map[string]int{}
	var out [][]*frontend.Route
	for _, r := range routes {
		i, ok := idx[r.Deployment]
		if !ok {
			i = len(out)
			idx[r.Deployment] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], r)
	}
	return out
}

// certSetting is where a front end fills an identity key from a client
// certificate.
type certSetting struct {
	route *frontend.Route
	name  frontend.Name
}

// identityKeys is what makes a key an identity key in one deployment: the
// routes that fill it from a certificate, and the Django reads.
type identityKeys struct {
	set   map[string]certSetting
	reads map[string][]identity.Read
	order []string
	// app is the set of endpoints that receive certificate identity (the
	// application); nil when unknown, so every route counts.
	app map[string]bool
	// sets maps each key to the endpoints of the routes that fill it.
	sets map[string]map[string]bool
}

func fromCert(s frontend.Source) bool { return s == frontend.Verified || s == frontend.Unverified }

func collectIdentityKeys(routes []*frontend.Route, reads []identity.Read) *identityKeys {
	ik := &identityKeys{set: map[string]certSetting{}, reads: map[string][]identity.Read{}, sets: map[string]map[string]bool{}}
	appKnown := true
	app := map[string]bool{}
	for _, r := range routes {
		for _, k := range r.Keys() {
			n := r.Lookup(k)
			if !fromCert(n.Source) {
				continue
			}
			if _, ok := ik.set[k]; !ok {
				ik.set[k] = certSetting{route: r, name: n}
				ik.sets[k] = map[string]bool{}
			}
			if !r.Transport.Known {
				ik.sets[k]["*"] = true
				appKnown = false
			}
			for _, e := range r.Transport.Endpoints {
				ik.sets[k][e] = true
				app[e] = true
			}
		}
	}
	for _, rd := range reads {
		if strings.HasPrefix(rd.Name, "HTTP_") {
			ik.reads[rd.Name] = append(ik.reads[rd.Name], rd)
		}
	}
	for k := range ik.set {
		ik.order = append(ik.order, k)
	}
	for k := range ik.reads {
		if _, ok := ik.set[k]; !ok {
			ik.order = append(ik.order, k)
		}
	}
	sort.Strings(ik.order)
	if appKnown && len(app) > 0 {
		ik.app = app
	}
	return ik
}

// reaches reports whether r may pass to one of eps (nil or "*": any).
func reaches(r *frontend.Route, eps map[string]bool) bool {
	if eps == nil || eps["*"] || !r.Transport.Known {
		return true
	}
	for _, e := range r.Transport.Endpoints {
		if eps[e] {
			return true
		}
	}
	return false
}

// forgeable is one identity key a client can forge on one route, with why
// it counts as identity.
type forgeable struct {
	route *frontend.Route
	key   string
	name  frontend.Name
	set   *certSetting
	reads []identity.Read
}

// forgeableIdentity lists, for the routes of one front end, every identity
// key a client can forge, in route then key order.
func forgeableIdentity(ctx *analyzer.Context, all []*frontend.Route) []forgeable {
	reads := analyzer.Fact(ctx.Project, identity.Pass).Reads
	var out []forgeable
	for _, routes := range byDeployment(all) {
		ik := collectIdentityKeys(routes, reads)
		for _, r := range routes {
			if !r.PassesClientHeaders {
				continue
			}
			keys := append([]string(nil), ik.order...)
			for _, k := range r.Keys() {
				if _, ok := ik.set[k]; !ok && len(ik.reads[k]) == 0 && identity.IsIdentityKey(k) {
					keys = append(keys, k)
				}
			}
			sort.Strings(keys)
			for i, k := range keys {
				if i > 0 && keys[i-1] == k {
					continue
				}
				n := r.Lookup(k)
				if n.Source != frontend.Forgeable {
					continue
				}
				f := forgeable{route: r, key: k, name: n}
				if s, ok := ik.set[k]; ok && s.route != r && reaches(r, ik.sets[k]) {
					f.set = &s
				}
				if len(ik.reads[k]) > 0 && reaches(r, ik.app) {
					f.reads = ik.reads[k]
				}
				// A key the route's own configuration handles counts when
				// its name is an identity name: a conditional set, an add
				// that keeps the client's header, a value from client input.
				if f.set == nil && f.reads == nil && !(slices.Contains(r.Keys(), k) && identity.IsIdentityKey(k)) {
					continue
				}
				out = append(out, f)
			}
		}
	}
	return out
}

// where renders a location as "file:line" relative to the finding's file.
func shortAt(l source.Location) string {
	return fmt.Sprintf("%s:%d", filepath.Base(l.Path), l.Start.Line)
}

// lineOf names the line of l for a message about a finding at from: "line
// 5" in the same file, "snippet.conf:5" in another (an included file).
func lineOf(l, from source.Location) string {
	if l.Path == from.Path {
		return fmt.Sprintf("line %d", l.Start.Line)
	}
	return shortAt(l)
}

// headerOf is the header name to quote for a key.
func headerOf(n frontend.Name) string {
	if n.Written != "" {
		return n.Written
	}
	return identity.HeaderName(n.Key)
}

// evidence is the "why it is identity" half of a message, with its
// related locations and code flow.
func (f forgeable) evidence(kind frontend.Kind) (string, []analyzer.Related, []analyzer.Step) {
	var why []string
	var related []analyzer.Related
	h := headerOf(f.name)
	flow := []analyzer.Step{{Location: f.at(), Message: fmt.Sprintf("a client sends its own %s; %s passes it to the application", h, f.route.Label)}}
	if f.set != nil {
		why = append(why, fmt.Sprintf("%s fills it from the client certificate on %s (%s)", kind.Title(), f.set.route.Label, shortAt(f.set.name.At)))
		related = append(related, analyzer.Related{Location: f.set.name.At, Message: h + " is set from the client certificate here"})
	}
	if len(f.reads) > 0 {
		r := f.reads[0]
		why = append(why, fmt.Sprintf("the application reads %s at %s", r.Name, shortAt(r.Loc)))
		for _, r := range f.reads {
			related = append(related, analyzer.Related{Location: r.Loc, Message: "the application reads " + r.Name + " here"})
			flow = append(flow, analyzer.Step{Location: r.Loc, Message: fmt.Sprintf("the application reads %s here (%s)", r.Name, r.Guard.State)})
			if r.UseText != "" {
				flow = append(flow, analyzer.Step{Location: r.Use, Message: "the forged value is " + r.UseText})
			}
		}
	}
	if len(why) == 0 {
		return "", related, flow
	}
	return "; " + strings.Join(why, " and "), related, flow
}

// at is where the user changes the route for this key: the rule that
// decides it, or the route itself.
func (f forgeable) at() source.Location {
	if !f.name.At.IsZero() {
		return f.name.At
	}
	return f.route.At
}

// identityNotSet is the "identity header not set" rule: a route passes a
// client's own identity header.
var identityNotSet = &frontend.SemanticRule{
	Base: analyzer.Rule{Severity: analyzer.Error, CWE: []int{290, 348}, Precision: analyzer.High,
		Requires: []analyzer.Requirement{identity.Pass}},
	Run: func(ctx *analyzer.Context, routes []*frontend.Route) {
		kind := routes[0].Front
		for _, f := range forgeableIdentity(ctx, routes) {
			if f.name.ClientValue {
				continue
			}
			h := headerOf(f.name)
			ev, related, flow := f.evidence(kind)
			why := f.name.Why
			if why == "" {
				why = "nothing on the route sets or removes it"
			}
			if f.at() != f.route.At {
				related = append(related, analyzer.Related{Location: f.route.At, Message: f.route.Label + " passes to the application"})
			}
			ctx.Report(analyzer.Finding{
				Location: f.at(),
				Message:  fmt.Sprintf("A client can forge the %s header on %s: %s%s.", h, f.route.Label, why, ev),
				Related:  related,
				Flow:     flow,
				Key:      strings.Join([]string{f.route.Label, f.key}, " "),
			})
		}
	},
}

// identityClientValue is the "identity header set from a client value"
// rule.
var identityClientValue = &frontend.SemanticRule{
	Base: analyzer.Rule{Severity: analyzer.Error, CWE: []int{290, 348}, Precision: analyzer.High,
		Requires: []analyzer.Requirement{identity.Pass}},
	Run: func(ctx *analyzer.Context, routes []*frontend.Route) {
		kind := routes[0].Front
		seen := map[source.Location]bool{}
		for _, f := range forgeableIdentity(ctx, routes) {
			if !f.name.ClientValue || seen[f.name.At] {
				continue
			}
			seen[f.name.At] = true
			h := headerOf(f.name)
			ev, related, flow := f.evidence(kind)
			related = append(related, analyzer.Related{Location: f.route.At, Message: f.route.Label + " passes it to the application"})
			ctx.Report(analyzer.Finding{
				Location: f.name.At,
				Message:  fmt.Sprintf("%s sets the identity header %s from a value the client chooses: %s%s.", kind.Title(), h, f.name.Why, ev),
				Related:  related,
				Flow:     flow,
				Key:      strings.Join([]string{f.route.Label, f.key, "client-value"}, " "),
			})
		}
	},
}

// certIdentityKeys lists the keys a route fills from a certificate.
func certIdentityKeys(r *frontend.Route) []string {
	var out []string
	for _, k := range r.Keys() {
		if fromCert(r.Lookup(k).Source) {
			out = append(out, k)
		}
	}
	return out
}

// plainTransport (x401) and unverifiedTransport (x402) are the "identity
// sent over an unprotected hop" rules: in clear text, or over TLS without
// verifying the application's certificate.
var (
	plainTransport = &frontend.SemanticRule{
		Base: analyzer.Rule{Severity: analyzer.Warning, CWE: []int{319}, Precision: analyzer.Medium},
		Run:  transportRun(false),
	}
	unverifiedTransport = &frontend.SemanticRule{
		Base: analyzer.Rule{Severity: analyzer.Warning, CWE: []int{295}, Precision: analyzer.High},
		Run:  transportRun(true),
	}
)

func transportRun(tls bool) func(*analyzer.Context, []*frontend.Route) {
	return func(ctx *analyzer.Context, all []*frontend.Route) {
		kind := all[0].Front
		seen := map[source.Location]bool{}
		for _, routes := range byDeployment(all) {
			for _, r := range routes {
				t := r.Transport
				if !t.Known || t.Loopback || len(t.Remote) == 0 || t.TLS != tls || (tls && t.Verified) {
					continue
				}
				keys := certIdentityKeys(r)
				if len(keys) == 0 || seen[t.Remote[0]] {
					continue
				}
				seen[t.Remote[0]] = true
				var hs []string
				for _, k := range keys {
					hs = append(hs, headerOf(r.Lookup(k)))
				}
				what := "without TLS"
				if tls {
					what = "over TLS without verifying the application's certificate"
				}
				ctx.Report(analyzer.Finding{
					Location: t.Remote[0],
					Message: fmt.Sprintf("%s sends client-certificate identity (%s) to a remote application server %s, so anyone on the path can read or alter it.",
						kind.Title(), strings.Join(hs, ", "), what),
					Related: []analyzer.Related{{Location: r.At, Message: r.Label + " passes to this server"}},
					Key:     strings.Join([]string{r.Target, fmt.Sprint(tls)}, " "),
				})
			}
		}
	}
}
