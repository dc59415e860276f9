package main

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/djleak/djleak/analyzer/analyzertest"
)

// The benchmarks below run the built binary, as users do, and report what
// make bench tabulates (cmd/djleak/internal/benchtable): wall time, the
// child's CPU time (user+system, meaningful when the machine is shared) and
// its peak resident set from rusage. Each scan gets a fresh cache
// directory, so it is cold.

// child is one finished run of a command.
type child struct {
	wall, cpu time.Duration
	maxRSS    int64 // bytes
}

// runChild runs bin with args in dir (stdin from in) and returns its times
// and peak memory; exit codes other than 0 and 1 fail the benchmark.
func runChild(b *testing.B, dir string, env []string, in []byte, bin string, args ...string) child {
	b.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if in != nil {
		cmd.Stdin = bytes.NewReader(in)
	}
	cmd.Stdout = io.Discard
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if code := cmd.ProcessState.ExitCode(); err != nil && code != 1 {
		b.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, stderr.Bytes())
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return child{wall: wall, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), maxRSS: ru.Maxrss << 10}
}

// runs accumulates children and reports their per-run means and the
// largest peak.
type runs struct {
	wall, cpu time.Duration
	maxRSS    int64
	n         int
}

func (r *runs) add(c child) {
	r.wall += c.wall
	r.cpu += c.cpu
	r.maxRSS = max(r.maxRSS, c.maxRSS)
	r.n++
}

// report reports ms (wall) and cpu-ms per run, under the given unit names
// with "cpu-" before the second, and the peak RSS in MB.
func (r *runs) report(b *testing.B, unit string) {
	b.ReportMetric(float64(r.wall.Microseconds())/1e3/float64(r.n), unit)
	b.ReportMetric(float64(r.cpu.Microseconds())/1e3/float64(r.n), "cpu-"+unit)
	b.ReportMetric(float64(r.maxRSS)/(1<<20), "maxrss-MB")
}

// coldFlags returns the flags that make a check run cold: --no-cache when
// the binary has an on-disk cache.
func coldFlags(b *testing.B, bin string) []string {
	if hasCache(b, bin) {
		return []string{"--no-cache"}
	}
	return nil
}

// hasCache reports whether djleak check has an on-disk cache (--no-cache).
func hasCache(b *testing.B, bin string) bool {
	out, _ := exec.Command(bin, "check", "--help").CombinedOutput()
	return bytes.Contains(out, []byte("--no-cache"))
}

func workersFlag() string { return "--workers=" + strconv.Itoa(runtime.GOMAXPROCS(0)) }

// BenchmarkCheckDjango is `djleak check` over Debian's Django source with
// one worker per CPU (as many as BenchmarkTreeSitterDjango parses with).
func BenchmarkCheckDjango(b *testing.B) {
	analyzertest.DjangoVersion(b)
	bin := buildDjleak(b)
	args := append([]string{"check", "-q", "--format", "json", workersFlag()}, coldFlags(b, bin)...)
	var r runs
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.add(runChild(b, analyzertest.DjangoDir, []string{"XDG_CACHE_HOME=" + b.TempDir()}, nil, bin, append(args, ".")...))
	}
	r.report(b, "ms/scan")
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "workers")
}

// BenchmarkBanditDjango is Bandit (`bandit -r`, Debian's package) over the
// same tree. make bench installs it (.ci/install-bench-deps); CI does not.
func BenchmarkBanditDjango(b *testing.B) {
	analyzertest.DjangoVersion(b)
	bandit, err := exec.LookPath("bandit")
	if err != nil {
		b.Skip("bandit is not installed (make bench installs Debian's bandit with .ci/install-bench-deps)")
	}
	var r runs
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.add(runChild(b, analyzertest.DjangoDir, nil, nil, bandit, "-q", "-r", "."))
	}
	r.report(b, "ms/scan")
}

// BenchmarkStdinDjango is an editor's or pre-commit's one-shot lint of one
// buffer inside Django's source: `djleak check --root .
// --stdin-filename contrib/auth/views.py -`, the buffer edited each time.
// With an on-disk cache it is measured warm (one run fills the cache
// first) and reports cache=1; without one every run is cold (cache=0).
func BenchmarkStdinDjango(b *testing.B) {
	analyzertest.DjangoVersion(b)
	bin := buildDjleak(b)
	text, err := os.ReadFile(filepath.Join(analyzertest.DjangoDir, "contrib/auth/views.py"))
	if err != nil {
		b.Fatal(err)
	}
	env := []string{"XDG_CACHE_HOME=" + b.TempDir()}
	args := []string{"check", "-q", "--format", "json", "--root", ".", "--stdin-filename", "contrib/auth/views.py", "-"}
	cached := hasCache(b, bin)
	if cached {
		runChild(b, analyzertest.DjangoDir, env, text, bin, args...)
	}
	var r runs
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf := append(append([]byte(nil), text...), fmt.Sprintf("\n# edit %d\n", i)...)
		r.add(runChild(b, analyzertest.DjangoDir, env, buf, bin, args...))
	}
	r.report(b, "ms/lint")
	b.ReportMetric(map[bool]float64{false: 0, true: 1}[cached], "cache")
}

// BenchmarkCheckCopies scans a project of 1, 2 and 4 copies of Django's
// source and reports the time per copy, which stays flat when the cost is
// linear in the project's size.
func BenchmarkCheckCopies(b *testing.B) {
	analyzertest.DjangoVersion(b)
	bin := buildDjleak(b)
	args := append([]string{"check", "-q", "--format", "json", workersFlag()}, coldFlags(b, bin)...)
	for _, copies := range []int{1, 2, 4} {
		b.Run("copies="+strconv.Itoa(copies), func(b *testing.B) {
			root := b.TempDir()
			for c := 1; c <= copies; c++ {
				copyTree(b, analyzertest.DjangoDir, filepath.Join(root, "copy"+strconv.Itoa(c), "django"))
			}
			var r runs
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r.add(runChild(b, root, []string{"XDG_CACHE_HOME=" + b.TempDir()}, nil, bin, append(args, ".")...))
			}
			r.report(b, "ms/scan")
			b.ReportMetric(float64(r.wall.Microseconds())/1e3/float64(r.n*copies), "ms/copy")
			b.ReportMetric(float64(r.cpu.Microseconds())/1e3/float64(r.n*copies), "cpu-ms/copy")
		})
	}
}

// copyTree recreates the regular files under src at dst, hard-linked when
// the file system allows it.
func copyTree(b *testing.B, src, dst string) {
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() && !d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		if os.Link(p, out) == nil {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(out, data, 0o644)
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkBigPython checks one generated Python module of 1, 2, 5 and
// 10 MB (analyzertest.BigPython: a realistic mix, and one huge function of
// nested blocks) and reports time and peak RSS per MB of input, which stay
// flat when the cost is linear in the file's size.
func BenchmarkBigPython(b *testing.B) {
	bin := buildDjleak(b)
	args := append([]string{"check", "-q", "--format", "json", workersFlag()}, coldFlags(b, bin)...)
	for _, shape := range []string{"mix", "deep"} {
		for _, mb := range []int{1, 2, 5, 10} {
			b.Run(fmt.Sprintf("shape=%s/MB=%d", shape, mb), func(b *testing.B) {
				dir := analyzertest.WriteBigPython(b, shape, mb<<20)
				var r runs
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					r.add(runChild(b, dir, []string{"XDG_CACHE_HOME=" + b.TempDir()}, nil, bin, append(args, ".")...))
				}
				r.report(b, "ms/scan")
				b.ReportMetric(float64(r.wall.Microseconds())/1e3/float64(r.n*mb), "ms/MB")
				b.ReportMetric(float64(r.cpu.Microseconds())/1e3/float64(r.n*mb), "cpu-ms/MB")
				b.ReportMetric(float64(r.maxRSS)/(1<<20)/float64(mb), "maxrss-MB/MB")
			})
		}
	}
}
