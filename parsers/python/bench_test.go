package python

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/djleak/djleak/parsers/source"
)

// fixtures loads every .py file under testdata.
func fixtures(tb testing.TB) []*source.File {
	tb.Helper()
	paths, err := filepath.Glob("testdata/*.py")
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no fixtures: %v", err)
	}
	var out []*source.File
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, source.NewFile(filepath.ToSlash(p), data))
	}
	return out
}

// BenchmarkParse parses every fixture once per iteration.
func BenchmarkParse(b *testing.B) {
	files := fixtures(b)
	size := 0
	for _, f := range files {
		size += len(f.Content)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for _, f := range files {
			if _, err := Parse(f); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// djangoSource is Debian python3-django's copy of Django (see
// .ci/install-deps); BenchmarkParseDjango skips when it is absent.
const djangoSource = "/usr/lib/python3/dist-packages/django"

// BenchmarkParseDjango parses all of Django's Python files per iteration,
// keeping the modules alive as the analyzer does, and reports the heap
// they hold.
func BenchmarkParseDjango(b *testing.B) {
	var files []*source.File
	size := 0
	err := filepath.WalkDir(djangoSource, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".py") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		size += len(data)
		files = append(files, source.NewFile(strings.TrimPrefix(p, djangoSource+"/"), data))
		return nil
	})
	if err != nil || len(files) == 0 {
		b.Skip("python3-django is not installed (run .ci/install-deps)")
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	var held uint64
	for i := 0; i < b.N; i++ {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		mods := make([]*Module, 0, len(files))
		for _, f := range files {
			m, err := Parse(f)
			if err != nil {
				b.Fatal(err)
			}
			mods = append(mods, m)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		held = after.HeapAlloc - before.HeapAlloc
		runtime.KeepAlive(mods)
	}
	b.ReportMetric(float64(held)/(1<<20), "held-MB")
	b.ReportMetric(float64(len(files)), "files")
}
