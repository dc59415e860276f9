package rules

import (
	"os"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/report"
)

// TestTestCodeSummary: the findings left out in test code are counted,
// and the text summary says so; with include-tests = true none are left
// out.
func TestTestCodeSummary(t *testing.T) {
	data, err := os.ReadFile("testdata/fixtures/config_test_code.txtar")
	if err != nil {
		t.Fatal(err)
	}
	p := analyzertest.Load(t, string(data))
	fs, err := analyzer.Run(p, All(), 1)
	if err != nil {
		t.Fatal(err)
	}
	res := p.Result(fs, All())
	if res.HiddenInTests != 7 {
		t.Errorf("HiddenInTests = %d, want 7 (one per test file):\n%s", res.HiddenInTests, analyzertest.Brief(fs))
	}
	var out writer
	if err := report.Write(&out, "text", res, report.Options{}); err != nil {
		t.Fatal(err)
	}
	if want := "in 9 files. 7 findings in test code not shown (include-tests = true shows them).\n"; !strings.HasSuffix(out.s, want) {
		t.Errorf("summary does not end with %q:\n%s", want, out.s)
	}

	files := string(data)[strings.Index(string(data), "-- "):]
	inc := analyzertest.Load(t, "-- .djleak.toml --\ninclude-tests = true\n"+files)
	fs, err = analyzer.Run(inc, All(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if res := inc.Result(fs, All()); res.HiddenInTests != 0 || len(fs) != 8 {
		t.Errorf("include-tests: HiddenInTests = %d, %d findings, want 0 and 8:\n%s", res.HiddenInTests, len(fs), analyzertest.Brief(fs))
	}
}

type writer struct{ s string }

func (w *writer) Write(b []byte) (int, error) { w.s += string(b); return len(b), nil }
