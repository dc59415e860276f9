// Command djleak-action is the part of djleak's GitHub Action (action.yml)
// that turns the one SARIF report djleak writes into what a workflow run
// shows: workflow-command annotations, capped because GitHub keeps only a
// few per step, and a job summary in Markdown that lists every finding,
// those beyond the cap included. It also decides whether the step fails,
// from a severity threshold.
//
//	djleak-action --sarif djleak.sarif [--max-annotations 10] [--summary FILE]
//	              [--fail-on error|warning|note|never] [--github-output FILE]
//
// Annotations go to standard output, errors first, then warnings, then
// notes, each group in report order. Results a suppression comment covers
// are not shown and never fail the step. With --github-output it appends
// findings=N and fail=true|false for later steps. Exit codes: 0 done, 2 a
// usage error or an unreadable report.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

type sarifLog struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Rules []struct {
					ID               string `json:"id"`
					ShortDescription struct {
						Text string `json:"text"`
					} `json:"shortDescription"`
					HelpURI string `json:"helpUri"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []result `json:"results"`
	} `json:"runs"`
}

type result struct {
	RuleID    string `json:"ruleId"`
	RuleIndex *int   `json:"ruleIndex"`
	Level     string `json:"level"`
	Message   struct {
		Text string `json:"text"`
	} `json:"message"`
	Locations []struct {
		PhysicalLocation struct {
			ArtifactLocation struct {
				URI string `json:"uri"`
			} `json:"artifactLocation"`
			Region *struct {
				StartLine   int `json:"startLine"`
				StartColumn int `json:"startColumn"`
				EndLine     int `json:"endLine"`
				EndColumn   int `json:"endColumn"`
			} `json:"region"`
		} `json:"physicalLocation"`
	} `json:"locations"`
	Suppressions []json.RawMessage `json:"suppressions"`
}

// finding is one result as the workflow shows it.
type finding struct {
	level, rule, title, help, message, file string
	line, col, endLine, endCol              int
}

var rank = map[string]int{"error": 3, "warning": 2, "note": 1, "none": 0}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("djleak-action", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sarifPath := fs.String("sarif", "", "the SARIF report djleak wrote")
	maxAnn := fs.Int("max-annotations", 10, "annotations to print at most; the summary lists the rest")
	summary := fs.String("summary", "", "append a Markdown summary to this file ($GITHUB_STEP_SUMMARY)")
	failOn := fs.String("fail-on", "note", "lowest level that fails the step: error, warning, note, or never")
	ghOutput := fs.String("github-output", "", "append findings=N and fail=true|false to this file ($GITHUB_OUTPUT)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	threshold, ok := rank[*failOn]
	if *failOn == "never" {
		threshold, ok = 99, true
	}
	if !ok || *failOn == "none" || *sarifPath == "" || *maxAnn < 0 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "djleak-action: usage: djleak-action --sarif FILE [--max-annotations N] [--summary FILE] [--fail-on error|warning|note|never] [--github-output FILE]")
		return 2
	}
	data, err := os.ReadFile(*sarifPath)
	if err != nil {
		fmt.Fprintf(stderr, "djleak-action: %v\n", err)
		return 2
	}
	var log sarifLog
	if err := json.Unmarshal(data, &log); err != nil {
		fmt.Fprintf(stderr, "djleak-action: %s is not a SARIF report: %v\n", *sarifPath, err)
		return 2
	}
	findings := collect(&log)
	fail := false
	for _, f := range findings {
		fail = fail || rank[f.level] >= threshold
	}
	shown := findings
	if len(shown) > *maxAnn {
		shown = shown[:*maxAnn]
	}
	for _, f := range shown {
		fmt.Fprintln(stdout, annotation(f))
	}
	if *summary != "" {
		if err := appendFile(*summary, summaryMarkdown(findings, len(shown))); err != nil {
			fmt.Fprintf(stderr, "djleak-action: %v\n", err)
			return 2
		}
	}
	if *ghOutput != "" {
		if err := appendFile(*ghOutput, fmt.Sprintf("findings=%d\nfail=%t\n", len(findings), fail)); err != nil {
			fmt.Fprintf(stderr, "djleak-action: %v\n", err)
			return 2
		}
	}
	return 0
}

// collect lists the unsuppressed results, most severe first (stable).
func collect(log *sarifLog) []finding {
	var out []finding
	for _, r := range log.Runs {
		for _, res := range r.Results {
			if len(res.Suppressions) > 0 {
				continue
			}
			f := finding{level: res.Level, rule: res.RuleID, title: res.RuleID, message: plainMessage(res.Message.Text)}
			if f.level == "" {
				f.level = "warning"
			}
			if i := res.RuleIndex; i != nil && *i >= 0 && *i < len(r.Tool.Driver.Rules) {
				rule := r.Tool.Driver.Rules[*i]
				if rule.ShortDescription.Text != "" {
					f.title = res.RuleID + ": " + rule.ShortDescription.Text
				}
				f.help = rule.HelpURI
			}
			if len(res.Locations) > 0 {
				pl := res.Locations[0].PhysicalLocation
				f.file, _ = url.PathUnescape(pl.ArtifactLocation.URI)
				if reg := pl.Region; reg != nil {
					f.line, f.col, f.endLine, f.endCol = reg.StartLine, reg.StartColumn, reg.EndLine, reg.EndColumn
				}
			}
			out = append(out, f)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return rank[out[i].level] > rank[out[j].level] })
	return out
}

var (
	embeddedLink = regexp.MustCompile(`(^|[^\\])\[((?:[^\]\\]|\\.)*)\]\(\d+\)`)
	unescape     = strings.NewReplacer(`\[`, "[", `\]`, "]", `\\`, `\`)
)

// plainMessage turns SARIF embedded links ("[views.py:3](1)") into their
// text and drops the escapes of literal brackets.
func plainMessage(s string) string {
	s = embeddedLink.ReplaceAllString(s, "$1$2")
	return unescape.Replace(s)
}

// annotation is the workflow command for a finding. GitHub accepts columns
// only on single-line annotations.
func annotation(f finding) string {
	cmd := map[string]string{"error": "error", "warning": "warning"}[f.level]
	if cmd == "" {
		cmd = "notice"
	}
	var props []string
	if f.file != "" {
		props = append(props, "file="+escapeProperty(f.file))
		if f.line > 0 {
			props = append(props, fmt.Sprintf("line=%d", f.line))
			end := max(f.endLine, f.line)
			if end == f.line && f.col > 0 {
				props = append(props, fmt.Sprintf("col=%d", f.col), fmt.Sprintf("endLine=%d", end), fmt.Sprintf("endColumn=%d", max(f.endCol, f.col)))
			} else {
				props = append(props, fmt.Sprintf("endLine=%d", end))
			}
		}
	}
	props = append(props, "title="+escapeProperty(f.title))
	return "::" + cmd + " " + strings.Join(props, ",") + "::" + escapeData(f.message)
}

var (
	escapeData     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace
	escapeProperty = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace
	escapeCell     = strings.NewReplacer("|", `\|`, "\r", " ", "\n", " ").Replace
)

// summaryMarkdown is the job summary: counts, then every finding in a
// table, marking those beyond the annotation cap.
func summaryMarkdown(fs []finding, annotated int) string {
	var b strings.Builder
	b.WriteString("## djleak\n\n")
	if len(fs) == 0 {
		b.WriteString("No findings.\n")
		return b.String()
	}
	count := map[string]int{}
	for _, f := range fs {
		count[f.level]++
	}
	fmt.Fprintf(&b, "%d findings: %d errors, %d warnings, %d notes.", len(fs), count["error"], count["warning"], count["note"])
	if annotated < len(fs) {
		fmt.Fprintf(&b, " The first %d are annotated on the files; the other %d are listed below only (see the code scanning alerts for all).", annotated, len(fs)-annotated)
	}
	b.WriteString("\n\n| | level | rule | location | message |\n|---|---|---|---|---|\n")
	for i, f := range fs {
		mark := ""
		if i >= annotated {
			mark = "not annotated"
		}
		rule := f.rule
		if f.help != "" {
			rule = "[" + f.rule + "](" + f.help + ")"
		}
		loc := f.file
		if f.line > 0 {
			loc = fmt.Sprintf("%s:%d", f.file, f.line)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | `%s` | %s |\n", mark, f.level, rule, escapeCell(loc), escapeCell(f.message))
	}
	return b.String()
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
