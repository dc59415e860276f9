package identity

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer/analyzertest"
)

// BenchmarkKeyFilterDjango times the identity pre-filter over the text of
// every Python file of Debian's Django: what each lint pays before it
// knows which files can read an identity key. scan is the first lint of a
// file's content; memo a later lint that shares it (an editor's lint after
// an edit elsewhere).
func BenchmarkKeyFilterDjango(b *testing.B) {
	var files [][]byte
	size := 0
	filepath.WalkDir(analyzertest.DjangoDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".py") {
			if data, err := os.ReadFile(p); err == nil {
				files = append(files, data)
				size += len(data)
			}
		}
		return nil
	})
	if len(files) == 0 {
		b.Skip("python3-django is not installed (run .ci/install-deps)")
	}
	keys := keyFilter(nil)
	for _, c := range []struct {
		name string
		f    func([]byte) bool
	}{{"scan", keys.scan}, {"memo", keys.mentions}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				n := 0
				for _, f := range files {
					if c.f(f) {
						n++
					}
				}
				b.ReportMetric(float64(n), "files-mentioning")
			}
		})
	}
}
