package report

import (
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/parsers/source"
)

// TestSARIFRegionMaskedByItsLine: a region that covers only a literal, or
// starts inside it, is masked as its whole line is, although the secret
// name before it is outside the region; no rule lists the secret.
func TestSARIFRegionMaskedByItsLine(t *testing.T) {
	content := "import os\npassword = \"hunter2hunter2\"  # the old one\nx = 1\n"
	f := source.NewFile("app/settings.py", []byte(content))
	for _, tc := range []struct{ target, want string }{
		{`"hunter2hunter2"`, `"hunt…"`},
		{`ter2hunter2"  #`, `t…"  #`}, // starts inside the shown prefix
		{`password = "hunter2hunter2"`, `password = "hunt…"`},
		{"\"hunter2hunter2\"  # the old one\nx = 1", "\"hunt…\"  # the old one\nx = 1"},
	} {
		off := strings.Index(content, tc.target)
		loc := f.Span(off, off+len(tc.target))
		res := &analyzer.Result{
			Findings: []*analyzer.Finding{{RuleID: "DJL901", Severity: analyzer.Error, Message: "m", Location: loc,
				Related: []analyzer.Related{{Location: loc, Message: "here"}}}},
			Rules: fakeRules(),
			Files: map[string]*source.File{f.Path: f},
		}
		d := decodeSARIF(t, render(t, "sarif", res, Options{}))
		r := d.Runs[0].Results[0]
		pl := r.Locations[0].PhysicalLocation
		if got := pl.Region.Snippet.Text; got != tc.want {
			t.Errorf("%q: snippet %q, want %q", tc.target, got, tc.want)
		}
		if got := r.RelatedLocations[0].PhysicalLocation.Region.Snippet.Text; got != tc.want {
			t.Errorf("%q: related snippet %q, want %q", tc.target, got, tc.want)
		}
		if pl.ContextRegion == nil || strings.Contains(pl.ContextRegion.Snippet.Text, "hunter2") ||
			!strings.Contains(pl.ContextRegion.Snippet.Text, `password = "hunt…"`) {
			t.Errorf("%q: context region %+v", tc.target, pl.ContextRegion)
		}
	}
}

// TestTextFrameAfterRecognisedSecret: a value masked because it looks like
// a credential (no rule lists it) shortens the line; the carets stay under
// the range.
func TestTextFrameAfterRecognisedSecret(t *testing.T) {
	content := "url = \"https://u:Pa55w0rdXYZ@h/x\"; use(url, token)\n"
	f := source.NewFile("f.py", []byte(content))
	off := strings.Index(content, "token")
	res := &analyzer.Result{
		Findings: []*analyzer.Finding{{RuleID: "DJL901", Severity: analyzer.Error, Message: "m", Location: f.Span(off, off+5)}},
		Rules:    fakeRules(),
		Files:    map[string]*source.File{f.Path: f},
	}
	out := string(render(t, "text", res, Options{}))
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "1 | ") {
			continue
		}
		if strings.Contains(l, "Pa55w0rdXYZ") || !strings.Contains(l, "u:Pa55…@h") {
			t.Fatalf("frame line not masked: %q", l)
		}
		carets := lines[i+1]
		from, to := strings.Index(carets, "^"), strings.LastIndex(carets, "^")+1
		if got := string([]rune(l)[from:to]); got != "token" {
			t.Errorf("carets underline %q:\n%s\n%s", got, l, carets)
		}
		return
	}
	t.Fatalf("no frame:\n%s", out)
}
