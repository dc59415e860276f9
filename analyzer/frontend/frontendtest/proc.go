// Package frontendtest runs a real front-end server (HAProxy, Caddy, …)
// from Go tests: it picks free 127.0.0.1 ports, starts the server in the
// foreground, waits until every port the configuration uses accepts
// connections, and kills it in t.Cleanup. Every wait is bounded.
package frontendtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	readyTimeout  = 5 * time.Second
	startAttempts = 4
)

// LogBuf collects a server's output; safe for concurrent use.
type LogBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *LogBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LogBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// FreePorts picks n distinct free ports, keyed 1…n.
func FreePorts(t testing.TB, n int) map[int]int {
	t.Helper()
	out := map[int]int{}
	var lns []net.Listener
	for i := 1; i <= n; i++ {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("frontendtest: %v", err)
		}
		lns = append(lns, ln)
		out[i] = ln.Addr().(*net.TCPAddr).Port
	}
	for _, ln := range lns {
		ln.Close()
	}
	return out
}

var portRef = regexp.MustCompile(`\{\{PORT([1-9])\}\}`)

// RenderPorts replaces {{PORT1}} … {{PORT9}} with the chosen ports.
func RenderPorts(text string, ports map[int]int) string {
	return portRef.ReplaceAllStringFunc(text, func(m string) string {
		n, _ := strconv.Atoi(m[6:7])
		return strconv.Itoa(ports[n])
	})
}

// Proc is a running server.
type Proc struct {
	Ports map[int]int
	Text  string // the configuration as rendered
	Log   *LogBuf
	cmd   *exec.Cmd
	done  chan struct{}
}

// Launch is one attempt's command: render the configuration for ports and
// return the command that runs it, with the rendered text.
type Launch func(ports map[int]int) (cmd *exec.Cmd, text string, err error)

// Start runs the server, retrying with new ports when one was taken in
// between, and returns once every port the text mentions accepts
// connections.
func Start(t testing.TB, name string, launch Launch) *Proc {
	t.Helper()
	var lastErr error
	for attempt := 0; attempt < startAttempts; attempt++ {
		p := &Proc{Ports: FreePorts(t, 9), Log: &LogBuf{}}
		cmd, text, err := launch(p.Ports)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		p.cmd, p.Text = cmd, text
		cmd.Stdout, cmd.Stderr = p.Log, p.Log
		// Its own process group, so that Stop also ends the workers a server
		// forks (httpd's children do not die with their parent).
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		p.done = make(chan struct{})
		go func() { cmd.Wait(); close(p.done) }()
		t.Cleanup(p.Stop)
		if lastErr = p.waitReady(name); lastErr == nil {
			return p
		}
		p.Stop()
	}
	t.Fatalf("%s did not start: %v", name, lastErr)
	return nil
}

func (p *Proc) waitReady(name string) error {
	deadline := time.Now().Add(readyTimeout)
	for n := 1; n <= 9; n++ {
		port := p.Ports[n]
		if !strings.Contains(p.Text, ":"+strconv.Itoa(port)) {
			continue
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		for {
			select {
			case <-p.done:
				return fmt.Errorf("%s exited: %s", name, p.Log.String())
			default:
			}
			c, err := net.DialTimeout("tcp4", addr, 200*time.Millisecond)
			if err == nil {
				c.Close()
				// The server may still be waiting to bind a port another
				// process took in between: then it is not ready, and Start
				// tries other ports.
				if ours, oerr := listenedBy(p.cmd.Process.Pid, port); oerr != nil || !ours {
					if oerr != nil || time.Now().After(deadline) {
						return fmt.Errorf("port %d answers for another process (%v)", port, oerr)
					}
					time.Sleep(20 * time.Millisecond)
					continue
				}
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("port %d not ready: %v", port, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return nil
}

// Stop kills the server and waits (bounded) for it to exit.
func (p *Proc) Stop() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	select {
	case <-p.done:
		return
	default:
	}
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
}

// Need skips the test when a server it drives is missing (ok false), or
// fails it under CI, where .ci/install-deps must have installed it.
func Need(t testing.TB, what string, ok bool) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is required when CI is set (.ci/install-deps installs it)", what)
	}
	t.Skipf("%s not installed", what)
}

// WriteConfig writes a rendered configuration as dir/name and returns its
// path; a failure ends the test.
func WriteConfig(t testing.TB, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// WriteFiles renders and writes the files beside a main configuration
// that it includes or imports (paths relative to dir, directories made as
// needed); it returns their rendered texts by path.
func WriteFiles(dir string, extra map[string]string, render func(string) (string, error)) (map[string]string, error) {
	out := map[string]string{}
	for rel, conf := range extra {
		text, err := render(conf)
		if err != nil {
			return nil, err
		}
		full := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(full, []byte(text), 0o644); err != nil {
			return nil, err
		}
		out[rel] = text
	}
	return out, nil
}

// AllText joins a main configuration and the files it includes, for
// Launch's text: the ports to wait for may be in any of them.
func AllText(main string, extra map[string]string) string {
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		main += "\n" + extra[k]
	}
	return main
}

// RunCheck runs a server's own configuration check (`haproxy -c`, `caddy
// validate`, `httpd -t`) within timeout, with env added to the
// environment; it returns the output and whether the check accepted.
func RunCheck(timeout time.Duration, env []string, bin string, args ...string) (string, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	if env != nil {
		cmd.Env = env
	}
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}
