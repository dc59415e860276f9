package analyzer_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/rules"
)

// bigPython returns a Python module of at least size bytes made of one
// repeated unit. shape "mix" is what large real modules hold: imports,
// functions with calls, string formatting and logging, dicts, classes with
// methods, views reading request parameters, and every tenth unit a view
// that leaks a token to a log and a redirect. shape "deep" is one huge
// function whose body is a long run of nested if/for blocks, logging a
// request parameter every tenth block.
func bigPython(shape string, size int) string {
	var sb strings.Builder
	sb.Grow(size + 4096)
	sb.WriteString("import logging\nimport os\nfrom django.http import HttpResponse, JsonResponse\nfrom django.shortcuts import redirect\n\nlogger = logging.getLogger(__name__)\n\n")
	switch shape {
	case "deep":
		sb.WriteString("def handler(request):\n    total = 0\n")
		for i := 0; sb.Len() < size; i++ {
			fmt.Fprintf(&sb, "    if request.GET.get(\"k%d\"):\n", i)
			fmt.Fprintf(&sb, "        for item in request.GET.getlist(\"l%d\"):\n", i)
			fmt.Fprintf(&sb, "            if item.startswith(\"x%d\"):\n", i)
			fmt.Fprintf(&sb, "                total += len(item) + %d\n", i)
			fmt.Fprintf(&sb, "                logger.info(\"item %%s at %d\", item)\n", i)
			fmt.Fprintf(&sb, "            else:\n                name_%d = \"n%%d\" %% total\n", i)
			if i%10 == 0 {
				fmt.Fprintf(&sb, "    token = request.GET.get(\"token\")\n    logger.info(\"token %%s at %d\", token)\n", i)
			}
		}
		sb.WriteString("    return HttpResponse(str(total))\n")
	default:
		for i := 0; sb.Len() < size; i++ {
			fmt.Fprintf(&sb, `CONFIG_%[1]d = {"name": "svc%[1]d", "port": %[1]d, "debug": os.environ.get("DEBUG_%[1]d", "0") == "1"}


def helper_%[1]d(value, count=%[1]d):
    parts = [str(value), "item-%[1]d", f"{count:04d}"]
    joined = "-".join(parts).strip().lower()
    logger.debug("helper %[1]d joined %%s", joined)
    return "%%s/%%d" %% (joined, count)


class Service%[1]d:
    timeout = %[1]d

    def __init__(self, name):
        self.name = name
        self.items = {"a": 1, "b": [1, 2, 3], "c": {"d": None}}

    def run(self, request):
        token = request.GET.get("token_%[1]d")
        if token and len(token) > 8:
            logger.warning("run %%s for %%s", self.name, helper_%[1]d(self.timeout))
        return JsonResponse({"ok": True, "name": self.name})


def view_%[1]d(request):
    service = Service%[1]d(request.POST.get("name", "default"))
    next_url = "/done/{}?n={}".format(%[1]d, helper_%[1]d(service.name))
    if request.method == "POST":
        return service.run(request)
    return redirect(next_url)


`, i)
			if i%10 == 0 {
				fmt.Fprintf(&sb, "def leak_%[1]d(request):\n    token = request.GET.get(\"token\")\n    logger.info(\"token %%s\", token)\n    return redirect(\"/next?t=\" + token)\n\n\n", i)
			}
		}
	}
	return sb.String()
}

// allocatedBytes returns the bytes allocated while loading dir and running
// every rule on it.
func allocatedBytes(t *testing.T, dir string) uint64 {
	t.Helper()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	p, err := analyzer.Load(analyzer.Options{Paths: []string{dir}, Root: dir, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := analyzer.Run(p, rules.All(), 1); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// writeBigPython writes a project of one generated module and returns its
// directory.
func writeBigPython(tb testing.TB, shape string, size int) string {
	tb.Helper()
	dir := tb.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "app"), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "app", "views.py"), []byte(bigPython(shape, size)), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".djleak.toml"), []byte("max-file-size = \"64MiB\"\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	return dir
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
			a := allocatedBytes(t, writeBigPython(t, shape, small))
			b := allocatedBytes(t, writeBigPython(t, shape, 4*small))
			ratio := float64(b) / float64(a)
			t.Logf("%s: %d KiB allocated for 64 KiB, %d KiB for 256 KiB: ×%.2f", shape, a>>10, b>>10, ratio)
			if ratio > 5 {
				t.Errorf("a module 4× as large allocates %.1f× as much (%d → %d bytes): cost grows faster than the input", ratio, a, b)
			}
		})
	}
}
