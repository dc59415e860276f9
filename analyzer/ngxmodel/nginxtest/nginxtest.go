// Package nginxtest drives a real nginx binary from Go tests, so that
// djleak's predictions about what nginx forwards to an upstream can be
// checked against what nginx actually does.
//
// A typical test:
//
//	func TestForwarded(t *testing.T) {
//		nginxtest.Require(t)
//		pki := nginxtest.NewPKI(t)
//		be := nginxtest.StartHTTPBackend(t)
//		srv := nginxtest.Start(t, `
//			server {
//				listen 127.0.0.1:{{PORT1}} ssl;
//				{{SSL}}
//				ssl_verify_client optional;
//				ssl_client_certificate {{CA}};
//				location / {
//					proxy_pass http://{{BACKEND}};
//					proxy_set_header X-Client-Verify $ssl_client_verify;
//				}
//			}`, nil, pki, be, nil)
//		srv.Request(t, srv.Port(1), true, "/", nil, "valid")
//		got := be.Last().Get("X-Client-Verify") // "SUCCESS"
//	}
//
// Server.Request returns just the status; Server.Fetch and Server.Do take a
// Req (method, body, SNI name, ...) and return the whole Resp. Backends
// record what nginx forwarded: Backend.Last, All, Count, Reset; see
// Received for the recorded form (raw header lines for HTTP, variables for
// uwsgi and FastCGI).
//
// Everything binds and connects to 127.0.0.1 only, every wait is bounded,
// and every Start gets its own directory and ports, so tests may run in
// parallel. nginx runs in the foreground as a single process
// ("daemon off; master_process off;") and is stopped in t.Cleanup.
//
// The binary is looked up as $NGINXTEST_NGINX, then "nginx" on $PATH, then
// /usr/sbin/nginx and /usr/local/sbin/nginx.
package nginxtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// EnvBinary names the environment variable that, when set, is the path of
// the nginx binary to use.
const EnvBinary = "NGINXTEST_NGINX"

// probeTimeout bounds each run of "nginx -V" and "nginx -t".
const probeTimeout = 10 * time.Second

// binaryInfo is what Available learns about the nginx binary.
type binaryInfo struct {
	path      string
	version   [3]int // major, minor, patch
	configure string // the "configure arguments:" line of nginx -V
	ok        bool
	reason    string
}

var (
	probeOnce sync.Once
	probed    binaryInfo
)

// Available reports whether a usable nginx binary exists and, when it does
// not, why. Usable means: it runs, and it was built with the SSL and uwsgi
// HTTP modules. The answer is computed once per process.
func Available() (bool, string) {
	info := probe()
	return info.ok, info.reason
}

// Require skips the test when nginx is not available, or fails it when the
// CI environment variable is set (a CI machine is expected to have nginx,
// so a missing binary there must not silently turn tests into skips).
func Require(t testing.TB) {
	t.Helper()
	if ok, reason := Available(); !ok {
		if os.Getenv("CI") != "" {
			t.Fatalf("nginxtest: nginx is required when CI is set: %s", reason)
		}
		t.Skipf("nginxtest: nginx not available: %s", reason)
	}
}

// Binary returns the path of the nginx binary in use ("" when unavailable).
func Binary() string {
	if info := probe(); info.ok {
		return info.path
	}
	return ""
}

// Version returns nginx's version as "major.minor.patch" ("" when
// unavailable).
func Version() string {
	info := probe()
	if !info.ok {
		return ""
	}
	return fmt.Sprintf("%d.%d.%d", info.version[0], info.version[1], info.version[2])
}

// SystemFile returns the content of a file that ships next to the system's
// nginx.conf (for example "proxy_params" or "uwsgi_params" on Debian), so a
// test can pass the distribution's real snippet as one of Start's
// extraFiles. The directory is the one of nginx's --conf-path.
func SystemFile(name string) (string, error) {
	info := probe()
	if !info.ok {
		return "", errors.New("nginxtest: nginx not available: " + info.reason)
	}
	dir := "/etc/nginx"
	if m := regexp.MustCompile(`--conf-path=(\S+)`).FindStringSubmatch(info.configure); m != nil {
		dir = filepath.Dir(m[1])
	}
	b, err := os.ReadFile(filepath.Join(dir, filepath.Clean("/"+name)))
	return string(b), err
}

// atLeast reports whether the probed version is at least major.minor.patch.
func (b binaryInfo) atLeast(major, minor, patch int) bool {
	want := [3]int{major, minor, patch}
	for i := range want {
		if b.version[i] != want[i] {
			return b.version[i] > want[i]
		}
	}
	return true
}

func probe() binaryInfo {
	probeOnce.Do(func() { probed = probeBinary() })
	return probed
}

var versionRE = regexp.MustCompile(`nginx/(\d+)\.(\d+)\.(\d+)`)

func probeBinary() binaryInfo {
	path, err := findBinary()
	if err != nil {
		return binaryInfo{reason: err.Error()}
	}
	info := binaryInfo{path: path}
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "-V").CombinedOutput()
	if err != nil {
		info.reason = fmt.Sprintf("%s -V: %v: %s", path, err, bytes.TrimSpace(out))
		return info
	}
	text := string(out)
	m := versionRE.FindStringSubmatch(text)
	if m == nil {
		info.reason = fmt.Sprintf("%s -V: no version in output %q", path, text)
		return info
	}
	for i := range info.version {
		info.version[i], _ = strconv.Atoi(m[i+1])
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "configure arguments:") {
			info.configure = line
		}
	}
	switch {
	case !strings.Contains(info.configure, "--with-http_ssl_module"):
		info.reason = path + " was built without --with-http_ssl_module"
	case strings.Contains(info.configure, "--without-http_uwsgi_module"):
		info.reason = path + " was built without the uwsgi module"
	default:
		info.ok = true
	}
	return info
}

func findBinary() (string, error) {
	if p := os.Getenv(EnvBinary); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("$%s: %v", EnvBinary, err)
		}
		return p, nil
	}
	if p, err := exec.LookPath("nginx"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"} {
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("no nginx binary found (set $%s, or install nginx, e.g. Debian's nginx-light)", EnvBinary)
}
