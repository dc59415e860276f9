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
	// Extra are the rendered texts of the files beside the Caddyfile, by
	// path relative to its directory.
	Extra map[string]string
	PKI   *nginxtest.PKI
	proc  *frontendtest.Proc
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
	return CheckFiles(t, conf, nil, pki)
}

// CheckFiles is Check with files beside the Caddyfile that it imports
// (paths relative to its directory).
func CheckFiles(t testing.TB, conf string, extra map[string]string, pki *nginxtest.PKI) (string, bool) {
	t.Helper()
	Require(t)
	dir := t.TempDir()
	ports := frontendtest.FreePorts(t, 9)
	render := func(c string) (string, error) { return Render(c, dir, pki, nil, ports) }
	text, err := render(conf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := frontendtest.WriteFiles(dir, extra, render); err != nil {
		t.Fatal(err)
	}
	path := frontendtest.WriteConfig(t, dir, "Caddyfile", text)
	return frontendtest.RunCheck(checkTimeout, env(dir), Binary(), "validate", "--config", path, "--adapter", "caddyfile")
}

// Start renders and validates conf, runs Caddy, and waits until every
// {{PORTn}} used accepts connections.
func Start(t testing.TB, conf string, pki *nginxtest.PKI, be *nginxtest.Backend) *Server {
	t.Helper()
	return StartFiles(t, conf, nil, pki, be)
}

// StartFiles is Start with files beside the Caddyfile that it imports
// (paths relative to its directory).
func StartFiles(t testing.TB, conf string, extra map[string]string, pki *nginxtest.PKI, be *nginxtest.Backend) *Server {
	t.Helper()
	Require(t)
	if out, ok := CheckFiles(t, conf, extra, pki); !ok {
		t.Fatalf("caddytest: caddy validate rejects the configuration:\n%s\n%s", out, conf)
	}
	s := &Server{PKI: pki}
	s.proc = frontendtest.Start(t, "caddy", func(ports map[int]int) (*exec.Cmd, string, error) {
		s.Dir = t.TempDir()
		render := func(c string) (string, error) { return Render(c, s.Dir, pki, be, ports) }
		text, err := render(conf)
		if err != nil {
			return nil, "", err
		}
		if s.Extra, err = frontendtest.WriteFiles(s.Dir, extra, render); err != nil {
			return nil, "", err
		}
		s.Text = text
		path := frontendtest.WriteConfig(t, s.Dir, "Caddyfile", text)
		cmd := exec.Command(Binary(), "run", "--config", path, "--adapter", "caddyfile")
		cmd.Env = env(s.Dir)
		return cmd, frontendtest.AllText(text, s.Extra), nil
	})
	return s
}
