package frontend

import (
	"strings"

	"github.com/djleak/djleak/analyzer"
)

// SemanticRule is a rule written once over the model — "an identity header
// set at an outer level does not reach a route" — and registered once per
// front end, each time under that front end's own ID (NGX201, APC201,
// HAP201, …) and with that front end's own Example and Use instead.
type SemanticRule struct {
	// Base holds the metadata and documentation the front ends share.
	// Its ID, Example, UseInstead and Run are ignored. "{front}" in Title,
	// WhatItDoes, WhyBad and Notes becomes the front end's title.
	Base analyzer.Rule
	// Run reports findings for the routes of one front end (in model
	// order); it never sees another front end's routes.
	Run func(ctx *analyzer.Context, routes []*Route)
}

// FrontDoc is one front end's registration of a semantic rule.
type FrontDoc struct {
	Kind Kind
	ID   string // the front end's rule family and the shared number: NGX201
	// Name replaces Base.Name when set; front ends after the first need
	// their own (rule names are unique): "apache-identity-header-shadowed".
	Name string
	// Title, WhatItDoes, WhyBad and Notes, when set, replace Base's.
	Title, WhatItDoes, WhyBad, Notes string
	// Example must fire and UseInstead must not (txtar archives of that
	// front end's configuration, run by the rule tests).
	Example, UseInstead string
}

// For returns the rule for one front end.
func (s *SemanticRule) For(d FrontDoc) *analyzer.Rule {
	r := s.Base
	title := d.Kind.Title()
	pick := func(own, shared string) string {
		if own == "" {
			own = shared
		}
		return strings.ReplaceAll(own, "{front}", title)
	}
	r.ID = d.ID
	if d.Name != "" {
		r.Name = d.Name
	}
	r.Title = pick(d.Title, s.Base.Title)
	r.WhatItDoes = pick(d.WhatItDoes, s.Base.WhatItDoes)
	r.WhyBad = pick(d.WhyBad, s.Base.WhyBad)
	r.Notes = pick(d.Notes, s.Base.Notes)
	r.Example, r.UseInstead = d.Example, d.UseInstead
	r.CWE = append([]int(nil), s.Base.CWE...)
	r.Tags = append([]string(nil), s.Base.Tags...)
	r.Requires = append([]analyzer.Requirement{Pass}, s.Base.Requires...)
	kind, run := d.Kind, s.Run
	r.Run = func(ctx *analyzer.Context) {
		var routes []*Route
		for _, rt := range analyzer.Fact(ctx.Project, Pass).Routes {
			if rt.Front == kind {
				routes = append(routes, rt)
			}
		}
		if len(routes) > 0 {
			run(ctx, routes)
		}
	}
	return &r
}
