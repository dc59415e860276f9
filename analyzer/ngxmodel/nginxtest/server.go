package nginxtest

import (
	"context"
	"errors"
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
	"testing"
	"time"
)

const (
	// readyTimeout bounds the wait for nginx to accept on its ports.
	readyTimeout = 5 * time.Second
	// quitTimeout bounds a graceful stop before nginx is killed.
	quitTimeout = 5 * time.Second
	// quitResend is how often the quit signal is repeated during a stop.
	quitResend = 250 * time.Millisecond
	// killTimeout bounds the wait after SIGKILL.
	killTimeout = 5 * time.Second
	// startAttempts is how often Start retries when a chosen port was
	// taken by someone else between choosing it and nginx binding it.
	startAttempts = 4
	// unusedBackend stands in for a {{BACKEND}}-like placeholder in Check
	// when no backend was given: nginx -t never connects to it.
	unusedBackend = "127.0.0.1:1"
)

// Config describes an nginx instance in full; Start and Check are
// shorthands for StartConfig and CheckConfig.
//
// Placeholders, replaced in HTTP, Main and every ExtraFiles value:
//
//	{{PORT1}} … {{PORT9}}  distinct free 127.0.0.1 ports ("listen 127.0.0.1:{{PORT1}} ssl;")
//	{{BACKEND}}            HTTPBackend.Addr (host:port, for proxy_pass http://{{BACKEND}};)
//	{{UWSGI}}              UWSGI.Addr (for uwsgi_pass {{UWSGI}};)
//	{{FASTCGI}}            FastCGI.Addr (for fastcgi_pass {{FASTCGI}};)
//	{{CA}}                 PKI.CACert
//	{{ROGUE_CA}}           PKI.RogueCACert
//	{{CERT}}, {{KEY}}      PKI.ServerCert, PKI.ServerKey
//	{{SSL}}                "ssl_certificate {{CERT}}; ssl_certificate_key {{KEY}};"
//	{{DIR}}                the instance's directory (ExtraFiles are written there)
//
// A placeholder whose value is missing (no PKI, no backend) fails the test;
// Check substitutes 127.0.0.1:1 for missing backends instead.
type Config struct {
	// HTTP is the content of the http{} block: server blocks, maps, ...
	HTTP string
	// Main is extra content for the main context (e.g. "env FOO;"). It
	// must not repeat what nginxtest sets there: daemon, master_process,
	// worker_processes, pid, lock_file, error_log (an extra error_log is
	// fine), events.
	Main string
	// ExtraFiles are written into the instance directory, relative names
	// only, so that "include {{DIR}}/proxy_params;" works.
	ExtraFiles map[string]string
	PKI        *PKI
	// Backends for the {{BACKEND}}, {{UWSGI}} and {{FASTCGI}} placeholders.
	HTTPBackend, UWSGI, FastCGI *Backend
}

// Server is a running nginx. It is stopped, and its directory removed, in
// t.Cleanup.
type Server struct {
	// Dir is the instance directory (prefix, config, logs, temp paths).
	Dir string
	// ConfPath is the path of the generated nginx.conf; ConfText its text.
	ConfPath, ConfText string

	pki   *PKI
	ports map[int]int
	cmd   *exec.Cmd
	done  chan struct{} // closed when the process has been reaped
	err   error         // the process's exit status, valid after done
}

// Start writes an nginx.conf whose http{} block contains httpBody (after
// placeholder substitution, see Config), checks it with "nginx -t" (failing
// the test with nginx's output if it is rejected), runs nginx, and waits
// until every {{PORTn}} used accepts connections. Pass nil for unused
// backends or PKI.
func Start(t testing.TB, httpBody string, extraFiles map[string]string, pki *PKI, http *Backend, uwsgi *Backend) *Server {
	t.Helper()
	return StartConfig(t, Config{HTTP: httpBody, ExtraFiles: extraFiles, PKI: pki, HTTPBackend: http, UWSGI: uwsgi})
}

// Check runs "nginx -t" on the configuration Start would write, without
// starting nginx, and returns nginx's output and whether the test passed.
// The output names files by their path in a temporary directory, e.g.
// `nginx: [emerg] unknown directive "x" in /tmp/nginxtest-123/nginx.conf:21`.
// Missing backends are replaced by 127.0.0.1:1, which nginx -t never
// contacts.
func Check(t testing.TB, httpBody string, extraFiles map[string]string, pki *PKI) (string, bool) {
	t.Helper()
	return CheckConfig(t, Config{HTTP: httpBody, ExtraFiles: extraFiles, PKI: pki})
}

// CheckConfig is Check for a full Config.
func CheckConfig(t testing.TB, c Config) (string, bool) {
	t.Helper()
	requireBinary(t)
	dir := instanceDir(t)
	inst, err := render(c, dir, allocPorts(usedPorts(c)), true)
	if err != nil {
		t.Fatalf("nginxtest: %v", err)
	}
	if err := inst.write(); err != nil {
		t.Fatalf("nginxtest: %v", err)
	}
	return runCheck(dir)
}

// StartConfig is Start for a full Config.
func StartConfig(t testing.TB, c Config) *Server {
	t.Helper()
	requireBinary(t)
	used := usedPorts(c)
	var lastErr error
	for attempt := 1; attempt <= startAttempts; attempt++ {
		dir := instanceDir(t)
		inst, err := render(c, dir, allocPorts(used), false)
		if err != nil {
			t.Fatalf("nginxtest: %v", err)
		}
		if err := inst.write(); err != nil {
			t.Fatalf("nginxtest: %v", err)
		}
		if attempt == 1 {
			if out, ok := runCheck(dir); !ok {
				t.Fatalf("nginxtest: nginx rejected the configuration:\n%s\n--- nginx.conf ---\n%s", out, numbered(inst.conf))
			}
		}
		s := &Server{Dir: dir, ConfPath: filepath.Join(dir, "nginx.conf"), ConfText: inst.conf, pki: c.PKI, ports: inst.ports}
		retry, err := s.start()
		if err == nil {
			t.Cleanup(func() {
				if err := s.stop(); err != nil {
					t.Errorf("nginxtest: stopping nginx: %v", err)
				}
				if t.Failed() {
					t.Logf("nginxtest: nginx error log (%s):\n%s", s.Dir, tail(s.ErrorLog(), 8<<10))
				}
			})
			return s
		}
		lastErr = err
		if !retry {
			break
		}
	}
	t.Fatalf("nginxtest: starting nginx: %v", lastErr)
	return nil
}

// Port returns the port chosen for placeholder {{PORTn}}. It panics when
// the configuration did not use {{PORTn}}.
func (s *Server) Port(n int) int {
	p, ok := s.ports[n]
	if !ok {
		panic(fmt.Sprintf("nginxtest: Port(%d): the configuration does not use {{PORT%d}}", n, n))
	}
	return p
}

// ErrorLog returns the content of nginx's error log (level info and up).
func (s *Server) ErrorLog() string { return readFile(filepath.Join(s.Dir, "error.log")) }

// AccessLog returns the content of nginx's access log.
func (s *Server) AccessLog() string { return readFile(filepath.Join(s.Dir, "access.log")) }

// start runs nginx and waits until it accepts on its ports. On failure
// nginx is stopped again, and retry tells whether a port clash (worth
// another attempt with fresh ports) was the cause.
func (s *Server) start() (retry bool, err error) {
	info := probe()
	out, err := os.Create(filepath.Join(s.Dir, "nginx.out"))
	if err != nil {
		return false, err
	}
	defer out.Close() // the child has its own descriptor
	s.cmd = exec.Command(info.path, nginxArgs(info, s.Dir)...)
	s.cmd.Dir = s.Dir
	s.cmd.Stdout, s.cmd.Stderr = out, out
	s.cmd.SysProcAttr = sysProcAttr()
	if err := s.cmd.Start(); err != nil {
		return false, err
	}
	s.done = make(chan struct{})
	go func() {
		s.err = s.cmd.Wait()
		close(s.done)
	}()

	// nginx writes its pid file only after ngx_init_cycle has opened every
	// listening socket, so a pid file holding our child's pid proves the
	// ports are nginx's (a bare successful connect might reach whoever else
	// holds a port). A bind conflict shows in the log long before nginx
	// gives up (it retries binding for about 2.5s), so watch for that too.
	deadline := time.Now().Add(readyTimeout)
	pidPath := filepath.Join(s.Dir, "nginx.pid")
	wantPid := strconv.Itoa(s.cmd.Process.Pid)
	pidSeen := false
	pending := make([]int, 0, len(s.ports))
	for _, p := range s.ports {
		pending = append(pending, p)
	}
	for !pidSeen || len(pending) > 0 {
		select {
		case <-s.done:
			logs := s.logs()
			return strings.Contains(logs, addrInUse),
				fmt.Errorf("nginx exited early (%v):\n%s", s.err, tail(logs, 8<<10))
		default:
		}
		if logs := s.logs(); strings.Contains(logs, addrInUse) {
			s.stop()
			return true, fmt.Errorf("port clash:\n%s", tail(logs, 8<<10))
		}
		if time.Now().After(deadline) {
			s.stop()
			return false, fmt.Errorf("nginx not ready within %v (pid file written: %v, ports not accepting: %v):\n%s",
				readyTimeout, pidSeen, pending, tail(s.logs(), 8<<10))
		}
		if !pidSeen {
			pidSeen = strings.TrimSpace(readFile(pidPath)) == wantPid
			if !pidSeen {
				time.Sleep(5 * time.Millisecond)
				continue
			}
		}
		c, err := net.DialTimeout("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(pending[0])), 200*time.Millisecond)
		if err != nil {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		c.Close()
		pending = pending[1:]
	}
	return false, nil
}

// addrInUse is how nginx's bind() failure ends when a port is taken.
const addrInUse = "Address already in use"

// logs returns the error log followed by nginx's own stdout and stderr.
func (s *Server) logs() string {
	return s.ErrorLog() + readFile(filepath.Join(s.Dir, "nginx.out"))
}

// stop asks nginx to quit gracefully, then kills it; both waits are
// bounded.
func (s *Server) stop() error {
	if s.cmd == nil || s.done == nil {
		return nil
	}
	select {
	case <-s.done:
		return nil
	default:
	}
	// nginx runs with master_process off, so it checks its quit flag only
	// between two event-loop waits: a signal that lands after the check
	// and before epoll_wait is seen only when the next timer fires, which
	// may be a minute away. Sending it again interrupts that wait.
	deadline := time.After(quitTimeout)
	tick := time.NewTicker(quitResend)
	defer tick.Stop()
	_ = s.cmd.Process.Signal(quitSignal)
wait:
	for {
		select {
		case <-s.done:
			return nil
		case <-tick.C:
			_ = s.cmd.Process.Signal(quitSignal)
		case <-deadline:
			break wait
		}
	}
	_ = s.cmd.Process.Kill()
	select {
	case <-s.done:
		return errors.New("nginx ignored the quit signal and had to be killed")
	case <-time.After(killTimeout):
		return fmt.Errorf("nginx (pid %d) did not exit after SIGKILL", s.cmd.Process.Pid)
	}
}

// nginxArgs are the command-line arguments, minus -t, for an instance.
func nginxArgs(info binaryInfo, dir string) []string {
	args := []string{"-p", dir + "/", "-c", filepath.Join(dir, "nginx.conf")}
	if info.atLeast(1, 19, 5) { // -e appeared in 1.19.5
		args = append(args, "-e", filepath.Join(dir, "error.log"))
	}
	return args
}

// runCheck runs "nginx -t" on the instance in dir.
func runCheck(dir string) (string, bool) {
	info := probe()
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, info.path, append([]string{"-t"}, nginxArgs(info, dir)...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	text := string(out)
	if err != nil && text == "" {
		text = err.Error()
	}
	return text, err == nil
}

func requireBinary(t testing.TB) {
	t.Helper()
	if ok, reason := Available(); !ok {
		t.Fatalf("nginxtest: nginx not available (call nginxtest.Require first): %s", reason)
	}
}

// safePath matches directory names that need no quoting in nginx.conf.
var safePath = regexp.MustCompile(`^[A-Za-z0-9/._+-]+$`)

// instanceDir creates a directory for one nginx instance, removed when the
// test ends (after nginx was stopped: cleanups run last-in first-out).
func instanceDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "nginxtest-")
	if err != nil {
		t.Fatalf("nginxtest: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if !safePath.MatchString(dir) {
		t.Fatalf("nginxtest: temporary directory %q has characters nginx.conf would need quoted; set TMPDIR to a plain path", dir)
	}
	return dir
}

// ---- ports ----

var (
	portMu   sync.Mutex
	portUsed = map[int]bool{} // ports handed out in this process
)

// allocPorts picks distinct free 127.0.0.1 ports for the placeholder
// numbers in used, never handing out the same port twice in a process.
func allocPorts(used []int) map[int]int {
	portMu.Lock()
	defer portMu.Unlock()
	ports := map[int]int{}
	for _, n := range used {
		for {
			ln, err := net.Listen("tcp4", "127.0.0.1:0")
			if err != nil {
				panic("nginxtest: cannot listen on 127.0.0.1: " + err.Error())
			}
			p := ln.Addr().(*net.TCPAddr).Port
			ln.Close()
			if !portUsed[p] {
				portUsed[p] = true
				ports[n] = p
				break
			}
		}
	}
	return ports
}

var portRE = regexp.MustCompile(`\{\{PORT([1-9])\}\}`)

// usedPorts lists the n of every {{PORTn}} in the configuration.
func usedPorts(c Config) []int {
	seen := map[int]bool{}
	texts := []string{c.HTTP, c.Main}
	for _, v := range c.ExtraFiles {
		texts = append(texts, v)
	}
	for _, text := range texts {
		for _, m := range portRE.FindAllStringSubmatch(text, -1) {
			n, _ := strconv.Atoi(m[1])
			seen[n] = true
		}
	}
	out := make([]int, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Ints(out)
	return out
}

// ---- rendering ----

// instance is a rendered configuration, ready to be written to dir.
type instance struct {
	dir   string
	conf  string
	files map[string]string
	ports map[int]int
}

func (in *instance) write() error {
	for name, content := range in.files {
		if err := os.WriteFile(filepath.Join(in.dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(in.dir, "nginx.conf"), []byte(in.conf), 0o644)
}

var leftoverRE = regexp.MustCompile(`\{\{[A-Z0-9_]+\}\}`)

// render builds nginx.conf and the extra files for dir. check relaxes
// missing backends (nginx -t never contacts them).
func render(c Config, dir string, ports map[int]int, check bool) (*instance, error) {
	in := &instance{dir: dir, files: map[string]string{}, ports: ports}

	var missing []string
	value := func(placeholder string, ok bool, v string) string {
		if !ok {
			missing = append(missing, placeholder)
		}
		return v
	}
	backend := func(placeholder string, b *Backend) string {
		if b == nil {
			if check {
				return unusedBackend
			}
			missing = append(missing, placeholder)
			return ""
		}
		return b.Addr
	}
	pki := c.PKI
	if pki == nil {
		pki = &PKI{}
	}
	subst := func(text string) string {
		// {{SSL}} first: it expands to other placeholders.
		text = strings.ReplaceAll(text, "{{SSL}}", "ssl_certificate {{CERT}}; ssl_certificate_key {{KEY}};")
		text = portRE.ReplaceAllStringFunc(text, func(m string) string {
			n, _ := strconv.Atoi(m[len("{{PORT") : len(m)-2])
			return strconv.Itoa(ports[n])
		})
		for name, fn := range map[string]func() string{
			"{{BACKEND}}":  func() string { return backend("{{BACKEND}}", c.HTTPBackend) },
			"{{UWSGI}}":    func() string { return backend("{{UWSGI}}", c.UWSGI) },
			"{{FASTCGI}}":  func() string { return backend("{{FASTCGI}}", c.FastCGI) },
			"{{CA}}":       func() string { return value("{{CA}}", c.PKI != nil, pki.CACert) },
			"{{ROGUE_CA}}": func() string { return value("{{ROGUE_CA}}", c.PKI != nil, pki.RogueCACert) },
			"{{CERT}}":     func() string { return value("{{CERT}}", c.PKI != nil, pki.ServerCert) },
			"{{KEY}}":      func() string { return value("{{KEY}}", c.PKI != nil, pki.ServerKey) },
			"{{DIR}}":      func() string { return dir },
		} {
			if strings.Contains(text, name) {
				text = strings.ReplaceAll(text, name, fn())
			}
		}
		return text
	}

	for name, content := range c.ExtraFiles {
		if name == "" || filepath.IsAbs(name) || strings.Contains(name, "/") || strings.Contains(name, `\`) || name == "nginx.conf" {
			return nil, fmt.Errorf("extra file name %q: want a plain file name other than nginx.conf", name)
		}
		in.files[name] = subst(content)
	}
	httpBody, mainBody := subst(c.HTTP), subst(c.Main)
	if len(missing) > 0 {
		return nil, fmt.Errorf("configuration uses %s but no value was given (nil PKI or backend)", strings.Join(dedup(missing), ", "))
	}
	for _, text := range append([]string{httpBody, mainBody}, mapValues(in.files)...) {
		if m := leftoverRE.FindString(text); m != "" {
			return nil, fmt.Errorf("unknown placeholder %s", m)
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "# nginx.conf generated by nginxtest\n")
	if os.Geteuid() == 0 {
		// Only meaningful for worker processes, which master_process off
		// does not start; stated so files nginx creates are root's.
		b.WriteString("user root;\n")
	}
	fmt.Fprintf(&b, "daemon off;\nmaster_process off;\nworker_processes 1;\n")
	fmt.Fprintf(&b, "pid %s/nginx.pid;\nlock_file %s/nginx.lock;\nerror_log %s/error.log info;\n", dir, dir, dir)
	if mainBody != "" {
		fmt.Fprintf(&b, "# --- main (from the test) ---\n%s\n# --- end main ---\n", mainBody)
	}
	b.WriteString("events {\n    worker_connections 256;\n}\n")
	b.WriteString("http {\n")
	fmt.Fprintf(&b, "    access_log %s/access.log;\n", dir)
	for _, p := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		fmt.Fprintf(&b, "    %s_temp_path %s/temp_%s;\n", p, dir, p)
	}
	b.WriteString("    default_type application/octet-stream;\n")
	fmt.Fprintf(&b, "    # --- http (from the test) ---\n%s\n    # --- end http ---\n}\n", httpBody)
	in.conf = b.String()
	return in, nil
}

// ---- small helpers ----

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// tail returns at most the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// numbered prefixes each line of s with its line number, to match nginx's
// "in nginx.conf:12" messages.
func numbered(s string) string {
	var b strings.Builder
	for i, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		fmt.Fprintf(&b, "%4d  %s\n", i+1, line)
	}
	return b.String()
}

func dedup(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
