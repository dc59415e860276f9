package analyzer_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/driver"
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
				p, err := driver.Load(driver.Options{Paths: []string{djangoSource}, Root: djangoSource, Workers: workers})
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
// rules run — without and with what the language server keeps between
// lints (the parse cache, the last project and the state it carries).
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
			var cache *driver.ParseCache
			var prev *analyzer.Project
			var disk *driver.DiskState
			if cached {
				cache, disk = driver.NewParseCache(), driver.NewDiskState()
				// The session's first lint fills the cache.
				p, err := driver.Load(driver.Options{Paths: []string{open}, Root: djangoSource, Cache: cache, Disk: disk, Carry: true})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := analyzer.Run(p, rules.All(), 0); err != nil {
					b.Fatal(err)
				}
				prev = p
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// Every lint sees an edited buffer.
				buf := append(append([]byte(nil), text...), []byte("\n# edit "+itoa(i)+"\n")...)
				p, err := driver.Load(driver.Options{Paths: []string{open}, Root: djangoSource, Cache: cache,
					Overlay: map[string][]byte{open: buf}, Disk: disk, Carry: cached, Previous: prev})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := analyzer.Run(p, rules.All(), 0); err != nil {
					b.Fatal(err)
				}
				if cached {
					prev = p
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

// BenchmarkBigInputs times whole runs (load, parse, every rule) on inputs
// that grow: an nginx configuration of n server blocks and a Python module
// of n functions. The time per server or function (ns/unit) must stay
// flat as n grows tenfold: cost is linear in the input.
// Run with: go test -run '^$' -bench BigInputs -benchtime 1x ./analyzer/
func BenchmarkBigInputs(b *testing.B) {
	server := "  server { listen 443 ssl; server_name s%d.example.com; location / { " +
		"proxy_set_header X-Client-DN $ssl_client_s_dn; proxy_pass http://127.0.0.1:8000; } }\n"
	fn := "def view_%d(request):\n    token = request.GET.get(\"token\")\n    return redirect(\"/next?t=\" + token)\n\n"
	cases := []struct {
		name, path, head, unit, tail string
		sizes                        []int
		// files, when set, makes a project of many files instead of one.
		files func(n int) map[string]string
	}{
		{"nginx-servers", "nginx/nginx.conf", "http {\n", server, "}\n", []int{2_000, 10_000, 100_000}, nil},
		{"python-functions", "app/views.py", "from django.shortcuts import redirect\n\n", fn, "", []int{5_000, 50_000}, nil},
		// n modules, each imported by the settings module (every import is
		// looked up among the project's modules).
		{"settings-imports", "", "", "", "", []int{1_000, 8_000}, func(n int) map[string]string {
			files := map[string]string{"conf/__init__.py": "", "manage.py": "import os\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"proj.settings\")\n"}
			var sb strings.Builder
			sb.WriteString("DEBUG = False\n")
			for i := 0; i < n; i++ {
				files[fmt.Sprintf("conf/c%d.py", i)] = fmt.Sprintf("OPTION_%d = %d\n", i, i)
				fmt.Fprintf(&sb, "from conf.c%d import *\n", i)
			}
			files["proj/settings.py"] = sb.String()
			return files
		}},
	}
	for _, c := range cases {
		for _, n := range c.sizes {
			b.Run(c.name+"="+itoa(n), func(b *testing.B) {
				dir := b.TempDir()
				files := map[string]string{".djleak.toml": "max-file-size = \"64MiB\"\n"}
				if c.files != nil {
					for rel, text := range c.files(n) {
						files[rel] = text
					}
				} else {
					var sb strings.Builder
					sb.WriteString(c.head)
					for i := 0; i < n; i++ {
						fmt.Fprintf(&sb, c.unit, i)
					}
					sb.WriteString(c.tail)
					files[c.path] = sb.String()
				}
				size := 0
				for rel, text := range files {
					size += len(text)
					full := filepath.Join(dir, filepath.FromSlash(rel))
					if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
						b.Fatal(err)
					}
					if err := os.WriteFile(full, []byte(text), 0o644); err != nil {
						b.Fatal(err)
					}
				}
				var peak atomic.Uint64
				stop := sampleHeap(&peak)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					p, err := driver.Load(driver.Options{Paths: []string{dir}, Root: dir})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := analyzer.Run(p, rules.All(), 0); err != nil {
						b.Fatal(err)
					}
				}
				stop()
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/unit")
				b.ReportMetric(float64(size)/(1<<20), "input-MB")
				b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
			})
		}
	}
}
