package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/facts"
	"github.com/djleak/djleak/analyzer/report"
)

// TestMain keeps the in-process runs of this package's tests out of the
// user's cache: every test shares one cache directory of its own, so the
// whole suite also runs against a warm cache. Every file fact computed
// must survive its encoding.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "djleak-test-cache-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CACHE_HOME", dir)
	analyzer.VerifyFactRoundTrip = true
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cacheProject has a finding for every per-file fact the cache keeps:
// identity reads, URL patterns, template links, settings entries,
// suppressions, a syntax error; and the nginx in front.
const cacheProject = `
-- .djleak.toml --
extra-token-names = ["zebra"]
-- manage.py --
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
-- mysite/__init__.py --
-- mysite/settings.py --
SECRET_KEY = "django-insecure-0123456789abcdefghijklmnop"
DEBUG = False
ALLOWED_HOSTS = ["api.example.com"]
ROOT_URLCONF = "mysite.urls"
MIDDLEWARE = ["mysite.middleware.ClientCertMiddleware"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
-- mysite/settings_prod.py --
from .settings import *
SESSION_COOKIE_SECURE = False
-- mysite/wsgi.py --
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
-- mysite/middleware.py --
class ClientCertMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.client_dn = request.META.get("HTTP_X_CLIENT_DN")
        return self.get_response(request)
-- mysite/legacy.py --
def whoami(request):
    return request.headers.get("X-SSL-Client-S-DN")
-- mysite/urls.py --
from django.urls import path
from mysite import views

urlpatterns = [
    path("export/<token>/", views.export),
    path("stripes/<zebra>/", views.export),
]
-- mysite/views.py --
import logging
from django.http import HttpResponse

logger = logging.getLogger(__name__)


def export(request, token):
    logger.info("export with %s", token)
    return HttpResponse("ok")


def verify(request):
    zebra = request.POST.get("z")
    print(zebra)
    return HttpResponse("ok")
-- mysite/broken.py --
def oops(:
    pass
-- mysite/templates/app/export.html --
<a href="/download?z={{ zebra }}">Download</a>
-- nginx/api.conf --
server {
    listen 443 ssl;
    server_name api.example.com;
    ssl_certificate /etc/ssl/certs/server.crt;
    ssl_certificate_key /etc/ssl/private/server.key;
    ssl_verify_client on;
    ssl_client_certificate /etc/ssl/certs/ca.pem;
    location / {
        proxy_set_header X-Client-DN $ssl_client_s_dn;
        proxy_pass http://127.0.0.1:8000;
    }
}
`

// A run with the cache gives exactly the output of a run without it, in
// every format, for any worker count, while the project changes under it:
// an edited file, a deleted one, a renamed one, another settings module,
// another front-end configuration, a new suppression, a configuration
// change that the facts depend on.
func TestCacheHitIsByteIdentical(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("CI", "")
	root := analyzertest.Write(t, cacheProject)
	file := func(rel string) string { return filepath.Join(root, filepath.FromSlash(rel)) }
	edit := func(rel, old, new string) {
		t.Helper()
		data, err := os.ReadFile(file(rel))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), old) {
			t.Fatalf("%s has no %q", rel, old)
		}
		if err := os.WriteFile(file(rel), []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name   string
		change func()
	}{
		{"initial", func() {}},
		{"edit a template and a URLconf", func() {
			edit("mysite/templates/app/export.html", "Download</a>", "Download</a>\n<a href=\"/files?api_key={{ user.api_key }}\">Files</a>")
			edit("mysite/urls.py", "]", "    path(\"files/<str:api_key>/\", views.export),\n]")
		}},
		{"delete a file", func() {
			if err := os.Remove(file("mysite/legacy.py")); err != nil {
				t.Fatal(err)
			}
		}},
		{"rename a file", func() {
			if err := os.MkdirAll(file("mysite/api"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(file("mysite/views.py"), file("mysite/api/views.py")); err != nil {
				t.Fatal(err)
			}
			edit("mysite/urls.py", "from mysite import views", "from mysite.api import views")
		}},
		{"change the settings module", func() {
			edit("mysite/wsgi.py", `"mysite.settings"`, `"mysite.settings_prod"`)
		}},
		{"change the front end", func() {
			edit("nginx/api.conf", "    ssl_verify_client on;\n", "")
		}},
		{"add a suppression", func() {
			edit("mysite/api/views.py", "    print(zebra)", "    print(zebra)  # djleak: ignore[DJL201] -- a test double")
			edit("mysite/api/views.py", `    logger.info("export`, "    # djleak: ignore[NGX4] -- matches nothing\n    logger.info(\"export")
		}},
		{"change the configuration", func() {
			edit(".djleak.toml", `["zebra"]`, `["yak"]`)
		}},
		{"fix the syntax error", func() {
			edit("mysite/broken.py", "def oops(:", "def oops():")
		}},
	}
	variants := [][]string{}
	for _, f := range report.Formats {
		variants = append(variants, []string{"--format", f})
	}
	variants = append(variants, []string{"--statistics"}, []string{"--format", "json", "--statistics"},
		[]string{"--include-suppressed", "--report-unused-ignores", "--format", "sarif"})
	reused := regexp.MustCompile(`cache: (\d+) facts reused`)
	trees := regexp.MustCompile(`(\d+) syntax trees reused, (\d+) written`)
	var previous string
	for _, step := range steps {
		step.change()
		for _, v := range variants {
			with := func(extra ...string) []string {
				return append(append(append([]string{"check", "--color", "never"}, v...), extra...), root)
			}
			cold := cliOutput(t, with("--no-cache", "--workers", "1")...)
			for _, workers := range []string{"1", "4"} {
				// The first warm run may still compute what changed; the
				// second finds everything in the cache.
				for i := 0; i < 2; i++ {
					var errb bytes.Buffer
					warm := cliOutputErr(t, &errb, with("-v", "--workers", workers)...)
					if warm != cold {
						t.Fatalf("%s, %v, --workers %s, warm run %d: output differs from --no-cache\n--- cold\n%s\n--- warm\n%s", step.name, v, workers, i+1, cold, warm)
					}
					m := reused.FindStringSubmatch(errb.String())
					if m == nil {
						t.Fatalf("%s: no cache statistics in -v output:\n%s", step.name, errb.String())
					}
					if n, _ := strconv.Atoi(m[1]); i == 1 && n == 0 {
						t.Fatalf("%s, %v: the second warm run reused no facts:\n%s", step.name, v, errb.String())
					}
					if tr := trees.FindStringSubmatch(errb.String()); i == 1 && (tr == nil || tr[1] == "0" || tr[2] != "0") {
						t.Fatalf("%s, %v: the second warm run did not build every module from the cached trees:\n%s", step.name, v, errb.String())
					}
					if i == 1 && !strings.Contains(errb.String(), "the results of taint reused") {
						t.Fatalf("%s, %v: the second warm run did not take the dataflow's result from the cache:\n%s", step.name, v, errb.String())
					}
				}
			}
			if len(v) == 2 && v[1] == "text" {
				// A pre-commit run names the changed files.
				named := []string{"check", "--color", "never", "--format", "concise", file("mysite/urls.py"), file("nginx/api.conf")}
				if cold, warm := cliOutput(t, append(named, "--no-cache")...), cliOutput(t, named...); warm != cold {
					t.Fatalf("%s, named files: output differs from --no-cache\n--- cold\n%s\n--- warm\n%s", step.name, cold, warm)
				}

				if cold == previous {
					t.Errorf("%s: the output did not change, so the step proves nothing:\n%s", step.name, cold)
				}
				previous = cold
			}
		}
	}
}

// An editor's buffer linted through standard input gets the same answer
// with a warm cache as without one, before and after an edit.
func TestCacheStdinIsByteIdentical(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	root := analyzertest.Write(t, cacheProject)
	views, err := os.ReadFile(filepath.Join(root, "mysite/views.py"))
	if err != nil {
		t.Fatal(err)
	}
	for _, buf := range []string{string(views), string(views) + "\n\ndef more(request):\n    print(request.GET[\"api_key\"])\n"} {
		for _, format := range []string{"text", "json", "sarif"} {
			args := []string{"check", "--color", "never", "--format", format, "--root", root, "--stdin-filename", filepath.Join(root, "mysite/views.py"), "-"}
			cold := cliOutputStdin(t, buf, append(args, "--no-cache")...)
			for i := 0; i < 2; i++ {
				if warm := cliOutputStdin(t, buf, args...); warm != cold {
					t.Fatalf("%s, run %d: stdin output differs from --no-cache\n--- cold\n%s\n--- warm\n%s", format, i+1, cold, warm)
				}
			}
		}
	}
}

// A damaged cache is ignored and repaired; an unwritable one is a note,
// not an error; --no-cache and no-cache = true leave it untouched.
func TestCacheDamagedUnwritableAndOff(t *testing.T) {
	xdg := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", xdg)
	root := analyzertest.Write(t, cacheProject)
	want := cliOutput(t, "check", "--no-cache", "--color", "never", root)
	if entries, _ := filepath.Glob(filepath.Join(xdg, "djleak", "*")); len(entries) != 0 {
		t.Fatalf("--no-cache wrote %v", entries)
	}
	cliOutput(t, "check", "--color", "never", "--config", "no-cache = true", root)
	if entries, _ := filepath.Glob(filepath.Join(xdg, "djleak", "*")); len(entries) != 0 {
		t.Fatalf("no-cache = true wrote %v", entries)
	}
	if got := cliOutput(t, "check", "--color", "never", root); got != want {
		t.Fatalf("cold cache:\n%s\nwant\n%s", got, want)
	}
	bundles, _ := filepath.Glob(filepath.Join(xdg, "djleak", "*", "*", "*"))
	if len(bundles) == 0 {
		t.Fatal("nothing cached")
	}
	for i, b := range bundles {
		data, err := os.ReadFile(b)
		if err != nil {
			t.Fatal(err)
		}
		switch i % 3 {
		case 0:
			data = data[:len(data)/2]
		case 1:
			data[len(data)-1] ^= 0x55
		default:
			data = []byte("garbage")
		}
		if err := os.WriteFile(b, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var errb bytes.Buffer
	if got := cliOutputErr(t, &errb, "check", "-v", "--color", "never", root); got != want {
		t.Fatalf("damaged cache:\n%s\nwant\n%s", got, want)
	}
	if !strings.Contains(errb.String(), " 0 facts reused") {
		t.Errorf("a damaged entry was used:\n%s", errb.String())
	}
	errb.Reset()
	cliOutputErr(t, &errb, "check", "-v", "--color", "never", root)
	if strings.Contains(errb.String(), " 0 facts reused") {
		t.Errorf("damaged entries were not rewritten:\n%s", errb.String())
	}

	// A cache directory below a regular file cannot be created.
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_CACHE_HOME", blocker)
	errb.Reset()
	code, got := cliRun(t, &errb, "", "check", "--color", "never", root)
	if got != want || code != exitFindings {
		t.Fatalf("unwritable cache: exit %d\n%s\nwant\n%s", code, got, want)
	}
	if !strings.Contains(errb.String(), "note: the cache is not written") {
		t.Errorf("no note about the cache:\n%s", errb.String())
	}
	errb.Reset()
	cliRun(t, &errb, "", "check", "-q", "--color", "never", root)
	if strings.Contains(errb.String(), "cache") {
		t.Errorf("-q still notes the cache:\n%s", errb.String())
	}
}

func cliOutput(t *testing.T, args ...string) string {
	t.Helper()
	return cliOutputErr(t, &bytes.Buffer{}, args...)
}

func cliOutputStdin(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	_, out := cliRun(t, &bytes.Buffer{}, stdin, args...)
	return out
}

func cliOutputErr(t *testing.T, errb *bytes.Buffer, args ...string) string {
	t.Helper()
	_, out := cliRun(t, errb, "", args...)
	return out
}

// cliRun runs djleak; an exit code of 2 fails the test.
func cliRun(t *testing.T, errb *bytes.Buffer, stdin string, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, errb)
	if code == exitError {
		t.Fatalf("djleak %v: exit 2\n%s", args, errb.String())
	}
	return code, out.String()
}

// The README's cache workflow saves the directory djleak uses on a runner
// (no XDG_CACHE_HOME), keyed on what `djleak --version` prints.
func TestCacheWorkflowSnippet(t *testing.T) {
	wf := filepath.Join(t.TempDir(), "cache.yml")
	writeFile(t, wf, readmeSnippet(t, "cache-workflow"))
	var workflow struct {
		Jobs map[string]struct {
			Steps []struct {
				Uses string            `json:"uses"`
				Run  string            `json:"run"`
				With map[string]string `json:"with"`
			} `json:"steps"`
		} `json:"jobs"`
	}
	if err := json.Unmarshal(yamlJSON(t, wf), &workflow); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CACHE_HOME", "")
	found := false
	for _, job := range workflow.Jobs {
		for _, st := range job.Steps {
			if !strings.HasPrefix(st.Uses, "actions/cache@") {
				continue
			}
			found = true
			dir := strings.Replace(st.With["path"], "~", home, 1)
			if got := facts.Dir("v"); filepath.Dir(got) != dir {
				t.Errorf("the workflow caches %s, djleak uses %s", dir, got)
			}
			if !strings.Contains(st.With["key"], "steps.djleak.outputs.version") {
				t.Errorf("the cache key %q does not name the djleak version", st.With["key"])
			}
		}
	}
	if !found {
		t.Fatal("no actions/cache step")
	}
	code, out, _ := runCLI(t, "--version")
	if fields := strings.Fields(out); code != 0 || len(fields) != 2 || fields[0] != "djleak" || fields[1] != analyzer.Version {
		t.Errorf("djleak --version prints %q; the workflow takes the second field as the version", out)
	}
}
