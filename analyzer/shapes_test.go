package analyzer_test

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/driver"
	"github.com/djleak/djleak/rules"
)

// A shape is a project whose one dimension grows with n: the depth of a
// call or method chain, the number of modules in an import chain, the
// terms of a concatenation, the suppression comments of a file, the
// identity reads after a guard, the statements of a settings module. Each
// is a known way to make an analysis superlinear (a slice copied per call
// level, a list searched per finding, a child found by index in a loop).
type shape struct {
	name string
	n    int // the size measured against 4n
	gen  func(n int) map[string]string
}

const shapeHead = "import logging\nfrom django.http import HttpResponse\nfrom django.shortcuts import redirect\n\nlogger = logging.getLogger(__name__)\n\n"

var shapes = []shape{
	// x = f0(f1(…(token)…)): one expression nested n deep.
	{"nested-calls", 150, func(n int) map[string]string {
		var sb strings.Builder
		sb.WriteString(shapeHead)
		for i := 0; i < n; i++ {
			fmt.Fprintf(&sb, "def f%d(v):\n    return v\n\n\n", i)
		}
		sb.WriteString("def view(request):\n    token = request.GET.get(\"token\")\n    x = ")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&sb, "f%d(", i)
		}
		sb.WriteString("token" + strings.Repeat(")", n) + "\n    logger.info(\"x %s\", x)\n    return HttpResponse(\"ok\")\n")
		return map[string]string{"app/views.py": sb.String()}
	}},
	// x = token.strip().lower()…: a method chain n long.
	{"method-chain", 250, func(n int) map[string]string {
		var sb strings.Builder
		sb.WriteString(shapeHead + "def view(request):\n    token = request.GET.get(\"token\")\n    x = token")
		for i := 0; i < n; i++ {
			sb.WriteString([]string{".strip()", ".lower()", ".replace(\"a\", \"b\")"}[i%3])
		}
		sb.WriteString("\n    logger.info(\"x %s\", x)\n    return HttpResponse(\"ok\")\n")
		return map[string]string{"app/views.py": sb.String()}
	}},
	// f0 calls f1 … calls f(n-1), which logs: a chain of summaries.
	{"call-chain", 250, func(n int) map[string]string {
		var sb strings.Builder
		sb.WriteString(shapeHead)
		for i := 0; i < n-1; i++ {
			fmt.Fprintf(&sb, "def f%d(v, w=None):\n    u = v + \"-%d\"\n    logger.debug(\"f%d %%s\", u)\n    return f%d(u, w)\n\n\n", i, i, i, i+1)
		}
		fmt.Fprintf(&sb, "def f%d(v, w=None):\n    logger.info(\"v %%s\", v)\n    return v\n\n\n", n-1)
		sb.WriteString("def view(request):\n    return redirect(f0(request.GET.get(\"token\")))\n")
		return map[string]string{"app/views.py": sb.String()}
	}},
	// app/m0 imports app/m1 … imports app/m(n-1); each module's function
	// logs its parameter and passes it to the next.
	{"import-chain", 100, func(n int) map[string]string {
		files := map[string]string{"app/__init__.py": ""}
		for i := 0; i < n; i++ {
			var sb strings.Builder
			sb.WriteString(shapeHead)
			if i < n-1 {
				fmt.Fprintf(&sb, "from app.m%d import f%d\n\n\ndef f%d(v):\n    logger.debug(\"m%d %%s\", v)\n    return f%d(v + \"%d\")\n", i+1, i+1, i, i, i+1, i)
			} else {
				fmt.Fprintf(&sb, "def f%d(v):\n    logger.info(\"v %%s\", v)\n    return v\n", i)
			}
			if i == 0 {
				sb.WriteString("\n\ndef view(request):\n    return redirect(f0(request.GET.get(\"token\")))\n")
			}
			files[fmt.Sprintf("app/m%d.py", i)] = sb.String()
		}
		return files
	}},
	// x = "a" + token + "b" + token + …: n terms.
	{"concat", 500, func(n int) map[string]string {
		var sb strings.Builder
		sb.WriteString(shapeHead + "def view(request):\n    token = request.GET.get(\"token\")\n    x = \"a\"")
		for i := 0; i < n; i++ {
			if i%2 == 0 {
				sb.WriteString(" + token")
			} else {
				fmt.Fprintf(&sb, " + \"s%d\"", i)
			}
		}
		sb.WriteString("\n    logger.info(\"x %s\", x)\n    return redirect(\"/n?x=\" + x)\n")
		return map[string]string{"app/views.py": sb.String()}
	}},
	// n views that each log a token under a suppression comment.
	{"suppressions", 500, func(n int) map[string]string {
		var sb strings.Builder
		sb.WriteString(shapeHead)
		for i := 0; i < n; i++ {
			fmt.Fprintf(&sb, "def view_%d(request):\n    token = request.GET.get(\"token\")\n    logger.info(\"token %%s\", token)  # djleak: ignore[DJL201] -- test log %d\n    return HttpResponse(\"ok\")\n\n\n", i, i)
		}
		return map[string]string{"app/views.py": sb.String()}
	}},
	// A view that checks the client certificate once, then reads the
	// subject n times among other statements, with a weaker check (an
	// assert of a prefix) every fifty reads, and a view that reads it
	// unchecked.
	{"identity-guards", 500, func(n int) map[string]string {
		var sb strings.Builder
		sb.WriteString(shapeHead + "def view(request):\n    if request.META.get(\"HTTP_X_SSL_CLIENT_VERIFY\") != \"SUCCESS\":\n        return HttpResponse(status=403)\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&sb, "    dn_%d = request.META[\"HTTP_X_SSL_CLIENT_S_DN\"]\n    total_%d = len(dn_%d) + %d\n", i, i, i, i)
			if i%50 == 49 {
				sb.WriteString("    assert request.META.get(\"HTTP_X_SSL_CLIENT_VERIFY\", \"\").startswith(\"SUCCESS\")\n")
			}
		}
		sb.WriteString("    return HttpResponse(\"ok\")\n\n\ndef unguarded(request):\n    return HttpResponse(request.META[\"HTTP_X_SSL_CLIENT_S_DN\"])\n")
		return map[string]string{"app/views.py": sb.String()}
	}},
	// A settings module that imports n modules of a project that has n
	// more: each import is looked up among the project's modules.
	{"settings-imports", 200, func(n int) map[string]string {
		files := map[string]string{"conf/__init__.py": "", "other/__init__.py": "",
			"manage.py": "import os\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"proj.settings\")\n"}
		var sb strings.Builder
		sb.WriteString("DEBUG = False\n")
		for i := 0; i < n; i++ {
			files[fmt.Sprintf("conf/c%d.py", i)] = fmt.Sprintf("OPTION_%d = %d\n", i, i)
			files[fmt.Sprintf("other/o%d.py", i)] = fmt.Sprintf("VALUE_%d = %d\n", i, i)
			fmt.Fprintf(&sb, "from conf.c%d import *\n", i)
		}
		files["proj/settings.py"] = sb.String()
		return files
	}},
	// A settings module of n statements: assignments, conditionals and
	// a LOGGING dictionary with n handlers.
	{"settings", 500, func(n int) map[string]string {
		var sb strings.Builder
		sb.WriteString("import os\n\nDEBUG = False\nSECRET_KEY = os.environ.get(\"SECRET_KEY\")\nMIDDLEWARE = [\"django.middleware.security.SecurityMiddleware\"]\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&sb, "OPTION_%d = os.environ.get(\"OPTION_%d\", \"%d\")\nif OPTION_%d == \"x\":\n    DEBUG = False\n", i, i, i, i)
		}
		sb.WriteString("LOGGING = {\n    \"version\": 1,\n    \"handlers\": {\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&sb, "        \"h%d\": {\"class\": \"logging.StreamHandler\", \"level\": \"INFO\"},\n", i)
		}
		sb.WriteString("    },\n    \"loggers\": {\"django.request\": {\"handlers\": [\"h0\"], \"level\": \"DEBUG\"}},\n}\n")
		return map[string]string{"proj/settings.py": sb.String(), "manage.py": "import os\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"proj.settings\")\n"}
	}},
}

// shapeProject loads a shape of size n from memory.
func shapeProject(tb testing.TB, s shape, n int) *analyzer.Project {
	tb.Helper()
	const root = "/djleak-shape"
	files := map[string][]byte{filepath.Join(root, ".djleak.toml"): []byte("max-file-size = \"64MiB\"\n")}
	for name, text := range s.gen(n) {
		files[filepath.Join(root, filepath.FromSlash(name))] = []byte(text)
	}
	p, err := driver.Load(driver.Options{FS: analyzer.NewMemFS(files), Paths: []string{root}, Root: root, Workers: 1})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// cost is what a run took: heap objects and bytes allocated, and time.
type cost struct {
	objects, bytes uint64
	took           time.Duration
}

// runShape loads and checks a shape of size n with every rule on one
// worker and returns the findings and what it cost.
func runShape(tb testing.TB, s shape, n int) ([]*analyzer.Finding, cost) {
	tb.Helper()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	p := shapeProject(tb, s, n)
	fs, err := analyzer.Run(p, rules.All(), 1)
	if err != nil {
		tb.Fatal(err)
	}
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	return fs, cost{after.Mallocs - before.Mallocs, after.TotalAlloc - before.TotalAlloc, took}
}

// TestShapesLinear checks without a clock that every shape costs linear
// work: a run on the shape four times as large allocates at most five
// times the heap objects and bytes (a pass that copies its state per
// level allocates sixteen times as much), and finds something, so the
// shape exercises the analysis it is meant to.
func TestShapesLinear(t *testing.T) {
	for _, s := range shapes {
		t.Run(s.name, func(t *testing.T) {
			f1, c1 := runShape(t, s, s.n)
			_, c4 := runShape(t, s, 4*s.n)
			objects := float64(c4.objects) / float64(c1.objects)
			bytes := float64(c4.bytes) / float64(c1.bytes)
			t.Logf("%s: n=%d %d objects, %d KiB; 4n %d objects, %d KiB: ×%.2f objects, ×%.2f bytes",
				s.name, s.n, c1.objects, c1.bytes>>10, c4.objects, c4.bytes>>10, objects, bytes)
			if objects > 5 || bytes > 5 {
				t.Errorf("%s four times as large allocates ×%.1f the objects and ×%.1f the bytes: cost grows faster than the input", s.name, objects, bytes)
			}
			if s.name != "settings" && len(f1) == 0 {
				t.Errorf("%s at n=%d finds nothing: the shape no longer reaches the analysis it measures", s.name, s.n)
			}
		})
	}
}

// BenchmarkShapes times a whole run (load, parse, every rule, one worker)
// on each shape at m, 2m and 4m, m four times the test's n so the times
// stand above the noise, and prints the times and the 4m/m ratios of time
// and bytes allocated: linear cost is ×4.
// Run with: go test -run '^$' -bench Shapes -benchtime 1x ./analyzer/
func BenchmarkShapes(b *testing.B) {
	for _, s := range shapes {
		b.Run(s.name, func(b *testing.B) {
			var took [3]time.Duration
			var bytes [3]uint64
			for i := 0; i < b.N; i++ {
				for k, m := range []int{4, 8, 16} {
					_, c := runShape(b, s, m*s.n)
					took[k] += c.took
					bytes[k] = c.bytes
				}
			}
			for k := range took {
				took[k] /= time.Duration(b.N)
			}
			b.Logf("%s: n=%d %v, 2n %v, 4n %v: time ×%.1f, bytes allocated ×%.1f", s.name, 4*s.n, took[0], took[1], took[2],
				float64(took[2])/float64(took[0]), float64(bytes[2])/float64(bytes[0]))
			b.ReportMetric(float64(took[2])/float64(took[0]), "time-4n/n")
			b.ReportMetric(float64(bytes[2])/float64(bytes[0]), "bytes-4n/n")
		})
	}
}
