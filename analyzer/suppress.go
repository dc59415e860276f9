package analyzer

import (
	"regexp"
	"sort"
	"strings"

	"github.com/djleak/djleak/parsers/source"
)

// Suppression is one `djleak: ignore[...]` comment.
type Suppression struct {
	Loc    source.Location
	Rules  []string // IDs or prefixes, upper-case (rule names are turned into IDs)
	Reason string
	File   bool // ignore-file: applies to the whole file
}

// Matches reports whether the suppression covers a rule ID.
func (s *Suppression) Matches(id string) bool {
	for _, r := range s.Rules {
		if strings.HasPrefix(id, r) {
			return true
		}
	}
	return false
}

// suppressionRe matches `djleak: ignore[DJL201, NGX2] -- reason` (or rule
// names: `ignore[token-logged]`) and
// `djleak: ignore-file[…]` in a `#` comment (Python, nginx) or a Django
// template comment `{# … #}`.
var suppressionRe = regexp.MustCompile(`(?:#|\{#)\s*djleak:\s*(ignore-file|ignore)\s*\[([A-Za-z0-9, -]*)\]\s*(?:--\s*(.*?))?\s*(?:#\})?\s*$`)

// ParseSuppressions finds the suppression comments in a file.
func ParseSuppressions(f *source.File) []*Suppression {
	if !strings.Contains(string(f.Content), "djleak:") {
		return nil
	}
	var out []*Suppression
	for ln := 1; ln <= f.LineCount(); ln++ {
		line := f.Line(ln)
		if !strings.Contains(line, "djleak:") {
			continue
		}
		m := suppressionRe.FindStringSubmatchIndex(line)
		if m == nil {
			continue
		}
		s := &Suppression{File: line[m[2]:m[3]] == "ignore-file"}
		for _, r := range strings.Split(line[m[4]:m[5]], ",") {
			if r = strings.TrimSpace(r); r != "" {
				s.Rules = append(s.Rules, suppressionRule(r))
			}
		}
		if m[6] >= 0 {
			s.Reason = strings.TrimSpace(line[m[6]:m[7]])
		}
		start := f.LineStart(ln) + m[0]
		s.Loc = f.Span(start, f.LineStart(ln)+len(line))
		out = append(out, s)
	}
	return out
}

// suppressionRule is the rule ID for a rule name, else the entry in upper
// case (an ID or prefix).
func suppressionRule(r string) string {
	if strings.Contains(r, "-") && KnownRules != nil {
		for _, rule := range KnownRules() {
			if strings.EqualFold(rule.Name, r) {
				return rule.ID
			}
		}
	}
	return strings.ToUpper(r)
}

// SuppressionsPass is a file's suppression comments, parsed once per
// content. Rule names in them resolve through the rules, which are part
// of the analysis version.
var SuppressionsPass = NewFileFact("suppressions", 1, nil, func(_ *Project, f *source.File) []Suppression {
	var out []Suppression
	for _, s := range ParseSuppressions(f) {
		out = append(out, *s)
	}
	return out
})

// fileSuppressions is the suppression comments of the file at rel. The
// pointers are into the project's memo of the fact, so the same comment
// is the same *Suppression for the whole run (applySuppressions records
// use by pointer).
func (p *Project) fileSuppressions(rel string) []*Suppression {
	f := p.File(rel)
	if f == nil {
		return nil
	}
	vals := FileFactOf(p, SuppressionsPass, f)
	out := make([]*Suppression, len(vals))
	for i := range vals {
		out[i] = &vals[i]
	}
	return out
}

// applySuppressions marks findings covered by suppression comments: an
// `ignore[...]` on the finding's first line or on the line above it, or an
// `ignore-file[...]` anywhere in the file. It returns the suppressions that
// matched a finding.
func applySuppressions(p *Project, findings []*Finding) map[*Suppression]bool {
	used := map[*Suppression]bool{}
	for _, f := range findings {
		for _, s := range p.fileSuppressions(f.Location.Path) {
			if !s.Matches(f.RuleID) || f.RuleID == unusedSuppressionID || f.RuleID == suppressionReasonID {
				continue
			}
			line := s.Loc.Start.Line
			if s.File || line == f.Location.Start.Line || line+1 == f.Location.Start.Line {
				used[s] = true
				if f.Suppressed == nil {
					f.Suppressed = &Suppressed{Justification: s.Reason}
				}
			}
		}
	}
	return used
}

// Suppressed records why a finding is suppressed.
type Suppressed struct {
	Justification string `json:"justification"`
}

// IDs of the built-in suppression diagnostics (rules/djl002…, djl003…).
const (
	suppressionReasonID = "DJL002"
	unusedSuppressionID = "DJL003"
)

// Suppressions lists every suppression comment in the project's files,
// sorted by location (used by the suppression rules, which require
// SuppressionsPass).
func (p *Project) Suppressions() []*Suppression {
	var paths []string
	for path := range p.byPath {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	var out []*Suppression
	for _, path := range paths {
		out = append(out, p.fileSuppressions(path)...)
	}
	return out
}
