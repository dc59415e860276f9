package report

import (
	"encoding/json"
	"io"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/source"
)

// JSONVersion is the version of the JSON report schema. It changes only
// when a field is removed or changes meaning; new fields may be added
// without a new version, so consumers should ignore fields they do not know.
const JSONVersion = 1

// JSONReport is the document `djleak check --format json` writes, indented
// with two spaces and ending with a newline:
//
//	{
//	  "version": 1,
//	  "tool": {"name": "djleak", "version": "0.1.0"},
//	  "summary": {
//	    "files": 12,
//	    "findings": 2,
//	    "by_severity": {"error": 1, "warning": 1, "note": 0}
//	  },
//	  "findings": [
//	    {
//	      "rule": "NGX101",
//	      "name": "client-verify-missing",
//	      "severity": "error",
//	      "message": "server api.example.com has …",
//	      "path": "deploy/nginx/app.conf",
//	      "line": 12, "column": 5, "end_line": 12, "end_column": 41,
//	      "fingerprint": "3f1c2a9b0d4e5f67",
//	      "related": [
//	        {"path": "app/auth.py", "line": 8, "column": 12, "end_line": 8, "end_column": 40,
//	         "message": "the application reads client identity here"}
//	      ],
//	      "flow": []
//	    }
//	  ]
//	}
//
// Fields:
//
//   - version: JSONVersion (1).
//   - tool.name, tool.version: "djleak" and its version.
//   - summary.files: number of files djleak read.
//   - summary.findings: number of findings that are not suppressed.
//   - summary.by_severity: those findings per severity; all three keys are
//     always present.
//   - summary.suppressed: number of suppressed findings in "findings"
//     (only with --include-suppressed; absent when 0).
//   - findings: sorted by path, line, column, rule and message; [] when there
//     are none.
//   - findings[].rule: the rule ID (DJL401, NGX101, …); name: the rule's
//     kebab-case name ("" if the rule is unknown); severity: "error",
//     "warning" or "note".
//   - findings[].message: the message, as the rule wrote it; secret values
//     in it are masked ("abcd…").
//   - findings[].path: slash-separated, relative to the current working
//     directory (it may start with "../"), as the text format prints it;
//     relative to the project root when the report is built without one.
//   - line, column, end_line, end_column: 1-based; columns count Unicode
//     code points; the end is exclusive (end_column is the column just after
//     the range, equal to column for an empty range).
//   - findings[].fingerprint: a hex string that identifies the finding
//     across runs even when unrelated lines move (rule, path and a
//     line-independent key).
//   - findings[].related: secondary locations (the other side of a
//     cross-file finding, …), each with path, line, column, end_line,
//     end_column and message; [] when there are none. A path starting with
//     "<builtin>/" names a file built into djleak (nginx's stock
//     proxy_params, …), not a file of the project.
//   - findings[].flow: the steps of the finding's code flow from source to
//     sink, same shape as related; [] when there are none.
//   - findings[].suppressed, findings[].justification: true and the
//     comment's reason for a finding a suppression comment covers (only
//     with --include-suppressed); absent otherwise.
type JSONReport struct {
	Version  int           `json:"version"`
	Tool     JSONTool      `json:"tool"`
	Summary  JSONSummary   `json:"summary"`
	Findings []JSONFinding `json:"findings"`
}

// JSONTool identifies djleak.
type JSONTool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// JSONSummary counts files and findings.
type JSONSummary struct {
	Files      int            `json:"files"`
	Findings   int            `json:"findings"`
	BySeverity JSONBySeverity `json:"by_severity"`
	Suppressed int            `json:"suppressed,omitempty"`
}

// JSONBySeverity counts findings per severity.
type JSONBySeverity struct {
	Error   int `json:"error"`
	Warning int `json:"warning"`
	Note    int `json:"note"`
}

// JSONFinding is one finding. Paths are project-relative and slash-separated;
// a byte of a file name that is not valid UTF-8 is written %XX, and % as
// %25, so percent-decoding a path always gives the file name's bytes.
type JSONFinding struct {
	Rule        string         `json:"rule"`
	Name        string         `json:"name"`
	Severity    string         `json:"severity"`
	Message     string         `json:"message"`
	Path        string         `json:"path"`
	Line        int            `json:"line"`
	Column      int            `json:"column"`
	EndLine     int            `json:"end_line"`
	EndColumn   int            `json:"end_column"`
	Fingerprint string         `json:"fingerprint"`
	Related     []JSONLocation `json:"related"`
	Flow        []JSONLocation `json:"flow"`
	// Suppressed and Justification are set for a suppressed finding.
	Suppressed    bool   `json:"suppressed,omitempty"`
	Justification string `json:"justification,omitempty"`
}

// JSONLocation is a related location or a flow step.
type JSONLocation struct {
	Path      string `json:"path"`
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	EndLine   int    `json:"end_line"`
	EndColumn int    `json:"end_column"`
	Message   string `json:"message"`
}

// NewJSONReport builds the JSON document for res.
func NewJSONReport(res *analyzer.Result) *JSONReport {
	c := countFindings(res.Findings)
	out := &JSONReport{
		Version: JSONVersion,
		Tool:    JSONTool{Name: analyzer.Name, Version: analyzer.Version},
		Summary: JSONSummary{
			Files:      res.FilesScanned,
			Findings:   c.errors + c.warnings + c.notes,
			BySeverity: JSONBySeverity{Error: c.errors, Warning: c.warnings, Note: c.notes},
			Suppressed: c.suppressed,
		},
		Findings: make([]JSONFinding, 0, len(res.Findings)),
	}
	for _, f := range res.Findings {
		jf := JSONFinding{
			Rule:        f.RuleID,
			Name:        ruleName(res, f.RuleID),
			Severity:    f.Severity.String(),
			Message:     f.Message,
			Path:        portablePath(res.DisplayPath(f.Location.Path)),
			Line:        f.Location.Start.Line,
			Column:      f.Location.Start.Column,
			EndLine:     f.Location.End.Line,
			EndColumn:   f.Location.End.Column,
			Fingerprint: f.Fingerprint,
			Related:     make([]JSONLocation, 0, len(f.Related)),
			Flow:        make([]JSONLocation, 0, len(f.Flow)),
		}
		if f.Suppressed != nil {
			jf.Suppressed, jf.Justification = true, f.Suppressed.Justification
		}
		for _, r := range f.Related {
			jf.Related = append(jf.Related, jsonLocation(res, r.Location, r.Message))
		}
		for _, s := range f.Flow {
			jf.Flow = append(jf.Flow, jsonLocation(res, s.Location, s.Message))
		}
		out.Findings = append(out.Findings, jf)
	}
	return out
}

func jsonLocation(res *analyzer.Result, l source.Location, msg string) JSONLocation {
	return JSONLocation{
		Path: portablePath(res.DisplayPath(l.Path)), Line: l.Start.Line, Column: l.Start.Column,
		EndLine: l.End.Line, EndColumn: l.End.Column, Message: msg,
	}
}

func writeJSON(w io.Writer, res *analyzer.Result) error {
	return encodeIndented(w, NewJSONReport(res))
}

// encodeIndented writes v as JSON indented by two spaces, without HTML
// escaping (so "<builtin>" and "&" stay readable), ending with a newline.
func encodeIndented(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
