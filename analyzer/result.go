package analyzer

import (
	"path/filepath"
	"strings"

	"github.com/djleak/djleak/parsers/source"
)

// Name, Version and InformationURI identify the tool in every output.
const (
	Name           = "djleak"
	InformationURI = "https://github.com/djleak/djleak"
)

// Version is set at build time with -ldflags "-X github.com/djleak/djleak/analyzer.Version=…".
var Version = "0.1.0-dev"

// Result is everything an output format needs.
type Result struct {
	// Root is the absolute project root; finding paths are relative to it.
	Root string
	// Cwd, when set, is the absolute directory that the text, concise and
	// JSON formats print paths relative to (the working directory, as Ruff
	// does); when empty they print project-relative paths.
	Cwd string
	// RepoRoot, when set, is the absolute directory that SARIF URIs and
	// github annotations are relative to: the checkout GitHub resolves them
	// against (see RepoRoot). When empty, Root is used.
	RepoRoot string
	// Findings, sorted.
	Findings []*Finding
	// Rules that were enabled for this run, sorted by ID.
	Rules []*Rule
	// Files holds the content of every file a finding (or related location)
	// points at, keyed by project-relative path, for code frames.
	Files map[string]*source.File
	// FilesScanned counts the files that were read.
	FilesScanned int
	// ParseFailures holds, for each Python and nginx file of the project
	// that did not parse fully, its first syntax error, sorted by path,
	// whichever rules ran (DJL001 and NGX001 report every error as a
	// finding, when enabled).
	ParseFailures []Related
	// Secrets are the literal secret values of all findings, longest
	// first; outputs mask them in any source text they show.
	Secrets []string
	// TokenNames are the project's extra secret names
	// (`extra-token-names`); outputs mask literals given to them.
	TokenNames []string
	// HiddenInTests counts the dataflow findings in test code that were
	// not reported (include-tests = true reports them).
	HiddenInTests int
}

// DisplayPath is a project-relative path as the text, concise and JSON
// formats print it: relative to Cwd when that is set (possibly with "../"),
// else unchanged. Paths of built-in files ("<builtin>/…") are unchanged.
func (r *Result) DisplayPath(rel string) string { return rebase(r.Root, r.Cwd, rel) }

// RepoPath is a project-relative path relative to RepoRoot, for SARIF and
// GitHub annotations.
func (r *Result) RepoPath(rel string) string { return rebase(r.Root, r.RepoRoot, rel) }

// rebase turns a path relative to root into one relative to base.
func rebase(root, base, rel string) string {
	if base == "" || root == "" || rel == "" || strings.HasPrefix(rel, "<") {
		return rel
	}
	out, err := filepath.Rel(base, filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return rel
	}
	return filepath.ToSlash(out)
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
