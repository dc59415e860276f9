// Package rules holds djleak's checks, one file per rule. Each file
// registers its rule, with the rule's metadata and documentation next to its
// code, from an init function.
package rules

import (
	"github.com/djleak/djleak/analyzer"
)

var registry = analyzer.NewRegistry()

// Configuration selectors are checked against, and rule names resolved
// with, this package's rules.
func init() { analyzer.KnownRules = All }

func register(r *analyzer.Rule) { registry.Register(r) }

// All returns every rule, sorted by ID.
func All() []*analyzer.Rule { return registry.All() }

// Lookup finds a rule by ID or name.
func Lookup(key string) *analyzer.Rule { return registry.Lookup(key) }

// Select returns the rules enabled by the given selectors (IDs or prefixes;
// empty select means all).
func Select(selects, ignores []string) []*analyzer.Rule {
	var out []*analyzer.Rule
	for _, r := range All() {
		if analyzer.Enabled(r.ID, selects, ignores) {
			out = append(out, r)
		}
	}
	return out
}
