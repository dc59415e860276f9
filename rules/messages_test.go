package rules

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
)

// firstSentence is the part of a message that GitHub code scanning shows in
// its alert list and annotations: up to the first full stop followed by a
// blank or the end (a dot inside `request.META` or `views.py` ends nothing).
func firstSentence(msg string) string {
	for i := 0; i < len(msg); i++ {
		if msg[i] == '.' && (i+1 == len(msg) || msg[i+1] == ' ' || msg[i+1] == '\n') {
			return msg[:i+1]
		}
	}
	return msg
}

var (
	abbreviationEnd = regexp.MustCompile(`(?i)\b(e\.g|i\.e|etc|vs|cf|approx|incl)\.$`)
	quotedToken     = regexp.MustCompile("`[^`]*`|'[^'\\s]{1,3}'")
	backReference   = regexp.MustCompile(`(?i)^(it|this|that|they|these|those|here|there)\b|\b(see below|see above|as above|the above|the following)\b`)
)

// TestMessageFirstSentenceStandsAlone audits the message of every finding
// each rule's Example and every fixture produce: GitHub shows only its first sentence, so that
// sentence must say what is wrong on its own — long enough to name the
// problem, not cut inside parentheses, quotes or code, not cut at an
// abbreviation, and not pointing at text that GitHub leaves out.
func TestMessageFirstSentenceStandsAlone(t *testing.T) {
	byRule := map[string][]*analyzer.Finding{}
	for _, r := range All() {
		byRule[r.ID] = append(byRule[r.ID], only(analyzertest.Run(t, r.Example, All()...), r.ID)...)
	}
	files, _ := filepath.Glob("testdata/fixtures/*.txtar")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range analyzertest.Run(t, string(data), All()...) {
			byRule[f.RuleID] = append(byRule[f.RuleID], f)
		}
	}
	for _, r := range All() {
		t.Run(r.ID, func(t *testing.T) {
			for _, f := range byRule[r.ID] {
				checkFirstSentence(t, f.Message)
			}
		})
	}
}

func checkFirstSentence(t *testing.T, msg string) {
	t.Helper()
	first := firstSentence(msg)
	bare := quotedToken.ReplaceAllString(first, "") // '(' quoted in a syntax error is no parenthesis
	switch {
	case utf8.RuneCountInString(first) < 25:
		t.Errorf("first sentence too short to stand alone: %q", first)
	case abbreviationEnd.MatchString(first):
		t.Errorf("first sentence cut at an abbreviation: %q", first)
	case backReference.MatchString(first):
		t.Errorf("first sentence refers to text GitHub does not show: %q", first)
	case strings.Count(bare, "(") != strings.Count(bare, ")"),
		strings.Count(bare, "[") != strings.Count(bare, "]"),
		strings.Count(first, "`")%2 != 0:
		t.Errorf("first sentence cut inside parentheses, brackets or code: %q", first)
	case first != strings.TrimSpace(first) || strings.ContainsAny(first, "\r\n"):
		t.Errorf("first sentence has stray blanks or line breaks: %q", first)
	}
}

// TestFirstSentenceChecks: the audit's checks reject messages that do not
// stand alone.
func TestFirstSentenceChecks(t *testing.T) {
	if got := firstSentence("request.META reads views.py. Then more."); got != "request.META reads views.py." {
		t.Errorf("firstSentence = %q", got)
	}
	for _, bad := range []string{"This is unsafe, see the nginx file.", "tokens leak, e.g. in logs", "the value (read from the header. It is forged)"} {
		first := firstSentence(bad)
		if !backReference.MatchString(first) && !abbreviationEnd.MatchString(firstSentence(strings.Replace(bad, "e.g. in logs", "e.g.", 1))) &&
			strings.Count(first, "(") == strings.Count(first, ")") {
			t.Errorf("%q passes the checks", bad)
		}
	}
}
