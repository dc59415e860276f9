package frontend_test

import (
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/driver"
	"github.com/djleak/djleak/analyzer/frontend"
)

func init() {
	// Two stand-in front ends, each with one route.
	for _, k := range []frontend.Kind{frontend.Caddy, frontend.HAProxy} {
		k := k
		frontend.Register(&frontend.Adapter{Kind: k, Routes: func(*analyzer.Project) ([]*frontend.Route, bool) {
			r := frontend.NewRoute(nil, nil)
			r.Front, r.Label = k, string(k)+" route"
			return []*frontend.Route{r}, true
		}})
	}
}

func TestSemanticRuleFor(t *testing.T) {
	var seen []string
	s := &frontend.SemanticRule{
		Base: analyzer.Rule{ID: "XXX999", Name: "shared-name", Title: "Header not set by {front}", WhatItDoes: "Checks {front}.",
			Severity: analyzer.Error, CWE: []int{290}, Example: "shared example"},
		Run: func(ctx *analyzer.Context, routes []*frontend.Route) {
			for _, r := range routes {
				seen = append(seen, r.Label)
			}
		},
	}
	hap := s.For(frontend.FrontDoc{Kind: frontend.HAProxy, ID: "HAP201", Name: "haproxy-shared-name",
		Example: "-- haproxy.cfg --\nbad\n", UseInstead: "-- haproxy.cfg --\ngood\n", Notes: "Only {front}."})
	cdy := s.For(frontend.FrontDoc{Kind: frontend.Caddy, ID: "CDY201", Example: "caddy example"})

	if hap.ID != "HAP201" || hap.Name != "haproxy-shared-name" || hap.Title != "Header not set by HAProxy" ||
		hap.WhatItDoes != "Checks HAProxy." || hap.Notes != "Only HAProxy." || hap.Example != "-- haproxy.cfg --\nbad\n" ||
		hap.UseInstead != "-- haproxy.cfg --\ngood\n" || hap.Severity != analyzer.Error || len(hap.CWE) != 1 {
		t.Errorf("HAProxy rule: %+v", hap)
	}
	if cdy.ID != "CDY201" || cdy.Name != "shared-name" || cdy.Title != "Header not set by Caddy" || cdy.Example != "caddy example" || cdy.UseInstead != "" {
		t.Errorf("Caddy rule: %+v", cdy)
	}
	if s.Base.ID != "XXX999" || s.Base.Title != "Header not set by {front}" {
		t.Errorf("For changed the shared rule: %+v", s.Base)
	}
	hap.CWE[0] = 1
	if s.Base.CWE[0] != 290 {
		t.Errorf("the rules share their CWE slice")
	}

	dir := t.TempDir()
	p, err := driver.Load(driver.Options{Paths: []string{dir}, Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := analyzer.RunWith(p, []*analyzer.Rule{hap}, analyzer.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0] != "haproxy route" {
		t.Errorf("HAP201 saw %q, want only the HAProxy route", seen)
	}
	seen = nil
	if _, err := analyzer.RunWith(p, []*analyzer.Rule{cdy}, analyzer.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0] != "caddy route" {
		t.Errorf("CDY201 saw %q, want only the Caddy route", seen)
	}
}
