package report

import (
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/rules"
)

// TestEveryCWEHasAnImpact: each CWE a rule names has a security-severity
// in cweImpact, so no rule falls back to its level's score unnoticed; the
// djleak's-own-trouble rules are not security rules.
func TestEveryCWEHasAnImpact(t *testing.T) {
	for _, r := range rules.All() {
		for _, c := range r.CWE {
			if _, ok := cweImpact[c]; !ok {
				t.Errorf("%s names CWE-%d, which has no impact score in cweImpact", r.ID, c)
			}
		}
		if r.ID[3:5] == "00" && isSecurityRule(r) { // DJL001-003, NGX001-003, HAP001, …
			t.Errorf("%s reports djleak's own trouble but names a CWE", r.ID)
		}
	}
	if got := securitySeverity(&analyzer.Rule{Severity: analyzer.Note, CWE: []int{290}}); got != "3.9" {
		t.Errorf("a note-level rule ranks %s, want at most 3.9", got)
	}
}

func TestAbsoluteLinks(t *testing.T) {
	got := absoluteLinks("see [settings](../README.md#django-settings), [DJL101](#djl101) and [x](https://example.com/y)")
	want := "see [settings](https://github.com/djleak/djleak/blob/main/README.md#django-settings), [DJL101](https://github.com/djleak/djleak/blob/main/docs/rules.md#djl101) and [x](https://example.com/y)"
	if got != want {
		t.Errorf("absoluteLinks:\n got %s\nwant %s", got, want)
	}
}

func TestMessageWithLinks(t *testing.T) {
	rel := []sarifLocation{{ID: 1, PhysicalLocation: sarifPhysicalLocation{
		ArtifactLocation: sarifArtifactLocation{URI: "my%20app/views.py"}, Region: &sarifRegion{StartLine: 3}}}}
	if got, want := messageWithLinks("logs extra['headers'] and [a](b) text", rel),
		`logs extra['headers'] and \[a\](b) text. Related locations: [my app/views.py:3](1).`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := messageWithLinks("plain.", nil); got != "plain." {
		t.Errorf("no related locations: %q", got)
	}
}
