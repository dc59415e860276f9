// Package caddytest runs a real Caddy from Go tests, so that djleak's model
// of what Caddy forwards can be checked against Caddy itself. It shares the
// PKI, the echo backends and the request client of package nginxtest.
//
// Placeholders in a Caddyfile:
//
//	{{GLOBAL}}             the global options every test needs (admin off,
//	                       no redirects, storage in the test directory,
//	                       listeners bound to 127.0.0.1)
//	{{PORT1}} … {{PORT7}}  distinct free ports
//	{{BACKEND}}            the echo backend's host:port
//	{{CERT}}, {{KEY}}      the server certificate and key
//	{{CA}}, {{ROGUE_CA}}   the trusted and the other CA's certificates
//
// Sites must be addressed as https://localhost:{{PORTn}} (or http://…):
// with client authentication configured Caddy insists that the Host header
// match the TLS server name, and the client sends "localhost" for both.
package caddytest

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

// Binary returns the caddy binary's path, or "".
func Binary() string {
	if p := os.Getenv("CADDYTEST_CADDY"); p != "" {
		return p
	}
	if p, err := exec.LookPath("caddy"); err == nil {
		return p
	}
	return ""
}

// Require skips the test when Caddy is missing, or fails it under CI.
func Require(t testing.TB) {
	t.Helper()
	frontendtest.Need(t, "caddy", Binary() != "")
}

// Server is a running Caddy.
type Server struct {
	Dir  string
	Text string
	PKI  *nginxtest.PKI
	proc *frontendtest.Proc
}

// Port returns the real port of {{PORTn}}.
func (s *Server) Port(n int) int { return s.proc.Ports[n] }

// Do sends one request (see nginxtest.Req).
func (s *Server) Do(r nginxtest.Req) (nginxtest.Resp, error) { return nginxtest.Send(s.PKI, r) }

// Render substitutes placeholders.
func Render(conf, dir string, pki *nginxtest.PKI, be *nginxtest.Backend, ports map[int]int) (string, error) {
	global := "{\n\tadmin off\n\tauto_https disable_redirects\n\tskip_install_trust\n\tdefault_bind 127.0.0.1\n\tstorage file_system " + filepath.Join(dir, "data") + "\n}\n"
	r := []string{"{{GLOBAL}}", global}
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

func env(dir string) []string {
	return append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+filepath.Join(dir, "data"), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
}

// Check runs `caddy validate` on the Caddyfile; it returns Caddy's output
// and whether the configuration is valid.
func Check(t testing.TB, conf string, pki *nginxtest.PKI) (string, bool) {
	t.Helper()
	Require(t)
	dir := t.TempDir()
	text, err := Render(conf, dir, pki, nil, frontendtest.FreePorts(t, 9))
	if err != nil {
		t.Fatal(err)
	}
	path := frontendtest.WriteConfig(t, dir, "Caddyfile", text)
	return frontendtest.RunCheck(checkTimeout, env(dir), Binary(), "validate", "--config", path, "--adapter", "caddyfile")
}

// Start renders and validates conf, runs Caddy, and waits until every
// {{PORTn}} used accepts connections.
func Start(t testing.TB, conf string, pki *nginxtest.PKI, be *nginxtest.Backend) *Server {
	t.Helper()
	Require(t)
	if out, ok := Check(t, conf, pki); !ok {
		t.Fatalf("caddytest: caddy validate rejects the configuration:\n%s\n%s", out, conf)
	}
	s := &Server{PKI: pki}
	s.proc = frontendtest.Start(t, "caddy", func(ports map[int]int) (*exec.Cmd, string, error) {
		s.Dir = t.TempDir()
		text, err := Render(conf, s.Dir, pki, be, ports)
		if err != nil {
			return nil, "", err
		}
		s.Text = text
		path := frontendtest.WriteConfig(t, s.Dir, "Caddyfile", text)
		cmd := exec.Command(Binary(), "run", "--config", path, "--adapter", "caddyfile")
		cmd.Env = env(s.Dir)
		return cmd, text, nil
	})
	return s
}
