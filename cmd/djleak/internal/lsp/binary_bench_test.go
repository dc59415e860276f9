package lsp

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// relintEdits is how many edits each iteration of BenchmarkLSPRelintDjango
// times.
const relintEdits = 9

// BenchmarkLSPRelintDjango is an editor session in Django's source: the
// real `djleak lsp` with Django's tree as the project, contrib/auth/views.py
// open, and edits to it one after another. Each edit is timed from sending
// didChange to receiving that version's publishDiagnostics; the figure is
// the median time beyond the server's debounce (DefaultDebounce), over
// relintEdits edits per iteration. The session's first lint (every file
// parsed) is not timed.
// Run with: go test -run '^$' -bench LSPRelintDjango -benchtime 1x ./cmd/djleak/internal/lsp/
func BenchmarkLSPRelintDjango(b *testing.B) {
	requireDjango(b)
	file := filepath.Join(djangoSource, "contrib", "auth", "views.py")
	text, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	c := startBinary(b, buildBinary(b), "--root", djangoSource)
	c.initialize(djangoSource)
	uri := c.open(file, "python", 1, string(text))
	c.diagnostics(uri, atVersion(1, func(PublishDiagnosticsParams) bool { return true }))
	var beyond []time.Duration
	version := int32(1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for e := 0; e < relintEdits; e++ {
			version++
			edited := fmt.Sprintf("%s\n# edit %d\n", text, version)
			start := time.Now()
			c.change(uri, version, edited)
			c.diagnostics(uri, atVersion(version, func(PublishDiagnosticsParams) bool { return true }))
			beyond = append(beyond, time.Since(start)-DefaultDebounce)
		}
	}
	b.StopTimer()
	sort.Slice(beyond, func(i, j int) bool { return beyond[i] < beyond[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(beyond[len(beyond)/2]), "ms-beyond-debounce-median")
	b.ReportMetric(ms(beyond[0]), "ms-beyond-debounce-min")
	b.ReportMetric(ms(beyond[len(beyond)-1]), "ms-beyond-debounce-max")
	b.ReportMetric(0, "ns/op") // the per-edit figures above are the measure
	c.shutdown()
}
