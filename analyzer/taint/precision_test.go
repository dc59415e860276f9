package taint_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/rules"
)

// djangoDir is Debian python3-django's copy of Django.
const djangoDir = analyzertest.DjangoDir

// precisionFile lists every finding of the token rules (DJL101–DJL149,
// DJL200–DJL219) on Django's own source, each with the reason it was kept.
const precisionFile = "../../testdata/precision/django.txt"

// tokenRule reports whether id is one of the rules built on this package.
func tokenRule(id string) bool {
	if !strings.HasPrefix(id, "DJL") {
		return false
	}
	n, err := strconv.Atoi(id[3:])
	if err != nil {
		return false
	}
	return n >= 101 && n <= 149 || n >= 200 && n <= 219
}

// TestPrecisionDjango runs the token rules over Django's source and
// compares every finding with the reviewed list: a new finding must be
// fixed (a false positive) or reviewed and added with "kept: reason"; a
// listed finding that disappeared must be removed from the list.
func TestPrecisionDjango(t *testing.T) {
	installed := analyzertest.DjangoVersion(t)
	want, version, err := readPrecision(precisionFile)
	if err != nil {
		t.Fatal(err)
	}
	if installed != version {
		t.Fatalf("%s was reviewed against Django %s but %s holds another version; re-run the rules, review "+
			"every finding and update the list and its django-version line", precisionFile, version, djangoDir)
	}

	start := time.Now()
	p, err := analyzer.Load(analyzer.Options{Paths: []string{djangoDir}, Root: djangoDir})
	if err != nil {
		t.Fatal(err)
	}
	var rs []*analyzer.Rule
	for _, r := range rules.All() {
		if tokenRule(r.ID) {
			rs = append(rs, r)
		}
	}
	findings, err := analyzer.Run(p, rs, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d files, %d findings in %s", len(p.Files), len(findings), time.Since(start).Round(time.Millisecond))

	got := map[string]string{}
	for _, f := range findings {
		got[fmt.Sprintf("%s %s:%d", f.RuleID, f.Location.Path, f.Location.Start.Line)] = f.Message
	}
	added, missing := analyzertest.ReviewDiff(got, want)
	if len(added) > 0 {
		t.Errorf("new findings on Django's source: fix each false positive in the rules, or review it and add it "+
			"to %s with the reason it is kept:\n%s", precisionFile, strings.Join(added, "\n"))
	}
	if len(missing) > 0 {
		t.Errorf("findings listed in %s are no longer reported; remove them:\n%s", precisionFile, strings.Join(missing, "\n"))
	}
}

// readPrecision parses the reviewed list: "ID path:line  kept: reason"
// lines, '#' comments, and a "# django-version: X.Y.Z" header.
func readPrecision(path string) (map[string]string, string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	want := map[string]string{}
	version := ""
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, "# django-version:"); ok {
			version = strings.TrimSpace(v)
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || f[2] != "kept:" || !tokenRule(f[0]) || !strings.Contains(f[1], ":") {
			return nil, "", fmt.Errorf("%s:%d: want \"ID path:line  kept: reason\", got %q", path, i+1, line)
		}
		k := f[0] + " " + f[1]
		if _, dup := want[k]; dup {
			return nil, "", fmt.Errorf("%s:%d: %s listed twice", path, i+1, k)
		}
		want[k] = strings.Join(f[3:], " ")
	}
	if version == "" {
		return nil, "", fmt.Errorf("%s: missing the \"# django-version: X.Y.Z\" line", path)
	}
	return want, version, nil
}
