// Package report writes an analyzer.Result in each of djleak's output
// formats: text (the default, with code frames), concise, json, sarif and
// github.
//
// Every format is deterministic: the same Result gives the same bytes.
// Messages are written as the rules produced them (rules mask secrets);
// formats only escape them as their syntax requires.
package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/djleak/djleak/analyzer"
)

// Options tunes the human-readable formats.
type Options struct {
	// Color enables ANSI colour in the text format. The CLI sets it only
	// when standard output is a terminal and NO_COLOR is unset (or when
	// --color=always is given). Other formats ignore it.
	Color bool
}

// Formats lists the format names Write accepts; the first is the default.
var Formats = []string{"text", "concise", "json", "sarif", "github"}

// Write renders res in the named format.
func Write(w io.Writer, format string, res *analyzer.Result, opts Options) error {
	if res == nil {
		res = &analyzer.Result{}
	}
	switch format {
	case "text", "":
		return writeText(w, res, opts)
	case "concise":
		return writeConcise(w, res)
	case "json":
		return writeJSON(w, res)
	case "sarif":
		return writeSARIF(w, res)
	case "github":
		return writeGitHub(w, res)
	}
	return fmt.Errorf("unknown output format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

// counts tallies findings by severity.
type counts struct{ errors, warnings, notes int }

func countFindings(fs []*analyzer.Finding) counts {
	var c counts
	for _, f := range fs {
		switch f.Severity {
		case analyzer.Error:
			c.errors++
		case analyzer.Warning:
			c.warnings++
		default:
			c.notes++
		}
	}
	return c
}

// isSynthetic reports whether a path names no file of the project, such as
// nginx's built-in parameter files ("<builtin>/proxy_params").
func isSynthetic(path string) bool { return strings.HasPrefix(path, "<") }

// ruleName is the kebab-case name of a rule, or "" when the rule is unknown.
func ruleName(res *analyzer.Result, id string) string {
	if r := res.RuleByID(id); r != nil {
		return r.Name
	}
	return ""
}

// oneLine replaces line breaks so that a message stays on one line.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", " ")
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// errWriter remembers the first write error so writers can print freely
// and check once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }

// maskSecrets replaces every secret value in source text shown to the user
// (code frames, SARIF snippets) with its masked form: the first four
// characters and "…". Rules list the literal secrets of a finding in
// Finding.Secrets.
func maskSecrets(text string, secrets []string) string {
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			text = strings.ReplaceAll(text, s, analyzer.Mask(s))
		}
	}
	return text
}
