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
// and an unsaved nginx buffer (a site proxying to Django) open, and edits
// one after another to views.py (edit=python) or to the nginx buffer
// (edit=nginx). Each edit is timed from sending didChange to receiving that
// version's publishDiagnostics; the figures are the median, least and
// greatest time beyond the server's debounce (DefaultDebounce), over
// relintEdits edits per iteration. The session's first lint (every file
// parsed) is not timed.
// Run with: go test -run '^$' -bench LSPRelintDjango -benchtime 1x ./cmd/djleak/internal/lsp/
// (DJLEAK_BENCH_BIN=path times that djleak binary instead of this tree's).
func BenchmarkLSPRelintDjango(b *testing.B) {
	requireDjango(b)
	views := filepath.Join(djangoSource, "contrib", "auth", "views.py")
	viewsText, err := os.ReadFile(views)
	if err != nil {
		b.Fatal(err)
	}
	site := filepath.Join(djangoSource, "djleak-bench", "nginx", "site.conf") // never written
	bin := os.Getenv("DJLEAK_BENCH_BIN")                                   // another build to compare with
	if bin == "" {
		bin = buildBinary(b)
	}
	for _, edit := range []struct{ name, file, text, lang string }{
		{"python", views, string(viewsText), "python"},
		{"nginx", site, siteConf, "nginx"},
	} {
		b.Run("edit="+edit.name, func(b *testing.B) {
			c := startBinary(b, bin, "--root", djangoSource)
			c.initialize(djangoSource)
			uris := map[string]string{views: c.open(views, "python", 1, string(viewsText)), site: c.open(site, "nginx", 1, siteConf)}
			any := func(PublishDiagnosticsParams) bool { return true }
			c.diagnostics(uris[views], atVersion(1, any))
			c.diagnostics(uris[site], atVersion(1, any))
			uri := uris[edit.file]
			var beyond []time.Duration
			version := int32(1)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for e := 0; e < relintEdits; e++ {
					version++
					start := time.Now()
					c.change(uri, version, fmt.Sprintf("%s\n# edit %d\n", edit.text, version))
					c.diagnostics(uri, atVersion(version, any))
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
		})
	}
}
