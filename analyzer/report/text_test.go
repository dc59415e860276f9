package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/source"
)

func TestCellsAndExpand(t *testing.T) {
	for _, tc := range []struct {
		line string
		col  int
		want int
	}{
		{"abc", 1, 0},
		{"abc", 3, 2},
		{"abc", 4, 3},
		{"abc", 6, 5}, // past the end of the line
		{"\tx", 2, 4},
		{"a\tx", 3, 4},
		{"abcd\tx", 6, 8},
		{"👋x", 2, 2},       // emoji: two cells
		{"日本x", 3, 4},      // East Asian wide
		{"e\u0301x", 3, 1}, // combining acute accent: no cell
		{"\x1bx", 2, 1},    // control character, shown as U+FFFD
	} {
		if got := cells(tc.line, tc.col); got != tc.want {
			t.Errorf("cells(%q, %d) = %d, want %d", tc.line, tc.col, got, tc.want)
		}
	}
	if got := expand("a\tb\t\tc"); got != "a   b       c" {
		t.Errorf("expand = %q", got)
	}
	if got := expand("x\x1b[31m\u202ey"); got != "x\ufffd[31m\ufffdy" {
		t.Errorf("control and bidi characters must not reach the terminal: %q", got)
	}
}

// frameOf renders the text format of a single finding.
func frameOf(t *testing.T, content string, loc func(*source.File) source.Location) string {
	t.Helper()
	f := source.NewFile("f.py", []byte(content))
	res := &analyzer.Result{
		Findings:     []*analyzer.Finding{{RuleID: "DJL901", Severity: analyzer.Error, Message: "m", Location: loc(f)}},
		Rules:        fakeRules(),
		Files:        map[string]*source.File{f.Path: f},
		FilesScanned: 1,
	}
	return string(render(t, "text", res, Options{}))
}

func TestTextFrame(t *testing.T) {
	// The caret sits under the range, after an emoji (two cells) and a tab
	// (to column 8).
	got := frameOf(t, "a = 1\nx = \"👋\"\tTOKEN\nb = 2\n", func(f *source.File) source.Location {
		off := strings.Index(string(f.Content), "TOKEN")
		return f.Span(off, off+5)
	})
	want := `f.py:2:9: DJL901 m
  |
1 | a = 1
2 | x = "👋"    TOKEN
  |             ^^^^^
3 | b = 2
  |

Found 1 finding (1 error, 0 warnings, 0 notes) in 1 file.
`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}

	// A range over more lines than the frame shows is cut after three
	// lines, underlined to the end of its first line; no line before line 1.
	got = frameOf(t, "one(\n  two,\n  three,\n  four,\n)\nafter\n", func(f *source.File) source.Location {
		return f.Span(0, strings.Index(string(f.Content), "after")-1)
	})
	want = `f.py:1:1: DJL901 m
    |
  1 | one(
    | ^^^^
  2 |   two,
  3 |   three,
... |
    |
`
	if !strings.HasPrefix(got, want) {
		t.Errorf("got:\n%s\nwant prefix:\n%s", got, want)
	}

	// An empty range gets one caret; a range ending with the line break
	// does not pull in the next line as part of the range.
	got = frameOf(t, "x = 1\n", func(f *source.File) source.Location { return f.Span(6, 6) })
	if !strings.Contains(got, "2 |\n  | ^\n") {
		t.Errorf("finding after the final newline:\n%s", got)
	}
	got = frameOf(t, "x = 1\ny = 2\nz = 3\n", func(f *source.File) source.Location { return f.Span(6, 12) })
	if !strings.Contains(got, "2 | y = 2\n  | ^^^^^\n3 | z = 3\n") {
		t.Errorf("range ending with a newline:\n%s", got)
	}
}

func TestTextWithoutFileContent(t *testing.T) {
	res := sampleResult(t)
	res.Files = nil
	out := string(render(t, "text", res, Options{}))
	if strings.Contains(out, " | ") {
		t.Errorf("frames without file content:\n%s", out)
	}
	if !strings.Contains(out, "mysite/settings.py:3:32: DJL901 API_TOKEN is the literal sk_l…") {
		t.Errorf("header missing:\n%s", out)
	}
}

func TestSummary(t *testing.T) {
	if got := summary(&analyzer.Result{FilesScanned: 1}); got != "No findings in 1 file." {
		t.Errorf("got %q", got)
	}
	if got := summary(&analyzer.Result{}); got != "No findings in 0 files." {
		t.Errorf("got %q", got)
	}
	if got := summary(sampleResult(t)); got != "Found 4 findings (1 error, 2 warnings, 1 note) in 7 files." {
		t.Errorf("got %q", got)
	}
	out := string(render(t, "text", &analyzer.Result{FilesScanned: 3}, Options{}))
	if out != "No findings in 3 files.\n" {
		t.Errorf("empty text report = %q", out)
	}
}

func TestPrintable(t *testing.T) {
	if got := printable("a\r\nb\nc\td\x1b[2Je\u202e"); got != "a b c\td\ufffd[2Je\ufffd" {
		t.Errorf("printable = %q", got)
	}
	res := sampleResult(t)
	res.Findings[0].Message = "evil \x1b]0;title\x07 message"
	for _, f := range []string{"text", "concise"} {
		if out := render(t, f, res, Options{}); bytes.ContainsAny(out, "\x1b\x07") {
			t.Errorf("%s passes control characters from a message to the terminal", f)
		}
	}
}

func TestConcise(t *testing.T) {
	res := sampleResult(t)
	out := string(render(t, "concise", res, Options{}))
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(res.Findings) {
		t.Fatalf("%d lines for %d findings:\n%s", len(lines), len(res.Findings), out)
	}
	for i, f := range res.Findings {
		prefix := position(res, f.Location) + ": " + f.RuleID + " "
		if !strings.HasPrefix(lines[i], prefix) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], prefix)
		}
	}
	if got := render(t, "concise", &analyzer.Result{}, Options{}); len(got) != 0 {
		t.Errorf("concise output for no findings: %q", got)
	}
}

// TestTextFrameAfterMaskedSecret: a secret masked earlier on the line
// shortens it; the caret still sits under the range, and a range over the
// secret underlines its masked form.
func TestTextFrameAfterMaskedSecret(t *testing.T) {
	content := "KEY = \"sk_live_abcdef123456\"; use(KEY, token)\n"
	f := source.NewFile("f.py", []byte(content))
	for _, tc := range []struct {
		name, target, want string
	}{
		{"after", "token", "token"},
		{"over", `"sk_live_abcdef123456"`, `"sk_l…"`},
	} {
		off := strings.Index(content, tc.target)
		res := &analyzer.Result{
			Findings: []*analyzer.Finding{{RuleID: "DJL901", Severity: analyzer.Error, Message: "m",
				Location: f.Span(off, off+len(tc.target)), Secrets: []string{"sk_live_abcdef123456"}}},
			Rules:        fakeRules(),
			Files:        map[string]*source.File{f.Path: f},
			FilesScanned: 1,
			Secrets:      []string{"sk_live_abcdef123456"},
		}
		lines := strings.Split(string(render(t, "text", res, Options{})), "\n")
		var src, carets string
		for i, l := range lines {
			if strings.HasPrefix(l, "1 | ") && i+1 < len(lines) {
				src, carets = l, lines[i+1]
			}
		}
		from, to := strings.Index(carets, "^"), strings.LastIndex(carets, "^")+1
		if from < 0 || src == "" {
			t.Fatalf("%s: no frame:\n%s", tc.name, strings.Join(lines, "\n"))
		}
		// Every character on this line takes one cell, so runes are cells.
		if got := string([]rune(src)[from:to]); got != tc.want {
			t.Errorf("%s: carets underline %q, want %q:\n%s\n%s", tc.name, got, tc.want, src, carets)
		}
	}
}
