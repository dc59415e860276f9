package analyzertest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BigPython returns a Python module of at least size bytes made of one
// repeated unit. shape "mix" is what large real modules hold: imports,
// functions with calls, string formatting and logging, dicts, classes with
// methods, views reading request parameters, and every tenth unit a view
// that leaks a token to a log and a redirect. shape "deep" is one huge
// function whose body is a long run of nested if/for blocks, logging a
// request parameter every tenth block.
func BigPython(shape string, size int) string {
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

// WriteBigPython writes a project of one generated module, app/views.py of
// BigPython(shape, size), with max-file-size raised to let it in, and
// returns its directory.
func WriteBigPython(tb testing.TB, shape string, size int) string {
	tb.Helper()
	dir := tb.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "app"), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "app", "views.py"), []byte(BigPython(shape, size)), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".djleak.toml"), []byte("max-file-size = \"64MiB\"\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	return dir
}
