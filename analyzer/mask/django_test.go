package mask

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer/analyzertest"
)

// maskedDjango lists every line of Django's source the masker changes,
// each reviewed: none holds a credential, so each is a false alarm kept
// for a reason (the cost is a masked value in a code frame).
const maskedDjango = "../../testdata/precision/mask-django.txt"

// TestFalseAlarmsOnDjango masks every line of Django's source and
// compares the lines that change with the reviewed list: a new one must be
// fixed in the masker or reviewed and added; a listed one that no longer
// changes must be removed.
func TestFalseAlarmsOnDjango(t *testing.T) {
	installed := analyzertest.DjangoVersion(t)
	data, err := os.ReadFile(maskedDjango)
	if err != nil {
		t.Fatal(err)
	}
	want, version := map[string]string{}, ""
	for i, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "# django-version:"); ok {
			version = strings.TrimSpace(v)
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		loc, reason, ok := strings.Cut(line, "  kept: ")
		if !ok || !strings.Contains(loc, ".py:") {
			t.Fatalf("%s:%d: want \"path:line  kept: reason\", got %q", maskedDjango, i+1, line)
		}
		want[loc] = reason
	}
	if installed != version {
		t.Fatalf("%s was reviewed against Django %s but %s holds another version; review the masked lines again "+
			"and update the list and its django-version line", maskedDjango, version, analyzertest.DjangoDir)
	}

	m := New(nil, nil)
	got := map[string]string{}
	err = filepath.WalkDir(analyzertest.DjangoDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".py") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(analyzertest.DjangoDir, p)
		for i, line := range strings.Split(string(data), "\n") {
			if masked := m.Text(line); masked != line {
				got[fmt.Sprintf("%s:%d", filepath.ToSlash(rel), i+1)] = strings.TrimSpace(masked)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	added, missing := analyzertest.ReviewDiff(got, want)
	if len(added) > 0 {
		t.Errorf("newly masked lines in Django's source: fix the masker, or review each and add it to %s:\n%s",
			maskedDjango, strings.Join(added, "\n"))
	}
	if len(missing) > 0 {
		t.Errorf("lines listed in %s are no longer masked; remove them:\n%s", maskedDjango, strings.Join(missing, "\n"))
	}
}
