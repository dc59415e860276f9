package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The battery drives the built binary over hostile projects. Each case
// asserts the exact outcome — which finding at which file and line, or
// exit 2 with a message naming the file, key or flag — and that a canary
// finding elsewhere in the same project is still reported, so nothing else
// was dropped. A run that does not finish within the safety timeout is a
// hang and fails the case.

const batteryCanaryFile = "import logging\nlog = logging.getLogger(__name__)\ndef view(request):\n    log.info(\"t %s\", request.GET[\"token\"])\n"

const batteryCanary = "app/canary.py:4:22: DJL201 "

// batteryLog is a module whose DJL201 finding is on line 4 (used by the
// line-ending and file-name cases).
func batteryLog(eol string) string {
	return strings.ReplaceAll(batteryCanaryFile, "\n", eol)
}

type batteryCase struct {
	name  string
	files map[string]string // project files (besides manage.py and the canary)
	setup func(t *testing.T, dir string)
	args  []string // after "check"; default: --format concise .
	stdin []byte
	// nobody runs djleak as an unprivileged user (CI runs as root, which
	// reads every file).
	nobody bool
	code   int
	want   []string // lines of standard output (prefix, or "prefix…later")
	absent []string // prefixes no line of standard output may have
	stderr []string // substrings of standard error
	canary string   // "" means batteryCanary; "-" means no canary (stdin cases)
	// maxRSS bounds the run's peak resident memory in bytes (0: 1 GiB).
	maxRSS int64
}

func TestBattery(t *testing.T) {
	// Mostly waiting on builds and child processes: runs beside the
	// package's other long tests.
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	base, err := os.MkdirTemp("", "djleak-battery-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		filepath.Walk(base, func(p string, info os.FileInfo, err error) error {
			if err == nil && info.IsDir() {
				os.Chmod(p, 0o755) // let RemoveAll into unreadable directories
			}
			return nil
		})
		os.RemoveAll(base)
	})
	// Everything under base is reachable by the unprivileged user.
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(base, "djleak")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	tenMB := bigPython(10 << 20)
	deepNginx := "http {\n  server {\n    listen 80;\n" + strings.Repeat("location / {\n", 10_000) + strings.Repeat("}\n", 10_000) + "  }\n}\n"
	fstrings := "X = \"ab\"\n" + strings.Repeat("X = f\"{X}{X}\"\n", 80) + "DEBUG = True\nINSTALLED_APPS = [\"django.contrib.auth\"]\nROOT_URLCONF = \"mysite.urls\"\n"

	cases := []batteryCase{
		{name: "nul-byte", files: map[string]string{"app/nul.py": "X = 1\x00\n"}, code: 1,
			want: []string{"app/nul.py:1:1: DJL004 not analysed: binary content (a NUL byte at line 1, column 6)"}},
		{name: "binary", files: map[string]string{"app/blob.py": "\x7fELF\x02\x01\x01\x00\x00\x00\xff\xfe"}, code: 1,
			want: []string{"app/blob.py:1:1: DJL004 not analysed: binary content (a NUL byte at line 1, column 8)"}},
		{name: "utf-16", files: map[string]string{"app/u16.py": "\xff\xfeX\x00 \x00=\x00 \x001\x00\n\x00"}, code: 1,
			want: []string{"app/u16.py:1:1: DJL004 not analysed: UTF-16 encoded; djleak reads UTF-8 source"}},
		{name: "python-nesting-10000", files: map[string]string{"app/deep.py": "X = " + strings.Repeat("(", 10_000) + "1" + strings.Repeat(")", 10_000) + "\n"},
			code: 1, absent: []string{"app/deep.py"}},
		{name: "nginx-nesting-10000", files: map[string]string{"nginx/nginx.conf": deepNginx},
			code: 1, absent: []string{"nginx/nginx.conf"}},
		{name: "include-cycle", files: map[string]string{
			"nginx/nginx.conf": "http {\n    include a.conf;\n}\n",
			"nginx/a.conf":     "include b.conf;\n",
			"nginx/b.conf":     "include a.conf;\n"},
			code: 1, want: []string{`nginx/b.conf:1:1: NGX002 include cycle: "nginx/a.conf" is already being included`}},
		{name: "include-directory", files: map[string]string{"nginx/nginx.conf": "http {\n    include conf.d;\n}\n", "nginx/conf.d/x.txt": ""},
			code: 1, want: []string{`nginx/nginx.conf:2:5: NGX002 included file "conf.d" not found in the project`}},
		{name: "include-dev-zero", files: map[string]string{"nginx/nginx.conf": "http {\n    include /dev/zero;\n}\n"},
			code: 1, want: []string{`nginx/nginx.conf:2:5: NGX002 included file "/dev/zero" not found in the project`}},
		{name: "unbalanced-braces", files: map[string]string{
			"nginx/nginx.conf": "http {\n    server {\n        listen 80;\n}\n",
			"app/brace.py":     "X = {\"a\": [1, 2}\n"},
			code: 1, want: []string{"app/brace.py:1:16: DJL001 syntax error: missing ']'", "nginx/nginx.conf:4:1: NGX001 …not closed"}},
		{name: "unclosed-quotes", files: map[string]string{
			"nginx/nginx.conf": "http {\n    server {\n        add_header X \"never closed;\n    }\n}\n",
			"app/quote.py":     "X = \"never closed\nY = 2\n"},
			code: 1, want: []string{"app/quote.py:1:5: DJL001 syntax error: unexpected '\"'", "nginx/nginx.conf:…NGX001 "}},
		// Template branches that each open a block, closed once after the
		// conditional: read as the first-branch rendering, with a note.
		{name: "template-alternative-blocks", files: map[string]string{
			"nginx/site.conf.j2": "{% if tls %}\nserver {\n    listen 443 ssl;\n    ssl_verify_client on;\n    ssl_client_certificate ca.pem;\n" +
				"{% else %}\nserver {\n    listen 80;\n{% endif %}\n    location / {\n        proxy_pass http://127.0.0.1:8000;\n    }\n" +
				"    location /plain { proxy_set_header X-Client-DN $http_x_client_dn; proxy_pass http://127.0.0.1:8000; }\n}\n",
			"apache/vhost.conf.template": "{% if SSL %}\n<VirtualHost *:443>\n    SSLEngine on\n{% else %}\n<VirtualHost *:80>\n{% endif %}\n" +
				"    ServerName example.org\n</VirtualHost>\n"},
			code: 1, want: []string{"nginx/site.conf.j2:13:23: NGX203 "}, absent: []string{"nginx/site.conf.j2:…NGX001", "apache/vhost.conf.template:…APC001"},
			stderr: []string{"djleak: apache/vhost.conf.template:4: `{% else %}` of `{% if SSL %}` (lines 4-5) is left out",
				"djleak: nginx/site.conf.j2:6: `{% else %}` of `{% if tls %}` (lines 6-8) is left out"}},
		{name: "symlink-loop", setup: func(t *testing.T, dir string) {
			must(t, os.Symlink("loop2.py", filepath.Join(dir, "app/loop1.py")))
			must(t, os.Symlink("loop1.py", filepath.Join(dir, "app/loop2.py")))
		}, code: 1, want: []string{
			"app/loop1.py:1:1: DJL004 not analysed: symbolic link loop",
			"app/loop2.py:1:1: DJL004 not analysed: symbolic link loop"}},
		{name: "symlink-directory-loop", setup: func(t *testing.T, dir string) {
			must(t, os.Symlink("..", filepath.Join(dir, "app/up")))
		}, code: 1, stderr: []string{"djleak: app/up: skipped: symbolic link to a directory (not followed)"}},
		{name: "broken-symlink", setup: func(t *testing.T, dir string) {
			must(t, os.Symlink("missing.py", filepath.Join(dir, "app/gone.py")))
		}, code: 1, want: []string{"app/gone.py:1:1: DJL004 not analysed: broken symbolic link (its target does not exist)"}},
		{name: "fifo-and-socket-in-tree", setup: func(t *testing.T, dir string) {
			must(t, syscall.Mkfifo(filepath.Join(dir, "app/fifo.py"), 0o644))
			must(t, syscall.Mkfifo(filepath.Join(dir, "nginx.conf"), 0o644))
			l, err := net.Listen("unix", filepath.Join(dir, "app/sock.py"))
			must(t, err)
			t.Cleanup(func() { l.Close() })
		}, code: 1, stderr: []string{
			"djleak: app/fifo.py: skipped: a named pipe (never opened)",
			"djleak: app/sock.py: skipped: a socket (never opened)",
			"djleak: nginx.conf: skipped: a named pipe (never opened)"}},
		{name: "fifo-named", setup: func(t *testing.T, dir string) {
			must(t, syscall.Mkfifo(filepath.Join(dir, "app/views.py"), 0o644))
		}, args: []string{"--format", "concise", "app/views.py", "app/canary.py"}, code: 2, canary: "-",
			stderr: []string{"djleak: app/views.py: is a named pipe; djleak reads only regular files and directories"}},
		{name: "nginx-fifo-named", setup: func(t *testing.T, dir string) {
			must(t, syscall.Mkfifo(filepath.Join(dir, "site.conf"), 0o644))
		}, args: []string{"--format", "concise", "site.conf"}, code: 2, canary: "-",
			stderr: []string{"djleak: site.conf: is a named pipe; djleak reads only regular files and directories"}},
		{name: "device-named", args: []string{"--format", "concise", "/dev/zero"}, code: 2, canary: "-",
			stderr: []string{"djleak: /dev/zero: is a character device; djleak reads only regular files and directories"}},
		{name: "unreadable-file-and-dir", nobody: true, setup: func(t *testing.T, dir string) {
			bWrite(t, filepath.Join(dir, "app/secret.py"), "X = 1\n")
			must(t, os.Chmod(filepath.Join(dir, "app/secret.py"), 0))
			bWrite(t, filepath.Join(dir, "app/templates/page.html"), "<p>x</p>\n")
			must(t, os.Chmod(filepath.Join(dir, "app/templates/page.html"), 0))
			bWrite(t, filepath.Join(dir, "nginx/nginx.conf"), "http {}\n")
			must(t, os.Chmod(filepath.Join(dir, "nginx/nginx.conf"), 0))
			bWrite(t, filepath.Join(dir, "locked/inner.py"), "X = 1\n")
			must(t, os.Chmod(filepath.Join(dir, "locked"), 0))
		}, code: 1, want: []string{
			"app/secret.py:1:1: DJL004 not analysed: permission denied",
			"app/templates/page.html:1:1: DJL004 not analysed: permission denied",
			"locked:1:1: DJL004 not analysed: directory could not be read (permission denied); the files in it were not analysed",
			"nginx/nginx.conf:1:1: DJL004 not analysed: permission denied"}},
		{name: "pathological-gitignore", files: map[string]string{
			".gitignore": strings.Repeat("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b\n", 2000) +
				"[unterminated\n\\\n!\n/\n**\n!app/\n!app/**\n\x00\xff\xfe\n" + strings.Repeat("x", 100_000) + "\n",
			"app/" + strings.Repeat("a", 200) + ".py": "X = 1\n"},
			code: 1},
		{name: "gitignore-keeps-literal-specials", files: map[string]string{
			".gitignore": "a|b.py\nx{2}/\nplus+/\n", "x{2}/gone.py": batteryLog("\n"), "xx/kept.py": batteryLog("\n"), "plus/kept.py": batteryLog("\n")},
			code: 1, want: []string{"plus/kept.py:4:22: DJL201 ", "xx/kept.py:4:22: DJL201 "}, absent: []string{"x{2}/"}},
		{name: "malformed-config", files: map[string]string{".djleak.toml": "select = [\n"}, code: 2, canary: "-",
			stderr: []string{"djleak: .djleak.toml:"}},
		{name: "binary-config", files: map[string]string{".djleak.toml": "\x00\xff\xfe\x01garbage"}, code: 2, canary: "-",
			stderr: []string{"djleak: .djleak.toml:"}},
		{name: "bad-max-file-size", files: map[string]string{".djleak.toml": "max-file-size = \"huge\"\n"}, code: 2, canary: "-",
			stderr: []string{".djleak.toml", "max-file-size", `"huge"`}},
		{name: "max-file-size-too-large", files: map[string]string{"pyproject.toml": "[tool.djleak]\nmax-file-size = \"1GiB\"\n"}, code: 2, canary: "-",
			stderr: []string{"pyproject.toml", "max-file-size"}},
		{name: "max-file-size-configured", files: map[string]string{".djleak.toml": "max-file-size = \"1KiB\"\n", "app/big.py": "# " + strings.Repeat("x", 2000) + "\n"},
			code: 1, want: []string{"app/big.py:1:1: DJL004 not analysed: larger than the 1 KiB limit (max-file-size)"}},
		{name: "nginx-over-max-file-size", files: map[string]string{".djleak.toml": "max-file-size = 2048\n",
			"nginx/nginx.conf": "http {\n    include big.conf;\n}\n" + "# " + strings.Repeat("x", 3000) + "\n",
			"nginx/big.conf":   "# " + strings.Repeat("x", 3000) + "\n"},
			code: 1, want: []string{"nginx/nginx.conf:1:1: DJL004 not analysed: larger than the 2 KiB limit (max-file-size)"}},
		{name: "nginx-include-over-max-file-size", files: map[string]string{".djleak.toml": "max-file-size = 2048\n",
			"nginx/nginx.conf": "http {\n    include big.conf;\n}\n",
			"nginx/big.conf":   "# " + strings.Repeat("x", 3000) + "\n"},
			code: 1, want: []string{`nginx/nginx.conf:2:5: NGX002 cannot read included file "nginx/big.conf": larger than the 2 KiB limit (max-file-size)`}},
		{name: "python-10MB", files: map[string]string{"app/huge.py": tenMB}, code: 1,
			want: []string{"app/huge.py:1:1: DJL004 not analysed: larger than the 4 MiB limit (max-file-size)"}},
		{name: "python-5MB-line", files: map[string]string{"app/line.py": "X = [" + strings.Repeat("12345,", 950_000) + "]\n"}, code: 1,
			want: []string{"app/line.py:1:1: DJL004 not analysed: larger than the 4 MiB limit (max-file-size)"}},
		{name: "stdin-empty", args: []string{"--format", "concise", "--stdin-filename", "app/views.py", "-"}, stdin: []byte{}, code: 0, canary: "-"},
		{name: "stdin-10MB", args: []string{"--format", "concise", "--stdin-filename", "app/views.py", "-"}, stdin: []byte(tenMB), code: 1, canary: "-",
			want: []string{"app/views.py:1:1: DJL004 not analysed: larger than the 4 MiB limit (max-file-size)"}},
		{name: "stdin-100MB", args: []string{"--format", "concise", "--stdin-filename", "app/views.py", "-"}, stdin: bytes.Repeat([]byte("# padding\n"), 10<<20), code: 1, canary: "-",
			want: []string{"app/views.py:1:1: DJL004 not analysed: larger than the 4 MiB limit (max-file-size)"}},
		{name: "fstring-doubling", files: map[string]string{"mysite/settings.py": fstrings}, code: 1,
			want: []string{"mysite/settings.py:82:1: DJL220 DEBUG is True"}},
		{name: "workers-1000000", args: []string{"--format", "concise", "--workers", "1000000", "."}, code: 1},
		{name: "lone-cr", files: map[string]string{"app/cr.py": batteryLog("\r")}, code: 1,
			want: []string{"app/cr.py:4:22: DJL201 "}},
		{name: "non-utf8-file-name", files: map[string]string{"app/latin\xe9.py": batteryLog("\n")},
			args: []string{"--format", "json", "."}, code: 1, canary: `"path": "app/canary.py"`,
			want: []string{`      "path": "app/latin%E9.py",`}},
		{name: "symlinked-local-settings", files: map[string]string{
			"mysite/settings.py":       "from .local import *\nSESSION_COOKIE_SECURE = True\nCSRF_COOKIE_SECURE = True\n",
			"deploy/local_settings.py": "DEBUG = True\n"},
			setup: func(t *testing.T, dir string) {
				must(t, os.Symlink("../deploy/local_settings.py", filepath.Join(dir, "mysite/local.py")))
			}, code: 1, want: []string{"mysite/local.py:1:1: DJL220 DEBUG is True (inherited by mysite.settings)"},
			absent: []string{"mysite/settings.py:1:1: DJL40"}},
		{name: "symlink-outside", setup: func(t *testing.T, dir string) {
			outside := filepath.Join(filepath.Dir(dir), filepath.Base(dir)+"-outside.py")
			bWrite(t, outside, batteryLog("\n"))
			must(t, os.Symlink(outside, filepath.Join(dir, "app/linked.py")))
		}, code: 1, want: []string{"app/linked.py:4:22: DJL201 "}, stderr: []string{"djleak: app/linked.py: symbolic link to ", ", outside the project: analysed as app/linked.py"}},
		{name: "star-import-cycle", files: map[string]string{
			"manage.py":                   "import os\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"mysite.settings.prod\")\n",
			"mysite/__init__.py":          "",
			"mysite/settings/__init__.py": "",
			"mysite/settings/base.py":     "from .prod import *\nDEBUG = True\nSESSION_COOKIE_SECURE = True\nCSRF_COOKIE_SECURE = True\n",
			"mysite/settings/prod.py":     "from .base import *\n"},
			code: 1, want: []string{"mysite/settings/base.py:2:1: DJL220 DEBUG is True (inherited by mysite.settings.prod)"},
			absent: []string{"mysite/settings/prod.py:1:1: DJL40"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, err := os.MkdirTemp(base, c.name+"-")
			must(t, err)
			must(t, os.Chmod(dir, 0o755))
			bWrite(t, filepath.Join(dir, "manage.py"), "")
			bWrite(t, filepath.Join(dir, "app/canary.py"), batteryCanaryFile)
			for name, text := range c.files {
				bWrite(t, filepath.Join(dir, name), text)
			}
			if c.setup != nil {
				c.setup(t, dir)
			}
			args := c.args
			if args == nil {
				args = []string{"--format", "concise", "."}
			}
			argv := append([]string{bin, "check"}, args...)
			if c.nobody && os.Geteuid() == 0 {
				setpriv, err := exec.LookPath("setpriv")
				if err != nil {
					t.Skip("running as root and setpriv (util-linux) is missing: cannot test unreadable files")
				}
				argv = append([]string{setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--"}, argv...)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "NO_COLOR=1")
			cmd.Stdin = bytes.NewReader(c.stdin)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err = cmd.Run()
			if ctx.Err() != nil {
				t.Fatalf("djleak did not finish (a hang)\nstderr:\n%s", stderr.String())
			}
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			out, errOut := stdout.String(), stderr.String()
			report := fmt.Sprintf("\nstdout:\n%s\nstderr:\n%s", clip(out), clip(errOut))
			if code != c.code {
				t.Errorf("exit %d, want %d%s", code, c.code, report)
			}
			lines := strings.Split(out, "\n")
			// hasLine matches a line by its prefix; "A…B" is prefix A with
			// B later on the line.
			hasLine := func(pattern string) bool {
				prefix, rest, _ := strings.Cut(pattern, "…")
				for _, l := range lines {
					if strings.HasPrefix(l, prefix) && strings.Contains(l[len(prefix):], rest) {
						return true
					}
				}
				return false
			}
			for _, w := range c.want {
				if !hasLine(w) {
					t.Errorf("no output line starting %q%s", w, report)
				}
			}
			for _, a := range c.absent {
				if hasLine(a) {
					t.Errorf("unexpected output line starting %q%s", a, report)
				}
			}
			for _, w := range c.stderr {
				if !strings.Contains(errOut, w) {
					t.Errorf("standard error lacks %q%s", w, report)
				}
			}
			switch canary := c.canary; canary {
			case "-":
			case "":
				canary = batteryCanary
				fallthrough
			default:
				if !strings.Contains(out, canary) {
					t.Errorf("the canary finding (%s) is missing: something else was dropped%s", canary, report)
				}
			}
			if strings.Contains(errOut, "internal error") || strings.Contains(errOut, "panic") {
				t.Errorf("internal error%s", report)
			}
			maxRSS := c.maxRSS
			if maxRSS == 0 {
				maxRSS = 1 << 30
			}
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss*1024 > maxRSS {
				t.Errorf("peak RSS %d MiB, over %d MiB", ru.Maxrss>>10, maxRSS>>20)
			}
		})
	}
}

// bigPython is about n bytes of Python with a finding per function.
func bigPython(n int) string {
	var b strings.Builder
	b.WriteString("from django.shortcuts import redirect\n\n")
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "def view_%d(request):\n    token = request.GET.get(\"token\")\n    return redirect(\"/next?t=\" + token)\n\n", i)
	}
	return b.String()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func clip(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

// bWrite writes a file, making its directories (readable by everyone).
func bWrite(t *testing.T, p, s string) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(p), 0o755))
	must(t, os.WriteFile(p, []byte(s), 0o644))
}
