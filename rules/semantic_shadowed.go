package rules

// The "identity header set at an outer level does not reach a route" rule,
// written once over the front-end model and registered per front end
// (NGX201 for nginx).

import (
	"fmt"
	"path"
	"strings"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/analyzer/identity"
	"github.com/djleak/djleak/parsers/source"
)

var identityShadowed = &frontend.SemanticRule{
	Base: analyzer.Rule{
		Name:      "identity-header-shadowed",
		Title:     "Identity header set at an outer level is not inherited by a location that sets its own headers",
		Severity:  analyzer.Error,
		CWE:       []int{290, 348},
		Precision: analyzer.VeryHigh,
		Requires:  []analyzer.Requirement{identity.Pass},
	},
	Run: runIdentityShadowed,
}

func runIdentityShadowed(ctx *analyzer.Context, routes []*frontend.Route) {
	for _, r := range routes {
		own := r.OwnHeaders
		if own == nil {
			continue
		}
		from := r.At.Path
		var labels, spoofed, outerAt []string
		var related []analyzer.Related
		var flow []analyzer.Step
		var reads []identity.Read
		for _, k := range r.ShadowedKeys {
			n := r.Lookup(k)
			if n.At.Path != "" || len(n.Outer) == 0 {
				continue
			}
			outer := n.Outer[0]
			label := routeKeyLabel(r, k)
			labels = append(labels, label)
			outerAt = append(outerAt, fmt.Sprintf("%s-level `%s` at %s", outer.Level, outer.Text, whereLoc(outer.At, from)))
			related = append(related, analyzer.Related{Location: outer.At, Message: fmt.Sprintf("%s set here, at the %s level, is not inherited by %s", label, outer.Level, r.Where)})
			if n.Source == frontend.Forgeable {
				spoofed = append(spoofed, label)
				reads = append(reads, appReads(ctx.Project, k)...)
			}
		}
		if len(labels) == 0 {
			continue
		}
		related = append(related, analyzer.Related{Location: own.At, Message: fmt.Sprintf("this %s's own %s replaces every inherited one", own.Level, own.Text)})
		for _, rd := range reads {
			related = append(related, analyzer.Related{Location: rd.Loc, Message: fmt.Sprintf("the application reads %s here", rd.Name)})
		}
		if len(spoofed) > 0 {
			flow = spoofSteps(r.At, r.Where, strings.Join(spoofed, ", "), reads)
		}
		how := "at " + whereLoc(own.At, from)
		if own.Include != "" {
			how = fmt.Sprintf("through `%s` at %s", own.Include, whereLoc(own.At, from))
		}
		msg := fmt.Sprintf("%s %s not inherited here because this %s sets its own %s %s",
			strings.Join(outerAt, ", "), plural(len(labels), "is", "are"), own.Level, own.Text, how)
		switch {
		case len(spoofed) > 0:
			msg += fmt.Sprintf(": a client's own %s %s the application", strings.Join(spoofed, ", "), plural(len(spoofed), "reaches", "reach"))
		default:
			msg += fmt.Sprintf(": the application receives no %s on this path", strings.Join(labels, ", "))
		}
		server := r.ServerLabel
		if server == "" {
			server = "(no server)"
		}
		ctx.Report(analyzer.Finding{
			Location: r.At, Message: msg, Related: related, Flow: flow,
			Key: strings.Join(append([]string{server, r.Where}, r.ShadowedKeys...), " "),
		})
	}
}

// routeKeyLabel names an environ key the way the route's configuration
// writes it: the header name where values travel as headers, the key
// itself for environ params.
func routeKeyLabel(r *frontend.Route, key string) string {
	if r.Pass.HeaderBased() {
		if h := identity.HeaderName(key); h != "" {
			return h
		}
	}
	return key
}

// whereLoc renders a position for messages: "api.conf:12", or ":12" when
// it is in the file from.
func whereLoc(l source.Location, from string) string {
	if l.Path == from {
		return fmt.Sprintf(":%d", l.Start.Line)
	}
	return fmt.Sprintf("%s:%d", path.Base(l.Path), l.Start.Line)
}

// spoofSteps is the code flow of a forged identity value: the client sends
// it, the route at `at` (named where) lets it through, the app reads it.
func spoofSteps(at source.Location, where, label string, reads []identity.Read) []analyzer.Step {
	steps := []analyzer.Step{
		{Location: at, Message: fmt.Sprintf("a client sends its own %s; %s passes it to the application unchanged", label, where)},
	}
	for _, r := range reads {
		steps = append(steps, analyzer.Step{Location: r.Loc, Message: fmt.Sprintf("the application reads %s here (%s)", r.Name, r.Guard.State)})
		if r.UseText != "" {
			steps = append(steps, analyzer.Step{Location: r.Use, Message: "the forged value is " + r.UseText})
		}
	}
	return steps
}
