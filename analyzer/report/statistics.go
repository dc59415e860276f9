package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/djleak/djleak/analyzer"
)

// Statistic is the number of findings of one rule.
type Statistic struct {
	Rule     string `json:"rule"`
	Name     string `json:"name"`
	Severity string `json:"severity"`
	Count    int    `json:"count"`
	// Suppressed counts the rule's suppressed findings (shown with
	// --include-suppressed); they are not part of Count.
	Suppressed int `json:"suppressed"`
}

// Statistics counts findings per rule, most frequent first, then by ID.
func Statistics(res *analyzer.Result) []Statistic {
	byRule := map[string]*Statistic{}
	for _, f := range res.Findings {
		st := byRule[f.RuleID]
		if st == nil {
			st = &Statistic{Rule: f.RuleID, Name: ruleName(res, f.RuleID), Severity: f.Severity.String()}
			byRule[f.RuleID] = st
		}
		if f.Suppressed != nil {
			st.Suppressed++
		} else {
			st.Count++
		}
	}
	out := make([]Statistic, 0, len(byRule))
	for _, st := range byRule {
		out = append(out, *st)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Rule < out[j].Rule
	})
	return out
}

// WriteStatistics writes the per-rule counts: a JSON array for the json
// format, otherwise a table, like
//
//	3  DJL401  session-cookie-not-secure  error
//
// followed by the text format's summary line (unless opts.Quiet).
func WriteStatistics(w io.Writer, format string, res *analyzer.Result, opts Options) error {
	stats := Statistics(res)
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(stats)
	}
	bw := bufio.NewWriter(w)
	width := 1
	for _, st := range stats {
		width = max(width, len(fmt.Sprint(st.Count)))
	}
	tw := tabwriter.NewWriter(bw, 0, 4, 2, ' ', 0)
	for _, st := range stats {
		fmt.Fprintf(tw, "%*d\t%s\t%s\t%s", width, st.Count, st.Rule, st.Name, st.Severity)
		if st.Suppressed > 0 {
			fmt.Fprintf(tw, "\t(%d suppressed)", st.Suppressed)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	if !opts.Quiet {
		if len(stats) > 0 {
			fmt.Fprintln(bw)
		}
		fmt.Fprintln(bw, summary(res))
	}
	return bw.Flush()
}
