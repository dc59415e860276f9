package analyzertest

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/tools/txtar"

	"github.com/djleak/djleak/analyzer"
)

// Inline expectations, in the style of x/tools' analysistest: a comment in
// a fixture file of the form
//
//	x = f(token)  # want DJL101 "token .* query string"
//
// expects, on that line, one finding of each named rule whose message
// matches the quoted regular expression (Go syntax, unanchored; the quoted
// text uses Go string escapes). One comment may hold several expectations:
// `# want NGX202 "X-Client-DN" NGX202 "X-Client-Verify"`.
//
// The comment is `#` for Python, nginx, HAProxy, Caddy, Apache, YAML, INI,
// Dockerfiles, Procfiles and systemd units, and `{# … #}` for Django
// templates. Formats that have no trailing comments (Apache httpd, systemd,
// Dockerfiles) and lines that already end in a comment carry the
// expectation on a comment line of its own: a want comment alone on its
// line applies to the next line that is not itself such a comment.

// wantComment finds a want comment: the marker, then one or more
// `ID "regexp"` pairs, to the end of the line (or a closing `#}`).
var wantComment = regexp.MustCompile(`(?:^|\s)(\{#|#)\s*want\s+((?:[A-Z]{3}[0-9]{3}\s+"(?:[^"\\]|\\.)*"\s*)+)(?:#\}\s*)?$`)

var wantPair = regexp.MustCompile(`([A-Z]{3}[0-9]{3})\s+("(?:[^"\\]|\\.)*")`)

// InlineWant is one expectation written next to the code.
type InlineWant struct {
	Want
	Message *regexp.Regexp
	At      int // line of the want comment itself
}

func (w InlineWant) String() string {
	return fmt.Sprintf("%s %s:%d %q", w.Rule, w.Path, w.Line, w.Message.String())
}

// InlineWants reads the want comments of every file of an archive.
func InlineWants(a *txtar.Archive) ([]InlineWant, error) {
	var out []InlineWant
	for _, f := range a.Files {
		lines := strings.Split(strings.TrimSuffix(string(f.Data), "\n"), "\n")
		var pending []InlineWant // own-line wants waiting for their line
		for i, line := range lines {
			line = strings.TrimRight(line, "\r")
			m := wantComment.FindStringSubmatchIndex(line)
			if m == nil {
				for j := range pending {
					pending[j].Line = i + 1
				}
				out = append(out, pending...)
				pending = nil
				continue
			}
			var ws []InlineWant
			for _, p := range wantPair.FindAllStringSubmatch(line[m[4]:m[5]], -1) {
				text, err := strconv.Unquote(p[2])
				if err != nil {
					return nil, fmt.Errorf("%s:%d: bad want string %s: %v", f.Name, i+1, p[2], err)
				}
				re, err := regexp.Compile(text)
				if err != nil {
					return nil, fmt.Errorf("%s:%d: bad want regexp %s: %v", f.Name, i+1, p[2], err)
				}
				ws = append(ws, InlineWant{Want: Want{Rule: p[1], Path: f.Name, Line: i + 1}, Message: re, At: i + 1})
			}
			if strings.TrimSpace(line[:m[2]]) == "" {
				pending = append(pending, ws...)
				continue
			}
			for j := range pending {
				pending[j].Line = i + 1
			}
			out = append(out, pending...)
			pending = nil
			out = append(out, ws...)
		}
		if len(pending) > 0 {
			return nil, fmt.Errorf("%s:%d: want comment with no line after it", f.Name, pending[0].At)
		}
	}
	return out, nil
}

// CheckWants compares findings with a fixture's expectations: the header's
// `want: ID path:line` lines and the inline want comments. Every finding
// must be expected and every expectation met, one finding per
// expectation; an inline expectation's regexp must match the message. It
// returns one line per problem, sorted.
func CheckWants(got []*analyzer.Finding, header []Want, inline []InlineWant) []string {
	used := make([]bool, len(got))
	var problems []string
	take := func(match func(*analyzer.Finding) bool) bool {
		for i, f := range got {
			if !used[i] && match(f) {
				used[i] = true
				return true
			}
		}
		return false
	}
	at := func(f *analyzer.Finding, w Want) bool {
		return f.RuleID == w.Rule && f.Location.Path == w.Path && f.Location.Start.Line == w.Line
	}
	// Inline wants first, most specific regexps first, so that a header
	// want never takes a finding an inline want describes.
	sorted := append([]InlineWant(nil), inline...)
	sort.SliceStable(sorted, func(i, j int) bool {
		return len(sorted[i].Message.String()) > len(sorted[j].Message.String())
	})
	for _, w := range sorted {
		if !take(func(f *analyzer.Finding) bool { return at(f, w.Want) && w.Message.MatchString(f.Message) }) {
			problems = append(problems, "missing: "+w.String())
		}
	}
	for _, w := range header {
		if !take(func(f *analyzer.Finding) bool { return at(f, w) }) {
			problems = append(problems, "missing: "+w.String())
		}
	}
	for i, f := range got {
		if !used[i] {
			problems = append(problems, fmt.Sprintf("unexpected: %s %s:%d %s", f.RuleID, f.Location.Path, f.Location.Start.Line, f.Message))
		}
	}
	sort.Strings(problems)
	return problems
}
