package analyzer_test

import (
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/rules"
)

// djangoSource is Debian python3-django's copy of Django, a large real tree.
const djangoSource = "/usr/lib/python3/dist-packages/django"

// BenchmarkScanDjango loads, parses and runs every rule over Django's own
// source and reports throughput (files/s) and peak heap (MB).
// Run with: go test -run '^$' -bench ScanDjango -benchtime 3x ./analyzer/
func BenchmarkScanDjango(b *testing.B) {
	if _, err := os.Stat(djangoSource); err != nil {
		b.Skip("python3-django is not installed (run .ci/install-deps)")
	}
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run("workers="+itoa(workers), func(b *testing.B) {
			var peak atomic.Uint64
			stop := sampleHeap(&peak)
			files := 0
			start := time.Now()
			for i := 0; i < b.N; i++ {
				p, err := analyzer.Load(analyzer.Options{Paths: []string{djangoSource}, Root: djangoSource, Workers: workers})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := analyzer.Run(p, rules.All(), workers); err != nil {
					b.Fatal(err)
				}
				files = len(p.Files)
			}
			elapsed := time.Since(start)
			stop()
			b.ReportMetric(float64(files*b.N)/elapsed.Seconds(), "files/s")
			b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(files), "files")
		})
	}
}

// BenchmarkRelintDjango is an editor's lint on save inside Django's source:
// one open file, the whole project loaded for the cross-file rules, all
// rules run — without and with the parse cache the language server keeps.
// Run with: go test -run '^$' -bench RelintDjango -benchtime 5x ./analyzer/
func BenchmarkRelintDjango(b *testing.B) {
	if _, err := os.Stat(djangoSource); err != nil {
		b.Skip("python3-django is not installed (run .ci/install-deps)")
	}
	open := djangoSource + "/contrib/auth/views.py"
	text, err := os.ReadFile(open)
	if err != nil {
		b.Fatal(err)
	}
	for _, cached := range []bool{false, true} {
		name := "cache=off"
		if cached {
			name = "cache=on"
		}
		b.Run(name, func(b *testing.B) {
			var cache *analyzer.ParseCache
			if cached {
				cache = analyzer.NewParseCache()
				// The session's first lint fills the cache.
				if _, err := analyzer.Load(analyzer.Options{Paths: []string{open}, Root: djangoSource, Cache: cache}); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// Every lint sees an edited buffer.
				buf := append(append([]byte(nil), text...), []byte("\n# edit "+itoa(i)+"\n")...)
				p, err := analyzer.Load(analyzer.Options{Paths: []string{open}, Root: djangoSource, Cache: cache,
					Overlay: map[string][]byte{open: buf}})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := analyzer.Run(p, rules.All(), 0); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/lint")
		})
	}
}

// sampleHeap records the largest HeapInuse seen until the returned stop
// function is called.
func sampleHeap(peak *atomic.Uint64) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
