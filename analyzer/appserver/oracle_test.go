package appserver

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/djleak/djleak/analyzer/frontend/frontendtest"
	"github.com/djleak/djleak/parsers/python"
	"github.com/djleak/djleak/parsers/source"
)

// The echo applications record what the application reads: every string
// key of the WSGI environ, and for ASGI the request.META that Django's own
// ASGIRequest builds from the scope, with the scope's scheme.
const (
	oracleWSGIEcho = `import json
def application(environ, start_response):
    keys = {k: v for k, v in environ.items() if isinstance(v, str)}
    body = json.dumps(keys).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
`
	oracleASGIEcho = `import io, json
from django.conf import settings
settings.configure()
from django.core.handlers.asgi import ASGIRequest

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    req = ASGIRequest(scope, io.BytesIO())
    keys = {k: v for k, v in req.META.items() if isinstance(v, str)}
    keys["wsgi.url_scheme"] = scope["scheme"]
    body = json.dumps(keys).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})
`
)

// oracleCase is one configuration of the battery: the project files that
// run the server ({{PORTn}} and {{DIR}} are filled in), and the file whose
// command line or configuration starts it.
type oracleCase struct {
	name  string
	files map[string]string
	start string // the file that starts the server
}

func procfile(cmd string) map[string]string {
	return map[string]string{"Procfile": "web: " + cmd + "\n"}
}

const (
	gunicornCmd = "gunicorn --chdir {{DIR}} -w 1 -b 127.0.0.1:{{PORT1}}"
	uvicornCmd  = "uvicorn echo_asgi:app --host 127.0.0.1 --port {{PORT1}}"
	daphneCmd   = "daphne -b 127.0.0.1 -p {{PORT1}}"
	uwsgiArgs   = "--plugins python3 --master --processes 1 --wsgi-file {{DIR}}/echo.py"
	uwsgiIni    = "[uwsgi]\nplugins = http,python3\nmaster = true\nprocesses = 1\nwsgi-file = {{DIR}}/echo.py\n"
)

var oracleCases = []oracleCase{
	// gunicorn
	{"gunicorn default", procfile(gunicornCmd + " echo:application"), "Procfile"},
	{"gunicorn allow *", procfile(gunicornCmd + " --forwarded-allow-ips=* echo:application"), "Procfile"},
	{"gunicorn allow other peer", procfile(gunicornCmd + " --forwarded-allow-ips 127.0.0.2 echo:application"), "Procfile"},
	{"gunicorn allow both peers", procfile(gunicornCmd + " --forwarded-allow-ips=127.0.0.1,127.0.0.2 echo:application"), "Procfile"},
	{"gunicorn env allow *", procfile("FORWARDED_ALLOW_IPS=* " + gunicornCmd + " echo:application"), "Procfile"},
	{"gunicorn conf proto only", map[string]string{"gunicorn.conf.py": `bind = "127.0.0.1:{{PORT1}}"
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
`}, "gunicorn.conf.py"},
	{"gunicorn conf ssl only from anyone", map[string]string{"gunicorn.conf.py": `bind = ["127.0.0.1:{{PORT1}}"]
forwarded_allow_ips = "*"
secure_scheme_headers = {"X-FORWARDED-SSL": "on"}
`}, "gunicorn.conf.py"},
	{"gunicorn conf no scheme headers", map[string]string{"gunicorn.conf.py": `bind = "127.0.0.1:{{PORT1}}"
forwarded_allow_ips = "*"
secure_scheme_headers = {}
`}, "gunicorn.conf.py"},
	{"gunicorn conf mixed-case key", map[string]string{"gunicorn.conf.py": `bind = "127.0.0.1:{{PORT1}}"
secure_scheme_headers = {"X-Forwarded-Proto": "https"}
`}, "gunicorn.conf.py"},
	{"gunicorn conf allow list", map[string]string{"gunicorn.conf.py": `bind = "127.0.0.1:{{PORT1}}"
forwarded_allow_ips = "127.0.0.2, 127.0.0.3"
`}, "gunicorn.conf.py"},
	{"gunicorn conf two scheme headers", map[string]string{"gunicorn.conf.py": `bind = "127.0.0.1:{{PORT1}}"
forwarded_allow_ips = "127.0.0.1,127.0.0.2"
secure_scheme_headers = {"X-FORWARDED-PROTO": "https", "X-FORWARDED-SSL": "on"}
`}, "gunicorn.conf.py"},
	{"gunicorn GUNICORN_CMD_ARGS over the configuration", map[string]string{
		"deploy/app.service": "[Service]\nEnvironment=\"GUNICORN_CMD_ARGS=--forwarded-allow-ips=127.0.0.2 -w 1\"\nExecStart=/usr/bin/gunicorn -c {{DIR}}/project/gunicorn.conf.py --chdir {{DIR}} echo:application\n",
		"gunicorn.conf.py":   "bind = \"127.0.0.1:{{PORT1}}\"\nforwarded_allow_ips = \"*\"\n",
	}, "deploy/app.service"},
	{"gunicorn TCP and unix socket", procfile(gunicornCmd + " -b unix:{{DIR}}/gunicorn-{{PORT1}}.sock echo:application"), "Procfile"},
	{"gunicorn systemd environment", map[string]string{"deploy/app.service": `[Service]
Environment=FORWARDED_ALLOW_IPS=127.0.0.2
ExecStart=/usr/bin/gunicorn --chdir {{DIR}} -b 127.0.0.1:{{PORT1}} echo:application
`}, "deploy/app.service"},
	{"gunicorn command with -c", map[string]string{
		"Procfile":              "web: gunicorn -c {{DIR}}/project/conf/gunicorn.conf.py --chdir {{DIR}} echo:application\n",
		"conf/gunicorn.conf.py": "bind = \"127.0.0.1:{{PORT1}}\"\nforwarded_allow_ips = \"*\"\nsecure_scheme_headers = {\"X-FORWARDED-PROTOCOL\": \"ssl\"}\n",
	}, "Procfile"},
	// uvicorn
	{"uvicorn default", procfile(uvicornCmd), "Procfile"},
	{"uvicorn allow *", procfile(uvicornCmd + " --forwarded-allow-ips=*"), "Procfile"},
	{"uvicorn allow other peer", procfile(uvicornCmd + " --forwarded-allow-ips 127.0.0.2"), "Procfile"},
	{"uvicorn unix socket", procfile("uvicorn echo_asgi:app --uds {{DIR}}/uvicorn-{{PORT1}}.sock"), "Procfile"},
	{"uvicorn unix socket allow *", procfile("uvicorn echo_asgi:app --uds {{DIR}}/uvicorn-{{PORT1}}.sock --forwarded-allow-ips=*"), "Procfile"},
	{"uvicorn no proxy headers", procfile(uvicornCmd + " --no-proxy-headers --forwarded-allow-ips=*"), "Procfile"},
	{"uvicorn allow both peers", procfile(uvicornCmd + " --proxy-headers --forwarded-allow-ips=127.0.0.1,127.0.0.2"), "Procfile"},
	{"uvicorn env allow *", procfile("FORWARDED_ALLOW_IPS=* " + uvicornCmd), "Procfile"},
	{"uvicorn Dockerfile ENV", map[string]string{"Dockerfile": `FROM python:3.12-slim
ENV FORWARDED_ALLOW_IPS=127.0.0.2
CMD ["uvicorn", "echo_asgi:app", "--host", "127.0.0.1", "--port", "{{PORT1}}"]
`}, "Dockerfile"},
	{"uvicorn flag over environment", map[string]string{"deploy/app.service": `[Service]
Environment="FORWARDED_ALLOW_IPS=*"
ExecStart=/usr/bin/uvicorn echo_asgi:app --host 127.0.0.1 --port {{PORT1}} --forwarded-allow-ips=127.0.0.1
`}, "deploy/app.service"},
	{"uvicorn UVICORN_ options", map[string]string{"Dockerfile": `FROM python:3.12-slim
ENV UVICORN_HOST=127.0.0.1 UVICORN_PORT={{PORT1}}
ENV UVICORN_FORWARDED_ALLOW_IPS=127.0.0.2 FORWARDED_ALLOW_IPS=*
CMD ["uvicorn", "echo_asgi:app"]
`}, "Dockerfile"},
	{"uvicorn UVICORN_PROXY_HEADERS off", map[string]string{"deploy/app.service": `[Service]
Environment=UVICORN_PROXY_HEADERS=false FORWARDED_ALLOW_IPS=*
ExecStart=/usr/bin/uvicorn echo_asgi:app --host 127.0.0.1 --port {{PORT1}}
`}, "deploy/app.service"},
	// daphne
	{"daphne default", procfile(daphneCmd + " echo_asgi:app"), "Procfile"},
	{"daphne proxy headers", procfile(daphneCmd + " --proxy-headers echo_asgi:app"), "Procfile"},
	{"daphne endpoint", procfile("daphne -e tcp:port={{PORT1}}:interface=127.0.0.1 --proxy-headers echo_asgi:app"), "Procfile"},
	{"daphne unix socket", procfile("daphne -u {{DIR}}/daphne-{{PORT1}}.sock --proxy-headers echo_asgi:app"), "Procfile"},
	{"daphne address from X-Real-IP", procfile(daphneCmd + " --proxy-headers --proxy-headers-host X-Real-IP echo_asgi:app"), "Procfile"},
	{"daphne long flags", procfile("daphne --bind 127.0.0.1 --port {{PORT1}} echo_asgi:app"), "Procfile"},
	// uwsgi
	{"uwsgi http-socket flag", procfile("uwsgi --http-socket 127.0.0.1:{{PORT1}} " + uwsgiArgs), "Procfile"},
	{"uwsgi http router flag", procfile("uwsgi --plugins http --http 127.0.0.1:{{PORT1}} --socket 127.0.0.1:{{PORT2}} " + uwsgiArgs), "Procfile"},
	{"uwsgi ini http-socket", map[string]string{"uwsgi.ini": uwsgiIni + "http-socket = 127.0.0.1:{{PORT1}}\n"}, "uwsgi.ini"},
	{"uwsgi ini sections and comments", map[string]string{"uwsgi.ini": "; production\n" + uwsgiIni + "# the proxy connects here\nhttp-socket = 127.0.0.1:{{PORT1}}\n\n[staging]\nhttp-socket = /tmp/djleak-staging.sock\n"}, "uwsgi.ini"},
	{"uwsgi ini http router", map[string]string{"deploy/uwsgi.ini": uwsgiIni + "http = 127.0.0.1:{{PORT1}}\nsocket = 127.0.0.1:{{PORT2}}\n"}, "deploy/uwsgi.ini"},
	{"uwsgi ini two processes", map[string]string{"uwsgi.ini": strings.Replace(uwsgiIni, "processes = 1", "processes = 2", 1) + "http-socket = 127.0.0.1:{{PORT1}}\n"}, "uwsgi.ini"},
	{"uwsgi yaml", map[string]string{"uwsgi.yaml": "uwsgi:\n  plugins: http,python3\n  master: true\n  processes: 1\n  wsgi-file: {{DIR}}/echo.py\n  http-socket: 127.0.0.1:{{PORT1}}\n"}, "uwsgi.yaml"},
	{"uwsgi route replaces the client's header", map[string]string{"uwsgi.ini": uwsgiIni + "http-socket = 127.0.0.1:{{PORT1}}\nroute-run = addvar:HTTP_X_CLIENT_DN=CN=route\n"}, "uwsgi.ini"},
	{"uwsgi route copies client headers into identity keys", map[string]string{"uwsgi.ini": uwsgiIni + `http-socket = 127.0.0.1:{{PORT1}}
route-run = setuser:${HTTP_X_REMOTE_USER}
route-if = equal:${HTTP_X_ROLE};admin addvar:SSL_CLIENT_S_DN=CN=admin
route-if-not = empty:${HTTP_X_FORWARDED_FOR} setremoteaddr:${HTTP_X_FORWARDED_FOR}
`}, "uwsgi.ini"},
	{"uwsgi route host, path and regexp groups", map[string]string{"uwsgi.ini": uwsgiIni + `http-socket = 127.0.0.1:{{PORT1}}
route-host = ^(app)\.example$ addvar:SSL_CLIENT_S_DN=CN=$1
route = ^/admin addvar:REMOTE_USER=nobody
route-uri = ^/$ addvar:HTTP_X_CLIENT_DN=${HTTP_X_CLIENT_DN}+uri
route-if = regexp:${HTTP_X_ROLE};^(ad)(.*)$ setuser:$2
`}, "uwsgi.ini"},
	{"uwsgi route goto, label and last", map[string]string{"uwsgi.ini": uwsgiIni + `http-socket = 127.0.0.1:{{PORT1}}
route-run = goto:check
route-run = setuser:skipped
route-label = check
route-if = contains:${HTTP_X_CLIENT_DN};admin setuser:admin
route-if = startswith:${HTTP_X_CLIENT_DN};CN=for last:
route-run = addvar:SSL_CLIENT_S_DN=after
route-if = endswith:${HTTP_X_FORWARDED_SSL};on setscheme:gopher
`}, "uwsgi.ini"},
	{"uwsgi routes behind the http router and on the socket", map[string]string{"uwsgi.yaml": "uwsgi:\n  plugins: http,python3\n  master: true\n  processes: 1\n  wsgi-file: {{DIR}}/echo.py\n  http: 127.0.0.1:{{PORT1}}\n  socket: 127.0.0.1:{{PORT2}}\n  route-run:\n    - addvar:HTTP_X_CLIENT_DN=CN=route\n    - setuser:${HTTP_X_REMOTE_USER}\n"}, "uwsgi.yaml"},
	{"uwsgi ini include and placeholders", map[string]string{
		"deploy/uwsgi.ini":  "[uwsgi]\nini = %dcommon.ini\nlisten-host = 127.0.0.1\nhttp-socket = %(listen-host):{{PORT1}}\nroute-run = addvar:SSL_CLIENT_S_DN=%(dn)\n",
		"deploy/common.ini": uwsgiIni + "dn = CN=from-common\n",
	}, "deploy/uwsgi.ini"},
	{"uwsgi command with --ini", map[string]string{
		"Procfile":  "web: uwsgi --ini {{DIR}}/project/uwsgi.ini\n",
		"uwsgi.ini": uwsgiIni + "http-socket = 127.0.0.1:{{PORT1}}\n",
	}, "Procfile"},
}

// oracleRequests are the header sets the battery sends, each from two
// peers: 127.0.0.1 (gunicorn's and uvicorn's default trusted address) and
// 127.0.0.2.
var oracleRequests = [][][2]string{
	{{"X-Client-DN", "CN=forged-dash"}},
	{{"X_Client_DN", "CN=forged-under"}},
	{{"X-Client-DN", "CN=dash"}, {"X_Client_DN", "CN=under"}},
	{{"X_Client_DN", "CN=under"}, {"X-Client-DN", "CN=dash"}},
	{{"X-Forwarded-Proto", "https"}},
	{{"X_Forwarded_Proto", "https"}},
	{{"X-Forwarded-Ssl", "on"}},
	{{"X-Forwarded-Protocol", "ssl"}},
	{{"X-Forwarded-Proto", "https"}, {"X-Forwarded-Ssl", "off"}},
	{{"X-Forwarded-For", "203.0.113.7"}},
	{{"X-Forwarded-For", "203.0.113.7, 127.0.0.2"}},
	{{"X-Forwarded-For", "203.0.113.7"}, {"X-Forwarded-Proto", "https"}},
	{{"X-Real-IP", "198.51.100.4"}, {"X-Forwarded-Proto", "https"}},
	{{"X-Remote-User", "admin"}, {"X-Role", "admin"}, {"X-Client-DN", "CN=admin"}},
	{{"X-Client-DN", "CN=forged"}, {"X-Forwarded-Ssl", "on"}, {"X-Forwarded-For", "203.0.113.9"}},
}

var oraclePeers = []string{"127.0.0.1", "127.0.0.2"}

// oracleNames are the names compared on every request: the forged
// identity header, the client address, the keys uwsgi's routes set and
// the scheme.
var oracleNames = []string{"HTTP_X_CLIENT_DN", "REMOTE_ADDR", "REMOTE_USER", "SSL_CLIENT_S_DN", "wsgi.url_scheme"}

// binaries maps an app server to how the battery runs it.
func binaries(t *testing.T) map[string][]string {
	py := "/usr/bin/python3"
	has := func(args ...string) bool {
		return exec.Command(args[0], append(args[1:], "--help")...).Run() == nil
	}
	out := map[string][]string{}
	for kind, argv := range map[string][]string{
		Gunicorn: {"/usr/bin/gunicorn"},
		Uvicorn:  {py, "-m", "uvicorn"},
		Daphne:   {py, "-m", "daphne"},
		UWSGI:    {"/usr/bin/uwsgi"},
	} {
		if has(argv...) {
			out[kind] = argv
		}
	}
	if _, ok := out[UWSGI]; ok {
		if _, err := os.Stat("/usr/lib/uwsgi/plugins/python3_plugin.so"); err != nil {
			delete(out, UWSGI)
		}
	}
	return out
}

// modelOf reads a case's files the way the project pass does and returns
// the server of the file that starts it.
func modelOf(t *testing.T, files map[string]string, start string) *Server {
	t.Helper()
	var commands, configs []*Server
	for _, n := range sortedKeys(files) {
		f := source.NewFile(n, []byte(files[n]))
		switch {
		case strings.HasSuffix(n, ".py"):
			m, err := python.Parse(f)
			if err != nil {
				t.Fatal(err)
			}
			configs = append(configs, fromConfig(m))
		case matchUWSGI(n, func() []byte { return f.Content }):
			configs = append(configs, parseUWSGI(f).(*Server))
		case matchCommands(n, func() []byte { return f.Content }):
			commands = append(commands, fromCommands(f)...)
		default:
			t.Fatalf("%s: not an app-server file", n)
		}
	}
	read := func(rel string) []byte {
		if t, ok := files[rel]; ok {
			return []byte(t)
		}
		return nil
	}
	for _, s := range resolveUWSGI(linkConfigs(commands, configs), read) {
		if s.At.Path == start {
			return s
		}
	}
	t.Fatalf("no server started by %s", start)
	return nil
}

// launchArgs turns the starting file into the command that runs it: a
// configuration file is given to its server (gunicorn -c, uwsgi --ini /
// --yaml); a command line's words are run, with the environment it sets.
func launchArgs(t *testing.T, dir, file, text string, bins map[string][]string) (argv, env []string) {
	t.Helper()
	full := filepath.Join(dir, "project", file)
	switch {
	case strings.HasSuffix(file, ".py"):
		return append(bins[Gunicorn], "-c", full, "--chdir", dir, "-w", "1", "echo:application"), nil
	case strings.HasSuffix(file, ".ini"):
		return append(bins[UWSGI], "--ini", full), nil
	case strings.HasSuffix(file, ".yaml"):
		return append(bins[UWSGI], "--yaml", full), nil
	}
	f := source.NewFile(file, []byte(text))
	fenv := map[string]Setting{}
	for ln := 1; ln <= f.LineCount(); ln++ {
		line := strings.TrimSpace(f.Line(ln))
		fileEnv(line, source.Location{}, fenv)
		if !serverWord.MatchString(line) || strings.HasPrefix(line, "#") {
			continue
		}
		words := shellWords(line)
		for i, w := range words {
			if k, v, ok := strings.Cut(w, "="); ok && isEnvName(k) {
				env = append(env, k+"="+v)
				continue
			}
			b := path.Base(w)
			if bin, ok := bins[b]; ok {
				argv = append(append([]string(nil), bin...), words[i+1:]...)
				break
			}
		}
	}
	for k, v := range fenv {
		env = append(env, k+"="+v.Value)
	}
	if argv == nil {
		t.Fatalf("%s: no command line", file)
	}
	return argv, env
}

// TestAppServerOracle runs every configuration of the battery on the real
// server, sends each request set from both peers, and compares what the
// echo application read with what the model predicts from the same files.
func TestAppServerOracle(t *testing.T) {
	bins := binaries(t)
	dir := t.TempDir()
	for name, text := range map[string]string{"echo.py": oracleWSGIEcho, "echo_asgi.py": oracleASGIEcho} {
		frontendtest.WriteConfig(t, dir, name, text)
	}
	kinds := map[string]int{}
	for _, c := range oracleCases {
		kinds[modelOf(t, c.files, c.start).Kind]++
	}
	if len(oracleCases) < 30 {
		t.Errorf("the battery has %d configurations, want at least 30", len(oracleCases))
	}
	for _, k := range []string{Gunicorn, Uvicorn, Daphne, UWSGI} {
		if kinds[k] < 4 {
			t.Errorf("%s: %d configurations, want at least 4", k, kinds[k])
		}
	}
	for _, c := range oracleCases {
		c := c
		t.Run(c.name, func(t *testing.T) {
			model := modelOf(t, c.files, c.start)
			if _, ok := bins[model.Kind]; !ok {
				frontendtest.Need(t, model.Kind, false)
			}
			proc := frontendtest.Start(t, model.Kind, func(ports map[int]int) (*exec.Cmd, string, error) {
				rendered := map[string]string{}
				for n, text := range c.files {
					r := strings.ReplaceAll(frontendtest.RenderPorts(text, ports), "{{DIR}}", dir)
					rendered[n] = r
					p := filepath.Join(dir, "project", n)
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						return nil, "", err
					}
					if err := os.WriteFile(p, []byte(r), 0o644); err != nil {
						return nil, "", err
					}
				}
				argv, env := launchArgs(t, dir, c.start, rendered[c.start], bins)
				cmd := exec.Command(argv[0], argv[1:]...)
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), env...)
				text := strings.Join(argv, " ") + "\n"
				// The ports the model says the server listens on are the ones
				// Start waits for.
				m := modelOf(t, rendered, c.start)
				for _, b := range append(append([]Setting(nil), m.Binds...), m.Sockets...) {
					if p := PortOf(b.Value); p != "" {
						text += "listens on :" + p + "\n"
					}
				}
				for _, n := range sortedKeys(rendered) {
					text += "-- " + n + " --\n" + rendered[n]
				}
				return cmd, text, nil
			})
			rendered := map[string]string{}
			for n, text := range c.files {
				rendered[n] = strings.ReplaceAll(frontendtest.RenderPorts(text, proc.Ports), "{{DIR}}", dir)
			}
			model = modelOf(t, rendered, c.start)
			if len(model.Binds) == 0 {
				t.Fatalf("model has no HTTP listener for %s", c.start)
			}
			var targets []oracleTarget
			for _, b := range model.Binds {
				if path, ok := strings.CutPrefix(b.Value, "unix:"); ok {
					waitSocket(t, path)
					targets = append(targets, oracleTarget{"unix", "unix", path})
					continue
				}
				port, err := strconv.Atoi(PortOf(b.Value))
				if err != nil || !slices.Contains(slices.Collect(maps.Values(proc.Ports)), port) {
					t.Fatalf("model listens on %q, not on a port of the battery", b.Value)
				}
				for _, peer := range oraclePeers {
					targets = append(targets, oracleTarget{peer, "tcp4", "127.0.0.1:" + strconv.Itoa(port)})
				}
			}
			for _, to := range targets {
				for _, hs := range oracleRequests {
					want := model.Receive(Request{Peer: to.peer, Headers: hs, Host: "app.example", Path: "/"})
					status, got := oracleGet(t, to, hs)
					what := fmt.Sprintf("from %s to %s with %v", to.peer, to.addr, hs)
					if status != want.Status {
						t.Errorf("%s: status %d, model says %d\n%s", what, status, want.Status, proc.Text)
						continue
					}
					if status != 200 {
						continue
					}
					wantKeys := map[string]string{"wsgi.url_scheme": want.Scheme}
					for k, v := range want.Keys {
						wantKeys[k] = v
					}
					for _, n := range oracleNames {
						w, wok := wantKeys[n]
						g, gok := got[n]
						if w != g || wok != gok {
							t.Errorf("%s: %s = %q (present %v), model says %q (present %v)\n%s", what, n, g, gok, w, wok, proc.Text)
						}
					}
				}
			}
			for _, sock := range model.Sockets {
				p, _ := strconv.Atoi(PortOf(sock.Value))
				checkUWSGISocket(t, model, p)
			}
		})
	}
}

// oracleTarget is where the battery sends requests from: a local address
// (peer) over TCP, or a unix socket (peer "unix").
type oracleTarget struct{ peer, network, addr string }

// waitSocket waits (bounded) until a server has created its unix socket.
func waitSocket(t *testing.T, path string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("unix", path); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("no server on unix socket %s", path)
}

// oracleGet sends one request to a target, with headers in order and as
// written, and returns the status and the keys the application read.
func oracleGet(t *testing.T, to oracleTarget, headers [][2]string) (int, map[string]string) {
	t.Helper()
	d := &net.Dialer{Timeout: 5 * time.Second}
	if to.network == "tcp4" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(to.peer)}
	}
	conn, err := d.Dial(to.network, to.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	var req strings.Builder
	req.WriteString("GET / HTTP/1.1\r\nHost: app.example\r\nConnection: close\r\n")
	for _, h := range headers {
		fmt.Fprintf(&req, "%s: %s\r\n", h[0], h[1])
	}
	req.WriteString("\r\n")
	if _, err := conn.Write([]byte(req.String())); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("from %s to %s with %v: %v", to.peer, to.addr, headers, err)
	}
	defer resp.Body.Close()
	env := map[string]string{}
	if resp.StatusCode == 200 {
		if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, env
}

// uwsgiSocketRequests are the var sets the battery sends a uwsgi-protocol
// socket, after the request line's own vars: forged identity and address
// keys, and the keys that decide the scheme, in both orders.
var uwsgiSocketRequests = [][][2]string{
	{{"REMOTE_ADDR", "10.9.8.7"}, {"SSL_CLIENT_VERIFY", "SUCCESS"}, {"SSL_CLIENT_S_DN", "CN=forged"}, {"HTTP_X_CLIENT_DN", "CN=forged"}, {"REMOTE_USER", "admin"}},
	{{"HTTP_X_FORWARDED_PROTO", "https"}},
	{{"HTTP_X_FORWARDED_PROTO", "foo"}},
	{{"HTTP_X_FORWARDED_SSL", "ON"}},
	{{"HTTPS", "1"}},
	{{"HTTPS", "yes"}},
	{{"HTTP_X_FORWARDED_PROTO", "http"}, {"HTTPS", "on"}},
	{{"HTTPS", "off"}, {"HTTP_X_FORWARDED_PROTO", "https"}},
	{{"UWSGI_SCHEME", "gopher"}, {"HTTP_X_FORWARDED_PROTO", "https"}},
	{{"HTTP_X_FORWARDED_PROTO", "https"}, {"UWSGI_SCHEME", "gopher"}},
	{{"HTTP_X_FORWARDED_SSL", "off"}, {"HTTPS", "on"}},
}

// checkUWSGISocket speaks the uwsgi protocol to a uwsgi socket, as any
// client that reaches it can, and compares what the application read with
// the model: every key as sent, and the scheme the keys decide.
func checkUWSGISocket(t *testing.T, model *Server, port int) {
	t.Helper()
	base := [][2]string{
		{"REQUEST_METHOD", "GET"}, {"PATH_INFO", "/"}, {"SERVER_PROTOCOL", "HTTP/1.1"},
		{"SERVER_NAME", "app"}, {"SERVER_PORT", "80"}, {"QUERY_STRING", ""},
	}
	for _, extra := range uwsgiSocketRequests {
		vars := append(append([][2]string(nil), base...), extra...)
		got := uwsgiSocketGet(t, port, vars)
		want := model.ReceiveParams(vars)
		if got["wsgi.url_scheme"] != want.Scheme {
			t.Errorf("uwsgi socket with %v: scheme %q, model says %q", extra, got["wsgi.url_scheme"], want.Scheme)
		}
		for _, kv := range extra {
			if got[kv[0]] != want.Keys[kv[0]] {
				t.Errorf("uwsgi socket with %v: %s = %q, model says %q", extra, kv[0], got[kv[0]], want.Keys[kv[0]])
			}
		}
	}
}

// uwsgiSocketGet sends one uwsgi-protocol request and returns the keys the
// application read.
func uwsgiSocketGet(t *testing.T, port int, vars [][2]string) map[string]string {
	t.Helper()
	var body bytes.Buffer
	for _, kv := range vars {
		for _, s := range kv {
			binary.Write(&body, binary.LittleEndian, uint16(len(s)))
			body.WriteString(s)
		}
	}
	conn, err := net.DialTimeout("tcp4", "127.0.0.1:"+strconv.Itoa(port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	head := []byte{0, 0, 0, 0}
	binary.LittleEndian.PutUint16(head[1:3], uint16(body.Len()))
	if _, err := conn.Write(append(head, body.Bytes()...)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("uwsgi socket: %v", err)
	}
	defer resp.Body.Close()
	got := map[string]string{}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	return got
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
