package analyzer

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/djleak/djleak/parsers/source"
)

// Severity is a finding's level.
type Severity int

const (
	Note Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	default:
		return "note"
	}
}

// SecurityScore is the CVSS-like number GitHub code scanning reads from
// `security-severity` to bucket alerts (critical ≥ 9, high ≥ 7, medium ≥ 4).
func (s Severity) SecurityScore() string {
	switch s {
	case Error:
		return "8.1"
	case Warning:
		return "5.3"
	default:
		return "3.1"
	}
}

// Precision says how often a rule's findings are true positives.
type Precision string

const (
	VeryHigh Precision = "very-high"
	High     Precision = "high"
	Medium   Precision = "medium"
	Low      Precision = "low"
)

// Related is a secondary location of a finding (the other side of a
// cross-file finding, the inherited directive that is shadowed, …).
type Related struct {
	Location source.Location `json:"location"`
	Message  string          `json:"message"`
}

// Step is one step of a finding's code flow, in order from source to sink.
type Step struct {
	Location source.Location `json:"location"`
	Message  string          `json:"message"`
}

// Finding is one reported problem.
type Finding struct {
	RuleID   string          `json:"rule"`
	Severity Severity        `json:"-"`
	Message  string          `json:"message"`
	Location source.Location `json:"location"`
	Related  []Related       `json:"related,omitempty"`
	Flow     []Step          `json:"flow,omitempty"`
	// Key identifies the finding independently of its line number (e.g.
	// "server api.example.com location / header X-Client-DN"); together with
	// the rule and the path it forms the fingerprint that stays stable when
	// unrelated lines move. Rules should set it; the source line text is used
	// when they do not.
	Key string `json:"-"`
	// Fingerprint is filled in by the analyzer.
	Fingerprint string `json:"fingerprint"`
	// Secrets lists literal secret values the finding's code contains
	// (a hard-coded token); outputs mask them wherever source text is shown.
	Secrets []string `json:"-"`
	// Suppressed is set when a `djleak: ignore[...]` comment covers the
	// finding.
	Suppressed *Suppressed `json:"suppressed,omitempty"`
}

// Less orders findings by path, line, column, rule, then message.
func (f *Finding) Less(o *Finding) bool {
	if f.Location != o.Location {
		if f.Location.Path != o.Location.Path || f.Location.Start.Line != o.Location.Start.Line ||
			f.Location.Start.Column != o.Location.Start.Column {
			return f.Location.Less(o.Location)
		}
	}
	if f.RuleID != o.RuleID {
		return f.RuleID < o.RuleID
	}
	if f.Message != o.Message {
		return f.Message < o.Message
	}
	return f.Location.Less(o.Location)
}

// SortFindings sorts in place, deterministically.
func SortFindings(fs []*Finding) {
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Less(fs[j]) })
}

func fingerprint(f *Finding, lineText string) string {
	key := f.Key
	if key == "" {
		key = strings.Join(strings.Fields(lineText), " ")
	}
	h := sha256.Sum256([]byte(f.RuleID + "\x00" + f.Location.Path + "\x00" + key))
	return hex.EncodeToString(h[:8])
}

// Mask hides a secret value: the first four characters, then an ellipsis.
// Every output path that could show a secret must go through Mask.
func Mask(secret string) string {
	if secret == "" {
		return ""
	}
	n := 0
	for i := range secret {
		if n == 4 {
			return secret[:i] + "…"
		}
		n++
	}
	if utf8.RuneCountInString(secret) <= 4 {
		return secret + "…"
	}
	return secret
}

// Sprintf is fmt.Sprintf; kept here so rules format messages uniformly.
func Sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
