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
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/djleak/djleak/analyzer"
)

// Options tunes the human-readable formats.
type Options struct {
	// Color enables ANSI colour in the text format. The CLI sets it only
	// when standard output is a terminal and NO_COLOR is unset (or when
	// --color=always is given). Other formats ignore it.
	Color bool
	// SARIFCategory, when set, is the SARIF run's automationDetails.id
	// (GitHub's analysis category), so that several djleak runs on one
	// commit (a monorepo's projects) do not replace each other's alerts.
	SARIFCategory string
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
		return writeSARIF(w, res, opts)
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
	out, _ := maskLine(text, secrets)
	return out
}

// maskLine masks the secrets in text and maps positions: cols[i] is the
// rune index in the result of rune index i of text (i up to the rune
// count, for end positions). Occurrences are masked left to right; where
// two overlap, the one starting first (then the longer) wins.
func maskLine(text string, secrets []string) (string, []int) {
	type span struct{ start, end int } // byte offsets in text
	var spans []span
	for _, s := range secrets {
		for from := 0; s != "" && from < len(text); {
			i := strings.Index(text[from:], s)
			if i < 0 {
				break
			}
			spans = append(spans, span{from + i, from + i + len(s)})
			from += i + len(s)
		}
	}
	sort.Slice(spans, func(i, j int) bool {
		if spans[i].start != spans[j].start {
			return spans[i].start < spans[j].start
		}
		return spans[i].end > spans[j].end
	})
	var b strings.Builder
	cols := make([]int, 0, len(text)+1)
	out := 0 // runes written
	for i := 0; i < len(text); {
		if len(spans) > 0 && spans[0].start == i {
			sp := spans[0]
			masked := analyzer.Mask(text[sp.start:sp.end])
			b.WriteString(masked)
			// Runes of the secret map onto the shown prefix, the rest onto
			// the ellipsis.
			shown := utf8.RuneCountInString(masked) - 1
			k := 0
			for range text[sp.start:sp.end] {
				cols = append(cols, out+min(k, shown))
				k++
			}
			out += utf8.RuneCountInString(masked)
			i = sp.end
			for len(spans) > 0 && spans[0].start < i {
				spans = spans[1:] // overlapped by the one just masked
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		b.WriteRune(r)
		cols = append(cols, out)
		out++
		i += size
	}
	cols = append(cols, out)
	return b.String(), cols
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
