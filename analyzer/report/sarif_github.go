package report

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/djleak/djleak/analyzer"
)

// What GitHub code scanning reads from djleak's SARIF beyond the schema:
// which rules are security rules and how severe, absolute help links, and
// messages that link to their related locations.

// isSecurityRule says whether a rule finds a security weakness (it names a
// CWE). The others report djleak's own trouble: files it cannot parse,
// includes it cannot find, suppression comments.
func isSecurityRule(r *analyzer.Rule) bool { return len(r.CWE) > 0 }

// cweImpact is the CVSS-like base score of the typical worst outcome of
// each weakness djleak's rules name, as a security-severity. GitHub buckets
// it: critical ≥ 9.0, high ≥ 7.0, medium ≥ 4.0, low below.
var cweImpact = map[int]float64{
	290:  9.1, // authentication bypass by spoofing: a forged identity header
	287:  8.6, // improper authentication
	295:  8.1, // improper certificate validation
	345:  8.1, // insufficient verification of data authenticity
	348:  8.1, // use of a less trusted source
	807:  8.1, // untrusted input in a security decision
	1392: 8.1, // use of default credentials: a publicly known SECRET_KEY signs sessions
	321:  7.5, // hard-coded cryptographic key: whoever reads it forges signed values
	697:  7.5, // incorrect comparison (a verification check that proves nothing)
	489:  7.5, // active debug code: DEBUG pages show settings and headers
	319:  7.4, // cleartext transmission of sensitive information
	598:  6.5, // credentials in query strings
	613:  6.5, // insufficient session expiration
	532:  6.5, // sensitive information in log files
	436:  6.5, // interpretation conflict (header name spellings)
	614:  5.9, // sensitive cookie without Secure
	209:  5.3, // error messages with sensitive information
	215:  5.3, // sensitive information in debugging code
	184:  5.3, // incomplete list of disallowed inputs
	693:  5.3, // protection mechanism failure
	704:  5.3, // incorrect type conversion
	1004: 4.7, // sensitive cookie without HttpOnly
	1275: 4.3, // sensitive cookie with improper SameSite
	778:  3.7, // insufficient logging
	116:  3.7, // improper encoding of output
}

// securitySeverity is a security rule's security-severity: the highest
// impact of its CWEs, so that a forgeable identity (CWE-290) ranks above a
// cookie flag (CWE-1004) whatever their levels. A note-level rule stays low
// (below 4.0): its findings are advice. A rule whose CWEs are not in the
// table falls back to its level's score.
func securitySeverity(r *analyzer.Rule) string {
	best := 0.0
	for _, c := range r.CWE {
		best = max(best, cweImpact[c])
	}
	if best == 0 {
		return r.Severity.SecurityScore()
	}
	if r.Severity == analyzer.Note {
		best = min(best, 3.9)
	}
	return strconv.FormatFloat(best, 'f', 1, 64)
}

// helpBase is where the rule documentation lives; relative links in it are
// resolved against it, since GitHub shows help text outside the repository.
var helpBase, _ = url.Parse(analyzer.InformationURI + "/blob/main/docs/rules.md")

// absoluteLinks makes every relative Markdown link target in md absolute.
func absoluteLinks(md string) string {
	return mdLink.ReplaceAllStringFunc(md, func(m string) string {
		sub := mdLink.FindStringSubmatch(m)
		target, err := url.Parse(sub[2])
		if err != nil || target.IsAbs() {
			return m
		}
		return "[" + sub[1] + "](" + helpBase.ResolveReference(target).String() + ")"
	})
}

// messageWithLinks is a result's message.text: the finding's message (its
// first sentence stands alone: GitHub's alert list shows only that), then
// the related locations as embedded links "[path:line](id)", which GitHub
// renders as links to them. Brackets in the message that would read as a
// link are escaped, as SARIF requires.
func messageWithLinks(msg string, related []sarifLocation) string {
	msg = escapeLinkSyntax(msg)
	if len(related) == 0 {
		return msg
	}
	var links []string
	for _, l := range related {
		pl := l.PhysicalLocation
		text, _ := url.PathUnescape(pl.ArtifactLocation.URI)
		if pl.Region != nil {
			text += ":" + strconv.Itoa(pl.Region.StartLine)
		}
		links = append(links, fmt.Sprintf("[%s](%d)", escapeLinkText(text), l.ID))
	}
	sep := ". "
	if strings.HasSuffix(msg, ".") {
		sep = " "
	}
	return msg + sep + "Related locations: " + strings.Join(links, ", ") + "."
}

// escapeLinkSyntax escapes the brackets of text that has the shape of an
// embedded link ("[x](y)"), so that a message quoting code is not read as
// one.
func escapeLinkSyntax(s string) string {
	if !strings.Contains(s, "](") {
		return s
	}
	return mdLink.ReplaceAllStringFunc(s, func(m string) string {
		i := strings.Index(m, "](")
		return escapeLinkText(m[:i+1]) + m[i+1:]
	})
}

func escapeLinkText(s string) string {
	return strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`).Replace(s)
}
