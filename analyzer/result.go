package analyzer

import "github.com/djleak/djleak/parsers/source"

// Name, Version and InformationURI identify the tool in every output.
const (
	Name           = "djleak"
	InformationURI = "https://github.com/djleak/djleak"
)

// Version is djleak's version, shown in every output. A release build sets
// it with -ldflags "-X github.com/djleak/djleak/analyzer.Version=v1.2.3";
// otherwise the djleak command fills it in from its build information
// (module version or VCS revision).
var Version = "0.0.0-devel"

// Result is everything an output format needs.
type Result struct {
	// Root is the absolute project root; finding paths are relative to it.
	Root string
	// Findings, sorted.
	Findings []*Finding
	// Rules that were enabled for this run, sorted by ID.
	Rules []*Rule
	// Files holds the content of every file a finding (or related location)
	// points at, keyed by project-relative path, for code frames.
	Files map[string]*source.File
	// FilesScanned counts the files that were read.
	FilesScanned int
	// Secrets are the literal secret values of all findings, longest
	// first; outputs mask them in any source text they show.
	Secrets []string
}

// RuleByID finds an enabled rule.
func (r *Result) RuleByID(id string) *Rule {
	for _, rule := range r.Rules {
		if rule.ID == id {
			return rule
		}
	}
	return nil
}
