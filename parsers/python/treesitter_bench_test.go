package python

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	sitter "github.com/smacker/go-tree-sitter"
	tspython "github.com/smacker/go-tree-sitter/python"
)

// BenchmarkTreeSitterDjango is the floor a scan is measured against: a
// plain tree-sitter parse of every Python file of Django's source, on as
// many workers as a scan uses (GOMAXPROCS), and nothing else — no tree
// conversion, no analysis. The files are read before the clock starts.
// make bench prints djleak's full scan as a ratio of this figure.
func BenchmarkTreeSitterDjango(b *testing.B) {
	var files [][]byte
	err := filepath.WalkDir(djangoSource, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".py") {
			return err
		}
		data, err := os.ReadFile(p)
		files = append(files, data)
		return err
	})
	if err != nil || len(files) == 0 {
		b.Skip("python3-django is not installed (run .ci/install-deps)")
	}
	workers := runtime.GOMAXPROCS(0)
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		next := make(chan []byte)
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := sitter.NewParser()
				defer p.Close()
				p.SetLanguage(tspython.GetLanguage())
				for src := range next {
					tree, err := p.ParseCtx(context.Background(), nil, src)
					if err != nil {
						errs <- err
						continue
					}
					if tree.RootNode().EndByte() == 0 && len(src) > 0 {
						errs <- os.ErrInvalid
					}
					tree.Close()
				}
			}()
		}
		for _, src := range files {
			next <- src
		}
		close(next)
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/parse")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1e3/float64(b.N), "cpu-ms/parse")
	b.ReportMetric(float64(len(files)), "files")
	b.ReportMetric(float64(workers), "workers")
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
