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
	files := map[string]*suppressionIndex{}
	var cand []int
	for _, f := range findings {
		ix := files[f.Location.Path]
		if ix == nil {
			ix = indexSuppressions(p.fileSuppressions(f.Location.Path))
			files[f.Location.Path] = ix
		}
		// The comments that may cover the finding, in file order: the
		// first that does gives the justification.
		line := f.Location.Start.Line
		cand = append(append(append(cand[:0], ix.file...), ix.line[line]...), ix.line[line-1]...)
		sort.Ints(cand)
		for _, i := range cand {
			s := ix.all[i]
			if !s.Matches(f.RuleID) || f.RuleID == unusedSuppressionID || f.RuleID == suppressionReasonID {
				continue
			}
			used[s] = true
			if f.Suppressed == nil {
				f.Suppressed = &Suppressed{Justification: s.Reason}
			}
		}
	}
	return used
}

// suppressionIndex finds a file's suppression comments by the line they
// are on, so a file with many findings and many comments costs their sum,
// not their product.
type suppressionIndex struct {
	all  []*Suppression
	file []int         // ignore-file comments, by index in all
	line map[int][]int // the others by line
}

func indexSuppressions(all []*Suppression) *suppressionIndex {
	ix := &suppressionIndex{all: all, line: map[int][]int{}}
	for i, s := range all {
		if s.File {
			ix.file = append(ix.file, i)
		} else {
			ix.line[s.Loc.Start.Line] = append(ix.line[s.Loc.Start.Line], i)
		}
	}
	return ix
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
