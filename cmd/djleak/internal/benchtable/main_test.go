package main

import (
	"strings"
	"testing"
)

// output is go test -v -bench output of the shape make bench produces:
// three runs of the parse (median 1000 ms), one of the scan, a skipped
// Bandit, sub-benchmarks with the GOMAXPROCS suffix.
const output = `goos: linux
pkg: github.com/djleak/djleak/parsers/python
BenchmarkTreeSitterDjango
BenchmarkTreeSitterDjango-2   	       1	1000000000 ns/op	       500.0 cpu-ms/parse	       859.0 files	      9000 ms/parse	         2.000 workers
BenchmarkTreeSitterDjango-2   	       1	1000000000 ns/op	       400.0 cpu-ms/parse	       859.0 files	      1000 ms/parse	         2.000 workers
BenchmarkTreeSitterDjango-2   	       1	1000000000 ns/op	       600.0 cpu-ms/parse	       859.0 files	       800 ms/parse	         2.000 workers
pkg: github.com/djleak/djleak/cmd/djleak
BenchmarkCheckDjango
BenchmarkCheckDjango-2    	       1	4000000000 ns/op	      2500 cpu-ms/scan	       250.0 maxrss-MB	      4000 ms/scan	         2.000 workers
BenchmarkBanditDjango
    bench_test.go:126: bandit is not installed
--- SKIP: BenchmarkBanditDjango
BenchmarkStdinDjango
BenchmarkStdinDjango-2    	       1	80000000 ns/op	         1.000 cache	      60 cpu-ms/lint	       90.0 maxrss-MB	        80 ms/lint
BenchmarkCacheDjango/stdin/cache=off-2         	       5	 990865298 ns/op	       990.8 ms/run
BenchmarkCacheDjango/stdin/cache=warm-2        	       5	 160799847 ns/op	       160.6 ms/run
BenchmarkCheckCopies/copies=1-2     	       1	1 ns/op	 1000 ms/copy	 900 cpu-ms/copy	 1000 ms/scan	 900 cpu-ms/scan	 100 maxrss-MB
BenchmarkCheckCopies/copies=4-2     	       1	1 ns/op	 1500 ms/copy	 900 cpu-ms/copy	 6000 ms/scan	 3600 cpu-ms/scan	 300 maxrss-MB
BenchmarkBigInputs/nginx-servers=2000-2         	       1	 280436551 ns/op	        47.00 input-MB	     100000 ns/unit	        47.00 peak-heap-MB
BenchmarkBigInputs/nginx-servers=100000-2         	       1	 280436551 ns/op	        47.00 input-MB	     110000 ns/unit	        47.00 peak-heap-MB
PASS
`

func TestTable(t *testing.T) {
	res, err := parse(strings.NewReader(output))
	if err != nil {
		t.Fatal(err)
	}
	got := render(table(res))
	for _, want := range []string{
		"| plain tree-sitter parse of Django (859 files, 2 workers) | 1.00 s | 500 ms |  |  |",
		"| full scan: djleak check on Django, same workers | 4.00 s | 2.50 s | ≤ 1.0× the parse | 4.00× the parse (CPU 5.00×) |",
		"| Bandit (bandit -r) on Django | bandit is not installed |  | djleak ≥ 40× faster |  |",
		"| max RSS of the full scan | 250 MB |  | ≤ 200 MB | 1.25× the target |",
		"| one-shot --stdin-filename contrib/auth/views.py, warm cache | 80 ms | 60 ms | ≤ 100 ms | met |",
		"| --stdin-filename contrib/auth/views.py of the file as on disk, warm cache, in one process | 161 ms |  |  | 6.17× faster than without the cache (991 ms) |",
		"| djleak check on 2× Django | not run |",
		"| djleak check on 4× Django | 6.00 s, 1.50 s per copy | 3.60 s, 900 ms per copy | linear: flat per copy | 1.50× the smallest's cost per copy (CPU 1.00×) |",
		"| nginx configuration of 100000 server blocks | 11.0 s, 110 µs per server block |  | linear: flat per server block | 1.10× the smallest's cost per server block |",
		"| LSP re-lint after one edit | not run |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
}

func TestParseRejectsMalformedLines(t *testing.T) {
	if _, err := parse(strings.NewReader("BenchmarkX-2   1   12 ns/op   3\n")); err == nil {
		t.Error("a benchmark line with a value and no unit was accepted")
	}
}

func TestTableTakesTheLanguageServerBenchmark(t *testing.T) {
	res, err := parse(strings.NewReader(`BenchmarkRelintDjango/cache=on-2   1   1 ns/op   2300 ms/lint
BenchmarkLSPRelintDjango/edit=python-2   1   0 ns/op   30.00 ms-beyond-debounce-median   20.00 ms-beyond-debounce-min   40.00 ms-beyond-debounce-max
BenchmarkLSPRelintDjango/edit=nginx-2   1   0 ns/op   75.00 ms-beyond-debounce-median   60.00 ms-beyond-debounce-min   90.00 ms-beyond-debounce-max
`))
	if err != nil {
		t.Fatal(err)
	}
	got := render(table(res))
	for _, want := range []string{
		"| djleak lsp re-lint after one edit to contrib/auth/views.py, beyond the debounce (median) | 30 ms |  | ≤ 50 ms median | met |",
		"| djleak lsp re-lint after one edit to an nginx buffer in that tree, beyond the debounce (median) | 75 ms |  | ≤ 50 ms median | 1.50× the target |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "2300") {
		t.Errorf("the in-process re-lint is shown although the language server was measured:\n%s", got)
	}
}
