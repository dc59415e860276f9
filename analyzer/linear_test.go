package analyzer_test

import (
	"runtime"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/driver"
	"github.com/djleak/djleak/rules"
)

// allocatedBytes returns the bytes allocated while loading dir and running
// every rule on it.
func allocatedBytes(t *testing.T, dir string) uint64 {
	t.Helper()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	p, err := driver.Load(driver.Options{Paths: []string{dir}, Root: dir, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := analyzer.Run(p, rules.All(), 1); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestCostLinearInFileSize checks without a clock that the work on one big
// Python file grows linearly with its size: the bytes allocated by a whole
// run (load, parse, every rule) on a module four times as large must stay
// near four times as many. A pass that copies its state per statement or
// rescans the file per node allocates sixteen times as much instead.
func TestCostLinearInFileSize(t *testing.T) {
	for _, shape := range []string{"mix", "deep"} {
		t.Run(shape, func(t *testing.T) {
			const small = 64 << 10
			a := allocatedBytes(t, analyzertest.WriteBigPython(t, shape, small))
			b := allocatedBytes(t, analyzertest.WriteBigPython(t, shape, 4*small))
			ratio := float64(b) / float64(a)
			t.Logf("%s: %d KiB allocated for 64 KiB, %d KiB for 256 KiB: ×%.2f", shape, a>>10, b>>10, ratio)
			if ratio > 5 {
				t.Errorf("a module 4× as large allocates %.1f× as much (%d → %d bytes): cost grows faster than the input", ratio, a, b)
			}
		})
	}
}
