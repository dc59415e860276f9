package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/djleak/djleak/rules"
)

type ruleJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Title     string `json:"title"`
	Severity  string `json:"severity"`
	Precision string `json:"precision"`
	CWE       []int  `json:"cwe"`
	HelpURI   string `json:"help_uri"`
}

func writeRulesJSON(stdout, stderr io.Writer) int {
	var out []ruleJSON
	for _, r := range rules.All() {
		cwe := r.CWE
		if cwe == nil {
			cwe = []int{}
		}
		out = append(out, ruleJSON{r.ID, r.Name, r.Title, r.Severity.String(), string(r.Precision), cwe, r.HelpURI()})
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(stderr, "djleak:", err)
		return exitError
	}
	return exitClean
}
