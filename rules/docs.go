package rules

import (
	"fmt"
	"strings"
)

// RuleTable renders the Markdown rule table used in README.md.
func RuleTable() string {
	var b strings.Builder
	b.WriteString("| ID | name | severity | precision | CWE | what it finds |\n|---|---|---|---|---|---|\n")
	for _, r := range All() {
		var cwes []string
		for _, c := range r.CWE {
			cwes = append(cwes, fmt.Sprintf("CWE-%d", c))
		}
		fmt.Fprintf(&b, "| [%s](docs/rules.md#%s) | `%s` | %s | %s | %s | %s |\n",
			r.ID, strings.ToLower(r.ID), r.Name, r.Severity, r.Precision, strings.Join(cwes, ", "), strings.ReplaceAll(r.Title, "|", "\\|"))
	}
	return b.String()
}

// RulesMarkdown renders every rule's documentation as one document.
func RulesMarkdown() string {
	var b strings.Builder
	b.WriteString("# djleak rules\n\n<!-- Generated from the rule registry by `go test ./rules -run TestGeneratedDocs -update`; do not edit. -->\n\n")
	for _, r := range All() {
		fmt.Fprintf(&b, "<a id=\"%s\"></a>\n\n", strings.ToLower(r.ID))
		doc := r.Doc()
		// Demote headings one level so each rule is a section.
		doc = strings.ReplaceAll(doc, "\n## ", "\n### ")
		doc = strings.Replace(doc, "# ", "## ", 1)
		b.WriteString(doc)
		b.WriteString("\n")
	}
	return b.String()
}
