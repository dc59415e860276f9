package driver

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/djleak/djleak/analyzer"
)

// Baseline is a set of accepted findings, matched by rule, file and
// fingerprint, so that a finding stays matched when unrelated lines move.
type Baseline struct {
	Version  int             `json:"version"`
	Findings []BaselineEntry `json:"findings"`
}

// BaselineEntry is one accepted finding.
type BaselineEntry struct {
	Rule        string `json:"rule"`
	Path        string `json:"path"`
	Fingerprint string `json:"fingerprint"`
	Message     string `json:"message"` // for the reader; not matched
}

// NewBaseline records findings (suppressed ones excluded).
func NewBaseline(fs []*analyzer.Finding) *Baseline {
	b := &Baseline{Version: 1, Findings: []BaselineEntry{}}
	for _, f := range fs {
		if f.Suppressed == nil {
			b.Findings = append(b.Findings, BaselineEntry{f.RuleID, f.Location.Path, f.Fingerprint, f.Message})
		}
	}
	sort.Slice(b.Findings, func(i, j int) bool {
		x, y := b.Findings[i], b.Findings[j]
		if x.Path != y.Path {
			return x.Path < y.Path
		}
		if x.Rule != y.Rule {
			return x.Rule < y.Rule
		}
		return x.Fingerprint < y.Fingerprint
	})
	return b
}

// WriteFile saves the baseline as indented JSON.
func (b *Baseline) WriteFile(path string) error {
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// ReadBaseline loads a baseline file; errors name the file.
func ReadBaseline(path string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &analyzer.UsageError{Msg: fmt.Sprintf("baseline: %v", err)}
	}
	var b Baseline
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, &analyzer.UsageError{Msg: fmt.Sprintf("%s: not a djleak baseline: %v", path, err)}
	}
	if b.Version != 1 {
		return nil, &analyzer.UsageError{Msg: fmt.Sprintf("%s: unsupported baseline version %d", path, b.Version)}
	}
	return &b, nil
}

// Filter drops findings the baseline accepts. Each baseline entry absorbs
// at most one finding, so a second identical problem is still reported.
func (b *Baseline) Filter(fs []*analyzer.Finding) []*analyzer.Finding {
	left := map[BaselineEntry]int{}
	for _, e := range b.Findings {
		e.Message = ""
		left[e]++
	}
	var out []*analyzer.Finding
	for _, f := range fs {
		k := BaselineEntry{Rule: f.RuleID, Path: f.Location.Path, Fingerprint: f.Fingerprint}
		if left[k] > 0 && f.Suppressed == nil {
			left[k]--
			continue
		}
		out = append(out, f)
	}
	return out
}
