package python_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	sitter "github.com/smacker/go-tree-sitter"
	tspython "github.com/smacker/go-tree-sitter/python"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/driver"
	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
	"github.com/djleak/djleak/rules"
)

// djangoSource is Debian python3-django's copy of Django (see
// .ci/install-deps).
const djangoSource = "/usr/lib/python3/dist-packages/django"

// BenchmarkDjangoParseVsScan measures, side by side in one run over
// Django's source and with GOMAXPROCS workers each: a plain go-tree-sitter
// parse of every file (the tree only), the flat tree, python.Parse (flat
// tree and model) and djleak's full scan (load, parse, every rule). It
// reports each in ms and each as a ratio to the plain parse.
// Run with: go test -run '^$' -bench DjangoParseVsScan -benchtime 3x ./parsers/python/
func BenchmarkDjangoParseVsScan(b *testing.B) {
	var files [][]byte
	err := filepath.WalkDir(djangoSource, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".py") {
			return err
		}
		data, err := os.ReadFile(p)
		if err == nil {
			files = append(files, data)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		b.Skip("python3-django is not installed (run .ci/install-deps)")
	}
	workers := runtime.GOMAXPROCS(0)
	// each runs parse on every file on a pool of workers.
	each := func(parse func(w int, src []byte) error) time.Duration {
		start := time.Now()
		next := make(chan []byte)
		errs := make(chan error, workers)
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for src := range next {
					if err := parse(w, src); err != nil {
						errs <- err
						return
					}
				}
			}(w)
		}
		for _, f := range files {
			next <- f
		}
		close(next)
		wg.Wait()
		select {
		case err := <-errs:
			b.Fatal(err)
		default:
		}
		return time.Since(start)
	}
	ps := make([]*sitter.Parser, workers)
	for i := range ps {
		ps[i] = sitter.NewParser()
		ps[i].SetLanguage(tspython.GetLanguage())
	}
	var plain, flat, model, scan time.Duration
	for i := 0; i < b.N; i++ {
		runtime.GC()
		plain += each(func(w int, src []byte) error {
			tree, err := ps[w].ParseCtx(context.Background(), nil, src)
			if err == nil {
				tree.Close()
			}
			return err
		})
		runtime.GC()
		flat += each(func(_ int, src []byte) error {
			_, err := python.FlatNodes(src)
			return err
		})
		runtime.GC()
		model += each(func(_ int, src []byte) error {
			_, err := python.Parse(source.NewFile("x.py", src))
			return err
		})
		runtime.GC()
		start := time.Now()
		p, err := driver.Load(driver.Options{Paths: []string{djangoSource}, Root: djangoSource, Workers: workers})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := analyzer.Run(p, rules.All(), workers); err != nil {
			b.Fatal(err)
		}
		scan += time.Since(start)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(ms(plain), "plain-parse-ms")
	b.ReportMetric(ms(flat), "flat-tree-ms")
	b.ReportMetric(ms(model), "python.Parse-ms")
	b.ReportMetric(ms(scan), "full-scan-ms")
	b.ReportMetric(float64(flat)/float64(plain), "flat/plain")
	b.ReportMetric(float64(model)/float64(plain), "parse/plain")
	b.ReportMetric(float64(scan)/float64(plain), "scan/plain")
	b.ReportMetric(float64(len(files)), "files")
}
