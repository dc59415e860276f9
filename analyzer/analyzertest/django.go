package analyzertest

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// DjangoDir is Debian python3-django's copy of Django, a large real tree.
const DjangoDir = "/usr/lib/python3/dist-packages/django"

var djangoVersionRe = regexp.MustCompile(`(?m)^VERSION = \((\d+), (\d+), (\d+)`)

// DjangoVersion returns the version ("3.2.25") of the Django in DjangoDir.
// It skips the test when python3-django is not installed, and fails it
// when CI is set (.ci/install-deps installs it).
func DjangoVersion(t testing.TB) string {
	t.Helper()
	init, err := os.ReadFile(DjangoDir + "/__init__.py")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3-django is required in CI (run .ci/install-deps): %v", err)
		}
		t.Skip("python3-django is not installed (run .ci/install-deps)")
	}
	m := djangoVersionRe.FindStringSubmatch(string(init))
	if m == nil {
		t.Fatalf("%s/__init__.py has no VERSION", DjangoDir)
	}
	return strings.Join(m[1:], ".")
}

// ReviewDiff compares what a run found (key → what it is) with a reviewed
// list (key → reason kept): added are the new keys as "key  kept:
// <review: what>" lines, ready to review and paste into the list, and
// missing the listed keys that were not found; both sorted.
func ReviewDiff(got, want map[string]string) (added, missing []string) {
	for k, what := range got {
		if _, ok := want[k]; !ok {
			added = append(added, k+"  kept: <review: "+what+">")
		}
	}
	for k := range want {
		if _, ok := got[k]; !ok {
			missing = append(missing, k)
		}
	}
	sort.Strings(added)
	sort.Strings(missing)
	return added, missing
}
