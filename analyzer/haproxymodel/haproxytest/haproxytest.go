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

const checkTimeout = 10 * time.Second

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
	frontendtest.Need(t, "haproxy", Binary() != "")
}

// Server is a running HAProxy.
type Server struct {
	Dir      string
	ConfText string
	PKI      *nginxtest.PKI
	proc     *frontendtest.Proc
}

// Port returns the real port of {{PORTn}}.
func (s *Server) Port(n int) int { return s.proc.Ports[n] }

// Do sends one request (see nginxtest.Req).
func (s *Server) Do(r nginxtest.Req) (nginxtest.Resp, error) { return nginxtest.Send(s.PKI, r) }

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
	out = frontendtest.RenderPorts(out, ports)
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
	text, err := Render(conf, dir, pki, nil, frontendtest.FreePorts(t, 9))
	if err != nil {
		t.Fatal(err)
	}
	path := frontendtest.WriteConfig(t, dir, "haproxy.cfg", text)
	return frontendtest.RunCheck(checkTimeout, nil, Binary(), "-c", "-f", path)
}

// Start renders and checks conf, runs HAProxy, and waits until every
// {{PORTn}} used accepts connections.
func Start(t testing.TB, conf string, pki *nginxtest.PKI, be *nginxtest.Backend) *Server {
	t.Helper()
	Require(t)
	if out, ok := Check(t, conf, pki); !ok {
		t.Fatalf("haproxytest: haproxy -c rejects the configuration:\n%s\n%s", out, conf)
	}
	s := &Server{PKI: pki}
	s.proc = frontendtest.Start(t, "haproxy", func(ports map[int]int) (*exec.Cmd, string, error) {
		s.Dir = t.TempDir()
		text, err := Render(conf, s.Dir, pki, be, ports)
		if err != nil {
			return nil, "", err
		}
		s.ConfText = text
		path := frontendtest.WriteConfig(t, s.Dir, "haproxy.cfg", text)
		return exec.Command(Binary(), "-db", "-f", path), text, nil
	})
	return s
}
