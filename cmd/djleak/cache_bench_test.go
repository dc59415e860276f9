package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// djangoTree is Debian's python3-django source, the benchmarks' big project.
const djangoTree = "/usr/lib/python3/dist-packages/django"

// BenchmarkCacheDjango times one-shot command-line runs inside Django's
// source without and with a warm fact cache: an editor's
// `--stdin-filename contrib/auth/views.py -` lint and a pre-commit run
// naming three changed files. It prints ms/run for each.
// Run with: go test -run '^$' -bench CacheDjango -benchtime 3x ./cmd/djleak/
func BenchmarkCacheDjango(b *testing.B) {
	if _, err := os.Stat(djangoTree); err != nil {
		b.Skip("python3-django is not installed (run .ci/install-deps)")
	}
	views := filepath.Join(djangoTree, "contrib/auth/views.py")
	buf, err := os.ReadFile(views)
	if err != nil {
		b.Fatal(err)
	}
	runs := map[string][]string{
		"stdin":      {"check", "-q", "--exit-zero", "--root", djangoTree, "--stdin-filename", views, "-"},
		"pre-commit": {"check", "-q", "--exit-zero", "--root", djangoTree, views, filepath.Join(djangoTree, "contrib/auth/middleware.py"), filepath.Join(djangoTree, "urls/resolvers.py")},
	}
	for _, kind := range []string{"stdin", "pre-commit"} {
		for _, cache := range []string{"off", "warm"} {
			b.Run(kind+"/cache="+cache, func(b *testing.B) {
				b.Setenv("XDG_CACHE_HOME", b.TempDir())
				args := append([]string{}, runs[kind]...)
				if cache == "off" {
					args = append(args, "--no-cache")
				}
				lint := func() {
					var out, errb bytes.Buffer
					if code := run(args, strings.NewReader(string(buf)), &out, &errb); code != exitClean {
						b.Fatalf("exit %d\n%s", code, errb.String())
					}
				}
				lint() // fills the cache
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					lint()
				}
				b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/run")
			})
		}
	}
}
