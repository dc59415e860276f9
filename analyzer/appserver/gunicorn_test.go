package appserver

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/djleak/djleak/analyzer/frontend/frontendtest"
)

const wsgiEcho = `import json
def application(environ, start_response):
    keys = {k: v for k, v in environ.items() if k.startswith("HTTP_") or k == "wsgi.url_scheme"}
    body = json.dumps(keys).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
`

func gunicorn(t *testing.T) string {
	p, err := exec.LookPath("gunicorn")
	frontendtest.Need(t, "gunicorn", err == nil)
	return p
}

// get sends one request from the local address from, with headers.
func get(t *testing.T, from string, port int, headers [][2]string) map[string]string {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
	req, _ := http.NewRequest("GET", "http://127.0.0.1:"+strconv.Itoa(port)+"/", nil)
	for _, h := range headers {
		req.Header[h[0]] = append(req.Header[h[0]], h[1]) // as written: no canonicalisation
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	env := map[string]string{}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatal(err)
	}
	return env
}

// TestGunicornFacts checks what the model (and WSG201, WSG204) rest on
// against the real gunicorn.
func TestGunicornFacts(t *testing.T) {
	bin := gunicorn(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "echo.py"), []byte(wsgiEcho), 0o644); err != nil {
		t.Fatal(err)
	}
	start := func(extra ...string) *frontendtest.Proc {
		return frontendtest.Start(t, "gunicorn", func(ports map[int]int) (*exec.Cmd, string, error) {
			bind := fmt.Sprintf("127.0.0.1:%d", ports[1])
			args := append([]string{"--chdir", dir, "-b", bind, "-w", "1"}, extra...)
			return exec.Command(bin, append(args, "echo:application")...), bind, nil
		})
	}
	proto := [][2]string{{"X-Forwarded-Proto", "https"}}

	def := start()
	if got := get(t, "127.0.0.1", def.Ports[1], proto)["wsgi.url_scheme"]; got != "https" {
		t.Errorf("default, from 127.0.0.1: url_scheme %q, want https (127.0.0.1 is trusted by default)", got)
	}
	if got := get(t, "127.0.0.2", def.Ports[1], proto)["wsgi.url_scheme"]; got != "http" {
		t.Errorf("default, from 127.0.0.2: url_scheme %q, want http", got)
	}
	env := get(t, "127.0.0.1", def.Ports[1], [][2]string{{"X-Client-DN", "CN=real"}, {"X_Client_DN", "CN=forged"}})
	if got := env["HTTP_X_CLIENT_DN"]; got != "CN=real,CN=forged" {
		t.Errorf("underscored spelling: HTTP_X_CLIENT_DN = %q, want the two values joined", got)
	}

	any := start("--forwarded-allow-ips=*")
	if got := get(t, "127.0.0.2", any.Ports[1], proto)["wsgi.url_scheme"]; got != "https" {
		t.Errorf("forwarded_allow_ips='*', from 127.0.0.2: url_scheme %q, want https", got)
	}
}
