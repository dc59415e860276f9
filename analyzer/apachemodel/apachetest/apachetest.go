// Package apachetest runs a real Apache httpd from Go tests, so that
// djleak's model of what httpd forwards can be checked against httpd
// itself. It shares the PKI, the echo backend and the request client of
// package nginxtest.
//
// Placeholders in a configuration:
//
//	{{PRELUDE}}            ServerRoot, PidFile, logs and the modules the
//	                       tests use (mpm_event, authz_core, ssl, headers,
//	                       proxy, proxy_http, wsgi)
//	{{PORT1}} … {{PORT7}}  distinct free ports (each needs its own Listen)
//	{{BACKEND}}            the HTTP echo backend's host:port
//	{{WSGI}}               a WSGI script that answers with its environ's
//	                       HTTP_* and SSL_CLIENT_* keys as JSON
//	{{CERT}}, {{KEY}}      the server certificate and key
//	{{CA}}, {{ROGUE_CA}}   the trusted and the other CA's certificates
//	{{ROOT}}               the ServerRoot (where included files are written)
//	{{MODULES}}            the directory of httpd's modules
package apachetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/djleak/djleak/analyzer/frontend/frontendtest"
	"github.com/djleak/djleak/analyzer/ngxmodel/nginxtest"
)

const checkTimeout = 20 * time.Second

// ModulesDir is where Debian's apache2 package keeps its modules.
var ModulesDir = "/usr/lib/apache2/modules"

// Binary returns the httpd binary's path, or "".
func Binary() string {
	if p := os.Getenv("APACHETEST_HTTPD"); p != "" {
		return p
	}
	for _, name := range []string{"apache2", "httpd"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	for _, p := range []string{"/usr/sbin/apache2", "/usr/sbin/httpd"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// Require skips the test when httpd or mod_wsgi is missing, or fails it
// under CI.
func Require(t testing.TB) {
	t.Helper()
	_, err := os.Stat(filepath.Join(ModulesDir, "mod_wsgi.so"))
	frontendtest.Need(t, "apache2 with libapache2-mod-wsgi-py3", Binary() != "" && err == nil)
}

// Server is a running httpd.
type Server struct {
	Dir  string
	Text string
	// Extra are the rendered texts of the files beside httpd.conf, by
	// path relative to the ServerRoot.
	Extra map[string]string
	PKI   *nginxtest.PKI
	proc  *frontendtest.Proc
}

// Port returns the real port of {{PORTn}}.
func (s *Server) Port(n int) int { return s.proc.Ports[n] }

// Do sends one request (see nginxtest.Req).
func (s *Server) Do(r nginxtest.Req) (nginxtest.Resp, error) { return nginxtest.Send(s.PKI, r) }

// ErrorLog is httpd's error log.
func (s *Server) ErrorLog() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "error.log"))
	return string(b)
}

const wsgiEcho = `import json
def application(environ, start_response):
    keys = {k: v for k, v in environ.items() if k.startswith(("HTTP_", "SSL_CLIENT_"))}
    body = json.dumps(keys).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
`

// workDir makes a directory the httpd worker user can read: httpd drops
// root privileges before it loads the WSGI script.
func workDir(t testing.TB) string {
	dir, err := os.MkdirTemp("", "apachetest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "echo.wsgi"), []byte(wsgiEcho), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func prelude(dir string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ServerRoot %s\nPidFile %s/httpd.pid\nErrorLog %s/error.log\nLogLevel warn\nServerName localhost\nDefaultRuntimeDir %s\nMutex file:%s default\n", dir, dir, dir, dir, dir)
	if os.Geteuid() == 0 {
		b.WriteString("User www-data\nGroup www-data\n")
	}
	for _, m := range []string{"mpm_event", "authz_core", "alias", "ssl", "headers", "proxy", "proxy_http", "wsgi"} {
		fmt.Fprintf(&b, "LoadModule %s_module %s/mod_%s.so\n", m, ModulesDir, m)
	}
	b.WriteString("SSLSessionCache none\nWSGIRestrictEmbedded Off\n")
	return b.String()
}

// Render substitutes placeholders.
func Render(conf, dir string, pki *nginxtest.PKI, be *nginxtest.Backend, ports map[int]int) (string, error) {
	r := []string{"{{PRELUDE}}", prelude(dir), "{{WSGI}}", filepath.Join(dir, "echo.wsgi"), "{{ROOT}}", dir, "{{MODULES}}", ModulesDir}
	if pki != nil {
		r = append(r, "{{CERT}}", pki.ServerCert, "{{KEY}}", pki.ServerKey, "{{CA}}", pki.CACert, "{{ROGUE_CA}}", pki.RogueCACert)
	}
	if be != nil {
		r = append(r, "{{BACKEND}}", be.Addr)
	} else {
		r = append(r, "{{BACKEND}}", "127.0.0.1:1")
	}
	out := frontendtest.RenderPorts(strings.NewReplacer(r...).Replace(conf), ports)
	if strings.Contains(out, "{{") {
		return "", fmt.Errorf("unknown placeholder in %q", out)
	}
	return out, nil
}

// Check runs `httpd -t` on the configuration; it returns httpd's output
// and whether the configuration is valid.
func Check(t testing.TB, conf string, pki *nginxtest.PKI) (string, bool) {
	t.Helper()
	return CheckFiles(t, conf, nil, pki)
}

// CheckFiles is Check with files beside httpd.conf that it includes
// (paths relative to the ServerRoot).
func CheckFiles(t testing.TB, conf string, extra map[string]string, pki *nginxtest.PKI) (string, bool) {
	t.Helper()
	Require(t)
	dir := workDir(t)
	ports := frontendtest.FreePorts(t, 9)
	render := func(c string) (string, error) { return Render(c, dir, pki, nil, ports) }
	text, err := render(conf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := frontendtest.WriteFiles(dir, extra, render); err != nil {
		t.Fatal(err)
	}
	path := frontendtest.WriteConfig(t, dir, "httpd.conf", text)
	return frontendtest.RunCheck(checkTimeout, nil, Binary(), "-t", "-f", path)
}

// Start renders and checks conf, runs httpd in the foreground, and waits
// until every {{PORTn}} used accepts connections.
func Start(t testing.TB, conf string, pki *nginxtest.PKI, be *nginxtest.Backend) *Server {
	t.Helper()
	return StartFiles(t, conf, nil, pki, be)
}

// StartFiles is Start with files beside httpd.conf that it includes
// (paths relative to the ServerRoot).
func StartFiles(t testing.TB, conf string, extra map[string]string, pki *nginxtest.PKI, be *nginxtest.Backend) *Server {
	t.Helper()
	Require(t)
	if out, ok := CheckFiles(t, conf, extra, pki); !ok {
		t.Fatalf("apachetest: httpd -t rejects the configuration:\n%s\n%s", out, conf)
	}
	s := &Server{PKI: pki}
	s.proc = frontendtest.Start(t, "httpd", func(ports map[int]int) (*exec.Cmd, string, error) {
		s.Dir = workDir(t)
		render := func(c string) (string, error) { return Render(c, s.Dir, pki, be, ports) }
		text, err := render(conf)
		if err != nil {
			return nil, "", err
		}
		if s.Extra, err = frontendtest.WriteFiles(s.Dir, extra, render); err != nil {
			return nil, "", err
		}
		s.Text = text
		path := frontendtest.WriteConfig(t, s.Dir, "httpd.conf", text)
		return exec.Command(Binary(), "-DFOREGROUND", "-f", path), frontendtest.AllText(text, s.Extra), nil
	})
	return s
}
