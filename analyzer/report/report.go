// Package report writes an analyzer.Result in each of djleak's output
// formats: text (the default, with code frames), concise, json, sarif,
// github, junit and gitlab.
//
// Every format is deterministic: the same Result gives the same bytes.
// Messages are written as the rules produced them, masked (package mask),
// and escaped as each format's syntax requires.
package report

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/mask"
)

// Options tunes the human-readable formats.
type Options struct {
	// Color enables ANSI colour in the text format. The CLI sets it only
	// when standard output is a terminal and NO_COLOR is unset (or when
	// --color=always is given). Other formats ignore it.
	Color bool
	// Quiet leaves out the summary line of the text format.
	Quiet bool
	// SARIFCategory, when set, is the SARIF run's automationDetails.id
	// (GitHub's analysis category), so that several djleak runs on one
	// commit (a monorepo's projects) do not replace each other's alerts.
	SARIFCategory string
}

// Formats lists the format names Write accepts; the first is the default.
var Formats = []string{"text", "concise", "json", "sarif", "github", "junit", "gitlab"}

// Write renders res in the named format.
func Write(w io.Writer, format string, res *analyzer.Result, opts Options) error {
	if res == nil {
		res = &analyzer.Result{}
	}
	res = maskedResult(res)
	switch format {
	case "text", "":
		return writeText(w, res, opts)
	case "concise":
		return writeConcise(w, res)
	case "json":
		return writeJSON(w, res)
	case "sarif":
		return writeSARIF(w, res, opts)
	case "github":
		return writeGitHub(w, res)
	case "junit":
		return writeJUnit(w, res)
	case "gitlab":
		return writeGitLab(w, res)
	}
	return fmt.Errorf("unknown output format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

// counts tallies findings by severity; suppressed findings (shown with
// --include-suppressed) are counted apart.
type counts struct{ errors, warnings, notes, suppressed int }

func countFindings(fs []*analyzer.Finding) counts {
	var c counts
	for _, f := range fs {
		if f.Suppressed != nil {
			c.suppressed++
			continue
		}
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

// suppressedMark is the marker of a suppressed finding in the text,
// concise and github formats.
const suppressedMark = "[suppressed]"

// marked is the rule ID, followed by the marker for a suppressed finding.
func marked(f *analyzer.Finding) string {
	if f.Suppressed != nil {
		return f.RuleID + " " + suppressedMark
	}
	return f.RuleID
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

// masker hides every credential-looking value in the text res's outputs
// show (see package mask): the literal secrets the rules found and every
// value that looks like a credential, whichever rule reported the line.
func masker(res *analyzer.Result) *mask.Masker { return mask.New(res.Secrets, res.TokenNames) }

// maskedResult is res with every message masked: findings', related
// locations' and flow steps' messages, suppression justifications and the
// messages of the files that could not be parsed.
// Every format writes from it, so none can print a secret in a message.
func maskedResult(res *analyzer.Result) *analyzer.Result {
	m := masker(res)
	out := *res
	out.Findings = make([]*analyzer.Finding, len(res.Findings))
	for i, f := range res.Findings {
		c := *f
		c.Message = m.Text(f.Message)
		if f.Related != nil {
			c.Related = make([]analyzer.Related, len(f.Related))
			for j, r := range f.Related {
				c.Related[j] = analyzer.Related{Location: r.Location, Message: m.Text(r.Message)}
			}
		}
		if f.Flow != nil {
			c.Flow = make([]analyzer.Step, len(f.Flow))
			for j, s := range f.Flow {
				c.Flow[j] = analyzer.Step{Location: s.Location, Message: m.Text(s.Message)}
			}
		}
		if f.Suppressed != nil {
			s := *f.Suppressed
			s.Justification = m.Text(s.Justification)
			c.Suppressed = &s
		}
		out.Findings[i] = &c
	}
	if res.ParseFailures != nil {
		out.ParseFailures = make([]analyzer.Related, len(res.ParseFailures))
		for i, pf := range res.ParseFailures {
			out.ParseFailures[i] = analyzer.Related{Location: pf.Location, Message: m.Text(pf.Message)}
		}
	}
	return &out
}

// portablePath is how JSON and GitHub output write a project-relative
// path: percent-encoded as in a URI (RFC 3986), but only where needed to
// keep every file name exact in UTF-8 text — each byte that is not part of
// valid UTF-8 becomes %XX, and % itself becomes %25; everything else is
// unchanged. Percent-decoding gives back the file name's bytes.
func portablePath(p string) string {
	if utf8.ValidString(p) && !strings.Contains(p, "%") {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRuneInString(p[i:])
		if (r == utf8.RuneError && size == 1) || r == '%' {
			fmt.Fprintf(&b, "%%%02X", p[i])
		} else {
			b.WriteString(p[i : i+size])
		}
		i += size
	}
	return b.String()
}
