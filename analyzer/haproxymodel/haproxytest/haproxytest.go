// Package haproxytest runs a real HAProxy from Go tests, so that djleak's
// model of what HAProxy forwards can be checked against HAProxy itself.
// It shares the PKI, the echo backends and the request client of package
// nginxtest.
//
// Placeholders in a configuration:
//
//	{{PORT1}} … {{PORT9}}  distinct free 127.0.0.1 ports
//	{{BACKEND}}            the echo backend's host:port
//	{{PEM}}                the server certificate and key in one file (for `crt`)
//	{{CA}}, {{ROGUE_CA}}   the trusted and the other CA's certificates
//	{{DEFAULTS}}           "mode http" and the timeouts every proxy needs
//
// HAProxy runs in the foreground (-db), bound to 127.0.0.1 only, with every
// wait bounded, and is killed in t.Cleanup.
package haproxytest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/djleak/djleak/analyzer/ngxmodel/nginxtest"
)

const (
	readyTimeout  = 5 * time.Second
	checkTimeout  = 10 * time.Second
	startAttempts = 4
)

// Defaults is what {{DEFAULTS}} expands to.
const Defaults = "mode http\n    timeout connect 2s\n    timeout client 5s\n    timeout server 5s"

// Binary returns the haproxy binary's path, or "".
func Binary() string {
	if p := os.Getenv("HAPROXYTEST_HAPROXY"); p != "" {
		return p
	}
	if p, err := exec.LookPath("haproxy"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/haproxy", "/usr/local/sbin/haproxy"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// Require skips the test when HAProxy is missing, or fails it under CI.
func Require(t testing.TB) {
	t.Helper()
	if Binary() != "" {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("haproxytest: haproxy is required when CI is set (.ci/install-deps installs it)")
	}
	t.Skip("haproxytest: haproxy not installed")
}

// Server is a running HAProxy.
type Server struct {
	Dir      string
	ConfText string
	PKI      *nginxtest.PKI
	ports    map[int]int
	cmd      *exec.Cmd
	done     chan struct{}
	stderr   *logBuf
}

// logBuf collects HAProxy's output; safe for concurrent use.
type logBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Port returns the real port of {{PORTn}}.
func (s *Server) Port(n int) int { return s.ports[n] }

// Do sends one request (see nginxtest.Req).
func (s *Server) Do(r nginxtest.Req) (nginxtest.Resp, error) { return nginxtest.Send(s.PKI, r) }

var portRef = regexp.MustCompile(`\{\{PORT([1-9])\}\}`)

// Render substitutes placeholders; ports maps n to a port.
func Render(conf string, dir string, pki *nginxtest.PKI, be *nginxtest.Backend, ports map[int]int) (string, error) {
	pem := filepath.Join(dir, "server.pem")
	if pki != nil {
		cert, err := os.ReadFile(pki.ServerCert)
		if err != nil {
			return "", err
		}
		key, err := os.ReadFile(pki.ServerKey)
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(pem, append(cert, key...), 0o600); err != nil {
			return "", err
		}
	}
	r := []string{"{{DEFAULTS}}", Defaults, "{{PEM}}", pem}
	if pki != nil {
		r = append(r, "{{CA}}", pki.CACert, "{{ROGUE_CA}}", pki.RogueCACert)
	}
	if be != nil {
		r = append(r, "{{BACKEND}}", be.Addr)
	} else {
		r = append(r, "{{BACKEND}}", "127.0.0.1:1")
	}
	out := strings.NewReplacer(r...).Replace(conf)
	out = portRef.ReplaceAllStringFunc(out, func(m string) string {
		n, _ := strconv.Atoi(m[6:7])
		return strconv.Itoa(ports[n])
	})
	if strings.Contains(out, "{{") {
		return "", fmt.Errorf("unknown placeholder in %q", out)
	}
	return out, nil
}

// Check runs `haproxy -c` on the configuration; it returns HAProxy's
// output and whether the configuration is valid.
func Check(t testing.TB, conf string, pki *nginxtest.PKI) (string, bool) {
	t.Helper()
	Require(t)
	dir := t.TempDir()
	text, err := Render(conf, dir, pki, nil, freePorts(t, 9))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, Binary(), "-c", "-f", path).CombinedOutput()
	return string(out), err == nil
}

// Start renders and checks conf, runs HAProxy, and waits until every
// {{PORTn}} used accepts connections.
func Start(t testing.TB, conf string, pki *nginxtest.PKI, be *nginxtest.Backend) *Server {
	t.Helper()
	Require(t)
	if out, ok := Check(t, conf, pki); !ok {
		t.Fatalf("haproxytest: haproxy -c rejects the configuration:\n%s\n%s", out, conf)
	}
	var lastErr error
	for attempt := 0; attempt < startAttempts; attempt++ {
		dir := t.TempDir()
		s := &Server{Dir: dir, PKI: pki, ports: freePorts(t, 9), stderr: &logBuf{}}
		text, err := Render(conf, dir, pki, be, s.ports)
		if err != nil {
			t.Fatal(err)
		}
		s.ConfText = text
		path := filepath.Join(dir, "haproxy.cfg")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		s.cmd = exec.Command(Binary(), "-db", "-f", path)
		s.cmd.Stdout, s.cmd.Stderr = s.stderr, s.stderr
		s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := s.cmd.Start(); err != nil {
			t.Fatalf("haproxytest: %v", err)
		}
		s.done = make(chan struct{})
		go func() { s.cmd.Wait(); close(s.done) }()
		t.Cleanup(s.stop)
		if lastErr = s.waitReady(text); lastErr == nil {
			return s
		}
		s.stop()
	}
	t.Fatalf("haproxytest: haproxy did not start: %v", lastErr)
	return nil
}

func (s *Server) waitReady(text string) error {
	used := map[int]bool{}
	for n, p := range s.ports {
		if strings.Contains(text, ":"+strconv.Itoa(p)) {
			used[n] = true
		}
	}
	deadline := time.Now().Add(readyTimeout)
	for n := range used {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.ports[n]))
		for {
			select {
			case <-s.done:
				return fmt.Errorf("haproxy exited: %s", s.stderr.String())
			default:
			}
			c, err := net.DialTimeout("tcp4", addr, 200*time.Millisecond)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("port %d not ready: %v", s.ports[n], err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return nil
}

func (s *Server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Kill()
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
	}
}

// freePorts picks n distinct free ports.
func freePorts(t testing.TB, n int) map[int]int {
	t.Helper()
	out := map[int]int{}
	var lns []net.Listener
	for i := 1; i <= n; i++ {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("haproxytest: %v", err)
		}
		lns = append(lns, ln)
		out[i] = ln.Addr().(*net.TCPAddr).Port
	}
	for _, ln := range lns {
		ln.Close()
	}
	return out
}
