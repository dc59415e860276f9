// Command benchtable reads the output of djleak's benchmarks (go test
// -bench, any number of packages and -count runs) and prints the figures
// of make bench side by side: each measured value (the median of its
// runs), its target and the ratio or gap.
//
// Usage: go test -bench ... | tee bench.txt; go run ./cmd/djleak/internal/benchtable bench.txt
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

func main() {
	in := io.Reader(os.Stdin)
	if len(os.Args) > 1 {
		f, err := os.Open(os.Args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchtable:", err)
			os.Exit(2)
		}
		defer f.Close()
		in = f
	}
	res, err := parse(in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(2)
	}
	fmt.Print(render(table(res)))
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Printf("\nLoad average when the table was printed: %s", load)
	}
}

// results holds every benchmark's metrics, one map per run, and why a
// benchmark was skipped.
type results struct {
	runs  map[string][]map[string]float64
	skips map[string]string
}

var (
	benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)
	skipLine  = regexp.MustCompile(`^\s*--- SKIP: (Benchmark\S+?)(?:-\d+)?(?: |$)`)
	logLine   = regexp.MustCompile(`^\s+\S+\.go:\d+: (.*)$`)
)

// parse reads go test -bench output.
func parse(r io.Reader) (*results, error) {
	res := &results{runs: map[string][]map[string]float64{}, skips: map[string]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	lastLog := "" // go test -v prints a benchmark's log lines before its SKIP line
	for sc.Scan() {
		line := sc.Text()
		if m := logLine.FindStringSubmatch(line); m != nil {
			lastLog = m[1]
			continue
		}
		if m := skipLine.FindStringSubmatch(line); m != nil {
			why := lastLog
			if why == "" {
				why = "skipped"
			}
			res.skips[strings.TrimPrefix(m[1], "Benchmark")] = why
			lastLog = ""
			continue
		}
		if strings.HasPrefix(line, "Benchmark") && !strings.ContainsAny(line, " \t") {
			lastLog = "" // a benchmark starts
			continue
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		f := strings.Fields(m[2])
		if len(f)%2 != 0 {
			return nil, fmt.Errorf("malformed benchmark line: %q", line)
		}
		run := map[string]float64{}
		for i := 0; i < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("malformed value %q in %q", f[i], line)
			}
			run[f[i+1]] = v
		}
		name := strings.TrimPrefix(m[1], "Benchmark")
		res.runs[name] = append(res.runs[name], run)
	}
	return res, sc.Err()
}

// get returns the median over runs of benchmark name's metric unit.
func (r *results) get(name, unit string) (float64, bool) {
	var vs []float64
	for _, run := range r.runs[name] {
		if v, ok := run[unit]; ok {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return 0, false
	}
	sort.Float64s(vs)
	if len(vs)%2 == 1 {
		return vs[len(vs)/2], true
	}
	return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2, true
}

// missing says why a benchmark has no figure.
func (r *results) missing(name string) string {
	top, _, _ := strings.Cut(name, "/")
	if why, ok := r.skips[name]; ok {
		return why
	}
	if why, ok := r.skips[top]; ok {
		return why
	}
	return "not run"
}

// row is one line of the table.
type row struct{ figure, measured, cpu, target, ratio string }

func ms(v float64) string {
	switch {
	case v >= 10000:
		return fmt.Sprintf("%.1f s", v/1000)
	case v >= 1000:
		return fmt.Sprintf("%.2f s", v/1000)
	default:
		return fmt.Sprintf("%.0f ms", v)
	}
}

func times(v float64) string {
	if v >= 10 {
		return fmt.Sprintf("%.0f×", v)
	}
	return fmt.Sprintf("%.2f×", v)
}

// table computes the rows from the results.
func table(r *results) []row {
	var rows []row
	parse, okParse := r.get("TreeSitterDjango", "ms/parse")
	parseCPU, _ := r.get("TreeSitterDjango", "cpu-ms/parse")
	workers, _ := r.get("TreeSitterDjango", "workers")
	files, _ := r.get("TreeSitterDjango", "files")
	if okParse {
		rows = append(rows, row{fmt.Sprintf("plain tree-sitter parse of Django (%.0f files, %.0f workers)", files, workers), ms(parse), ms(parseCPU), "", ""})
	} else {
		rows = append(rows, row{"plain tree-sitter parse of Django", r.missing("TreeSitterDjango"), "", "", ""})
	}
	scan, okScan := r.get("CheckDjango", "ms/scan")
	scanCPU, _ := r.get("CheckDjango", "cpu-ms/scan")
	if okScan {
		ratio := ""
		if okParse {
			ratio = fmt.Sprintf("%s the parse (CPU %s)", times(scan/parse), times(scanCPU/parseCPU))
		}
		rows = append(rows, row{"full scan: djleak check on Django, same workers", ms(scan), ms(scanCPU), "≤ 1.0× the parse", ratio})
	} else {
		rows = append(rows, row{"full scan: djleak check on Django", r.missing("CheckDjango"), "", "≤ 1.0× the parse", ""})
	}
	if bandit, ok := r.get("BanditDjango", "ms/scan"); ok {
		banditCPU, _ := r.get("BanditDjango", "cpu-ms/scan")
		ratio := ""
		if okScan {
			ratio = fmt.Sprintf("djleak %s faster (CPU %s)", times(bandit/scan), times(banditCPU/scanCPU))
		}
		rows = append(rows, row{"Bandit (bandit -r) on Django", ms(bandit), ms(banditCPU), "djleak ≥ 40× faster", ratio})
	} else {
		rows = append(rows, row{"Bandit (bandit -r) on Django", r.missing("BanditDjango"), "", "djleak ≥ 40× faster", ""})
	}
	if rss, ok := r.get("CheckDjango", "maxrss-MB"); ok {
		rows = append(rows, row{"max RSS of the full scan", fmt.Sprintf("%.0f MB", rss), "", "≤ 200 MB", gap(rss, 200)})
	} else {
		rows = append(rows, row{"max RSS of the full scan", r.missing("CheckDjango"), "", "≤ 200 MB", ""})
	}
	rows = append(rows, relintRows(r)...)
	if lint, ok := r.get("StdinDjango", "ms/lint"); ok {
		cpu, _ := r.get("StdinDjango", "cpu-ms/lint")
		what := "one-shot --stdin-filename contrib/auth/views.py, warm cache"
		if c, _ := r.get("StdinDjango", "cache"); c == 0 {
			what = "one-shot --stdin-filename contrib/auth/views.py (no cache: cold)"
		}
		rows = append(rows, row{what, ms(lint), ms(cpu), "≤ 100 ms", gap(lint, 100)})
	} else {
		rows = append(rows, row{"one-shot --stdin-filename contrib/auth/views.py", r.missing("StdinDjango"), "", "≤ 100 ms", ""})
	}
	rows = append(rows, unchangedRows(r)...)
	rows = append(rows, perUnitRows(r, "CheckCopies/copies=%d", []int{1, 2, 4}, "ms/copy", "cpu-ms/copy", "ms/scan", "cpu-ms/scan",
		"djleak check on %d× Django", "per copy", "linear: flat per copy")...)
	for _, shape := range []string{"mix", "deep"} {
		rows = append(rows, perUnitRows(r, "BigPython/shape="+shape+"/MB=%d", []int{1, 2, 5, 10}, "ms/MB", "cpu-ms/MB", "ms/scan", "cpu-ms/scan",
			"one "+shape+" Python module of %d MB", "per MB", "linear: flat per MB")...)
		for _, mb := range []int{1, 10} {
			name := fmt.Sprintf("BigPython/shape=%s/MB=%d", shape, mb)
			if v, ok := r.get(name, "maxrss-MB/MB"); ok {
				rows = append(rows, row{fmt.Sprintf("max RSS per MB, %s module of %d MB", shape, mb), fmt.Sprintf("%.0f MB", v), "", "flat per MB", ""})
			}
		}
	}
	rows = append(rows, bigInputRows(r, "BigInputs/nginx-servers=%d", []int{2000, 10000, 100000}, "nginx configuration of %d server blocks", "per server block")...)
	rows = append(rows, bigInputRows(r, "BigInputs/python-functions=%d", []int{5000, 50000}, "Python module of %d functions", "per function")...)
	rows = append(rows, bigInputRows(r, "BigInputs/settings-imports=%d", []int{1000, 8000}, "project of %d modules its settings import", "per module")...)
	rows = append(rows, shapeRows(r)...)
	return rows
}

// unchangedRows are BenchmarkCacheDjango's runs over files as they are on
// disk, where the warm cache serves every pass that keeps its result
// there (the dataflow), against the same runs without the cache.
func unchangedRows(r *results) []row {
	var rows []row
	for _, c := range []struct{ name, what string }{
		{"stdin", "--stdin-filename contrib/auth/views.py of the file as on disk"},
		{"pre-commit", "pre-commit run naming three unchanged files"},
	} {
		warm, ok := r.get("CacheDjango/"+c.name+"/cache=warm", "ms/run")
		if !ok {
			continue
		}
		ratio := ""
		if off, ok := r.get("CacheDjango/"+c.name+"/cache=off", "ms/run"); ok && warm > 0 {
			ratio = fmt.Sprintf("%s faster than without the cache (%s)", times(off/warm), ms(off))
		}
		rows = append(rows, row{c.what + ", warm cache, in one process", ms(warm), "", "", ratio})
	}
	return rows
}

// shapes are BenchmarkShapes' cases (analyzer/shapes_test.go).
var shapes = []string{"nested-calls", "method-chain", "call-chain", "import-chain", "concat", "suppressions", "identity-guards", "settings"}

// shapeRows is one row per shape: the cost of a whole run on the shape
// four times as large, against its base size.
func shapeRows(r *results) []row {
	var rows []row
	for _, s := range shapes {
		name := "Shapes/" + s
		figure := "shape " + s + ": whole run at 4n against n"
		t, ok := r.get(name, "time-4n/n")
		if !ok {
			rows = append(rows, row{figure, r.missing(name), "", "linear: ×4", ""})
			continue
		}
		b, _ := r.get(name, "bytes-4n/n")
		rows = append(rows, row{figure, fmt.Sprintf("time ×%.1f", t), "", "linear: ×4", fmt.Sprintf("bytes allocated ×%.1f", b)})
	}
	return rows
}

// relintRows are the editor's re-lints after one edit: the language
// server's benchmark (BenchmarkLSPRelintDjango, an edit to
// contrib/auth/views.py and one to an nginx buffer) when there is one,
// else the in-process re-lint with the parse cache, which has no debounce
// to subtract.
func relintRows(r *results) []row {
	const target = "≤ 50 ms median"
	const unit = "ms-beyond-debounce-median"
	if v, ok := r.get("LSPRelintDjango/edit=python", unit); ok {
		rows := []row{{"djleak lsp re-lint after one edit to contrib/auth/views.py, beyond the debounce (median)", ms(v), "", target, gap(v, 50)}}
		if v, ok := r.get("LSPRelintDjango/edit=nginx", unit); ok {
			rows = append(rows, row{"djleak lsp re-lint after one edit to an nginx buffer in that tree, beyond the debounce (median)", ms(v), "", target, gap(v, 50)})
		}
		return rows
	}
	if v, ok := r.get("RelintDjango/cache=on", "ms/lint"); ok {
		return []row{{"re-lint of contrib/auth/views.py in process, parse cache kept (no LSP benchmark)", ms(v), "", target, gap(v, 50)}}
	}
	return []row{{"LSP re-lint after one edit", r.missing("LSPRelintDjango"), "", target, ""}}
}

// perUnitRows is one row per size of a benchmark that reports the cost
// per unit of input; the ratio compares each with the smallest.
func perUnitRows(r *results, pattern string, sizes []int, unit, cpuUnit, total, cpuTotal, figure, per, target string) []row {
	var rows []row
	base, cpuBase := 0.0, 0.0
	for _, n := range sizes {
		name := fmt.Sprintf(pattern, n)
		v, ok := r.get(name, unit)
		if !ok {
			rows = append(rows, row{fmt.Sprintf(figure, n), r.missing(name), "", target, ""})
			continue
		}
		cpu, _ := r.get(name, cpuUnit)
		t, _ := r.get(name, total)
		tc, _ := r.get(name, cpuTotal)
		ratio := ""
		if base == 0 {
			base, cpuBase = v, cpu
		} else {
			ratio = fmt.Sprintf("%s the smallest's cost %s (CPU %s)", times(v/base), per, times(cpu/cpuBase))
		}
		rows = append(rows, row{fmt.Sprintf(figure, n), fmt.Sprintf("%s, %s %s", ms(t), ms(v), per), fmt.Sprintf("%s, %s %s", ms(tc), ms(cpu), per), target, ratio})
	}
	return rows
}

// bigInputRows is one row per size of a BigInputs case (ns/unit).
func bigInputRows(r *results, pattern string, sizes []int, figure, per string) []row {
	var rows []row
	base := 0.0
	for _, n := range sizes {
		name := fmt.Sprintf(pattern, n)
		v, ok := r.get(name, "ns/unit")
		if !ok {
			rows = append(rows, row{fmt.Sprintf(figure, n), r.missing(name), "", "linear: flat " + per, ""})
			continue
		}
		ratio := ""
		if base == 0 {
			base = v
		} else {
			ratio = fmt.Sprintf("%s the smallest's cost %s", times(v/base), per)
		}
		rows = append(rows, row{fmt.Sprintf(figure, n), fmt.Sprintf("%s, %.0f µs %s", ms(v*float64(n)/1e6), v/1e3, per), "", "linear: flat " + per, ratio})
	}
	return rows
}

// gap says how a measured value stands against an upper bound.
func gap(v, limit float64) string {
	if v <= limit {
		return "met"
	}
	return fmt.Sprintf("%s the target", times(v/limit))
}

// render prints rows as a Markdown table.
func render(rows []row) string {
	var sb strings.Builder
	sb.WriteString("| figure | measured (wall) | CPU | target | ratio / gap |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&sb, "| %s | %s | %s | %s | %s |\n", r.figure, r.measured, r.cpu, r.target, r.ratio)
	}
	return sb.String()
}
