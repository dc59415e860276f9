package appserver

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/djleak/djleak/analyzer/frontend/frontendtest"
	"github.com/djleak/djleak/parsers/source"
)

// uwsgiConfCase is one invocation of the configuration oracle: the files
// of the project (uwsgi runs in its directory; {{DIR}} is that
// directory), the command line's words after `uwsgi`, and the environment.
// fails says uwsgi refuses the configuration: the model must report a
// problem naming the file and line in it.
type uwsgiConfCase struct {
	name  string
	files map[string]string
	args  string
	env   []string
	fails string // the file the problem is reported in
	// warns is the file of a problem the model reports about a
	// configuration uwsgi accepts ("" for none).
	warns string
}

var uwsgiConfCases = []uwsgiConfCase{
	{name: "ini repeated listeners, comments, flags", files: map[string]string{"app.ini": `; production
[uwsgi]
# listeners
http-socket = 127.0.0.1:8001
http-socket = 127.0.0.1:8002
socket = /run/app/uwsgi.sock
socket = 127.0.0.1:3031
master
processes=4
sp   =   spaced value   
empty =
q = "quoted" ; kept
`}, args: "--ini app.ini"},
	{name: "ini section chosen on the command line", files: map[string]string{"app.ini": "[uwsgi]\nhttp-socket = :8000\n[prod]\nsocket = 127.0.0.1:3031\nhttp = 0.0.0.0:80\n[uwsgi]\nmodule = mysite.wsgi\n"}, args: "--ini app.ini:prod"},
	{name: "ini section uwsgi twice", files: map[string]string{"app.ini": "[uwsgi]\nhttp-socket = :8000\n[prod]\nsocket = :1\n[uwsgi]\nmodule = mysite.wsgi\nsocket = :2\n"}, args: "--ini app.ini"},
	{name: "ini includes a file in place", files: map[string]string{
		"app.ini":           "[uwsgi]\nbefore = 1\nini = deploy/common.ini\nafter = 1\nhttp-socket = :8000\n",
		"deploy/common.ini": "[uwsgi]\nsocket = 127.0.0.1:3031\nplugins = http,python3\n",
	}, args: "--ini app.ini"},
	{name: "ini includes a section of another file", files: map[string]string{
		"app.ini":   "[uwsgi]\nini = base.ini:common\nhttp-socket = :8000\n",
		"base.ini":  "[uwsgi]\nsocket = :1\n[common]\nsocket = :2\nini = extra.ini\n",
		"extra.ini": "[uwsgi]\nfrom-extra = %x|%s\n[common]\nnot-read = 1\n",
	}, args: "--ini app.ini"},
	{name: "inherit loads after the file", files: map[string]string{
		"app.ini":  "[uwsgi]\ninherit = base.ini\nhttp-socket = :8001\nmodule = mysite.wsgi\n",
		"base.ini": "[uwsgi]\nhttp-socket = :8000\nmodule = base.wsgi\nmaster = true\n",
	}, args: "--ini app.ini"},
	{name: "placeholders in one pass", files: map[string]string{"app.ini": `[uwsgi]
base = /srv/app
v = 1
r = %(v)
v = 2
early = %(later)/x
later = L
chain = %(r)-%(base)
n = %(a)%(b)
a = %(b)
b = B
self = %(self)
nope = %(nope-nope)
first = %(socket)
socket = 127.0.0.1:3031
socket = 127.0.0.1:3032
http-socket = %(host):%(port)
host = 127.0.0.1
port = 8000
wsgi-file = %(base)/wsgi.py
`}, args: "--ini app.ini", warns: "app.ini"},
	{name: "magic variables of the file's path", files: map[string]string{"deploy/uwsgi/site.ini": "[uwsgi]\nm = %d|%p|%s|%n|%e|%c|%x|%%|%q|%0\nsocket = %d%n.sock\nlog-format = %(method) %(uri)\n"}, args: "--ini deploy/uwsgi/site.ini"},
	{name: "magic %x with a section", files: map[string]string{"site.ini": "[uwsgi]\nx = none\n[web]\nx = %x-%n\nhttp-socket = :8000\n"}, args: "--ini {{DIR}}/site.ini:web"},
	{name: "an include by the including file's directory", files: map[string]string{
		"deploy/app.ini":  "[uwsgi]\nini = %dbase.ini\nhttp-socket = :8000\n",
		"deploy/base.ini": "[uwsgi]\nfrom = %n in %c\nsocket = %d%n.sock\n",
	}, args: "--ini deploy/app.ini"},
	{name: "environment variables", files: map[string]string{"app.ini": "[uwsgi]\nhttp-socket = 0.0.0.0:$(PORT)\nsocket = $(DJLEAK_UNSET_VAR)\nboth = $(APP_NAME)-$(PORT)\n"}, args: "--ini app.ini", env: []string{"PORT=8080", "APP_NAME=mysite"}},
	{name: "UWSGI_ environment options", files: map[string]string{"app.ini": "[uwsgi]\nsocket = 127.0.0.1:3031\nname = %(app-name)\n"}, args: "--ini app.ini", env: []string{"UWSGI_HTTP_SOCKET=:9090", "UWSGI_APP_NAME=mysite"}},
	{name: "file contents", files: map[string]string{"app.ini": "[uwsgi]\nhttp-socket = @(deploy/listen.txt)\nsecret = @(deploy/name.txt)-x\n", "deploy/listen.txt": "127.0.0.1:8000\n", "deploy/name.txt": "mysite"}, args: "--ini app.ini"},
	{name: "yaml lists and scalars", files: map[string]string{"uwsgi.yaml": `# comment
uwsgi:
  http-socket:
    - 127.0.0.1:8001
    - 127.0.0.1:8002
  socket: 127.0.0.1:3031
  master: true
  processes: 4
  q: "quoted"
  m: "%n-%(processes)"
other:
  socket: :1
`}, args: "--yaml uwsgi.yaml"},
	{name: "yaml section", files: map[string]string{"uwsgi.yaml": "uwsgi:\n  socket: :1\nstaging:\n  http-socket: :8000\n  socket: :2\n"}, args: "--yaml uwsgi.yaml:staging"},
	{name: "yaml includes ini and inherits", files: map[string]string{
		"uwsgi.yml":  "uwsgi:\n  inherit: base.ini\n  ini: listen.ini\n  module: mysite.wsgi\n",
		"base.ini":   "[uwsgi]\nmodule = base.wsgi\nmaster = true\n",
		"listen.ini": "[uwsgi]\nhttp-socket = :8000\n",
	}, args: "--yml uwsgi.yml"},
	{name: "json scalars and lists", files: map[string]string{"uwsgi.json": `{"uwsgi": {"http-socket": ["127.0.0.1:8001", "127.0.0.1:8002"], "socket": "/run/app.sock", "master": true, "vacuum": false, "processes": 4, "m": "%n-%(processes)"}, "other": {"socket": ":1"}}`}, args: "--json uwsgi.json"},
	{name: "json section and includes", files: map[string]string{
		"uwsgi.json": `{"uwsgi": {"socket": ":1"}, "prod": {"yaml": "prod.yaml", "http": ":80", "socket": ":3031"}}`,
		"prod.yaml":  "uwsgi:\n  module: mysite.wsgi\n  json: uwsgi.json\n",
	}, args: "--json uwsgi.json:prod"},
	{name: "command line around a file", files: map[string]string{"app.ini": "[uwsgi]\nhttp-socket = :8001\nmodule = mysite.wsgi\n"}, args: "--http-socket :8000 --master --ini app.ini --socket=127.0.0.1:3031 -s /run/s.sock --processes 2"},
	{name: "bare file on the command line", files: map[string]string{"app.ini": "[uwsgi]\nhttp-socket = :8001\n", "more.yaml": "uwsgi:\n  socket: :3031\n"}, args: "app.ini more.yaml --master"},
	{name: "routes kept verbatim", files: map[string]string{"app.ini": `[uwsgi]
http-socket = :8000
route-run = addvar:REMOTE_USER=${HTTP_X_REMOTE_USER}
route-if = equal:${HTTP_X_ROLE};admin addvar:IS_ADMIN=1
route-host = ^app\.example$ setuser:${HTTP_X_USER}
route = ^/admin/(.*) addvar:ADMIN_PATH=$1
route-uri = ^/x last:
route-label = done
`}, args: "--ini app.ini"},
	{name: "plugins and app options", files: map[string]string{"app.ini": "[uwsgi]\nplugins = http,python3\nplugin = router_rewrite\nhttp = 127.0.0.1:8000\nsocket = 127.0.0.1:3031\nmodule = mysite.wsgi:application\nwsgi-file = %dmysite/wsgi.py\n"}, args: "--ini app.ini"},
	{name: "missing section reads nothing", files: map[string]string{"app.ini": "[uwsgi]\nhttp-socket = :8000\n"}, args: "--ini app.ini:prod", warns: "Procfile"},
	{name: "missing include stops uwsgi", files: map[string]string{"app.ini": "[uwsgi]\nhttp-socket = :8000\nini = deploy/missing.ini\n"}, args: "--ini app.ini", fails: "app.ini"},
	{name: "missing file contents stop uwsgi", files: map[string]string{"app.ini": "[uwsgi]\nhttp-socket = @(missing.txt)\n"}, args: "--ini app.ini", fails: "app.ini"},
	{name: "missing json object stops uwsgi", files: map[string]string{"uwsgi.json": `{"uwsgi": {"socket": ":1", "json": "uwsgi.json:prod"}}`}, args: "--json uwsgi.json", fails: "uwsgi.json"},
	{name: "json syntax error stops uwsgi", files: map[string]string{"uwsgi.json": "{\"uwsgi\": {\n  \"socket\": \":1\",\n}}\n"}, args: "--json uwsgi.json", fails: "uwsgi.json"},
	{name: "missing yaml section reads nothing", files: map[string]string{"uwsgi.yaml": "uwsgi:\n  socket: :1\n"}, args: "--yaml uwsgi.yaml:prod", warns: "Procfile"},
	{name: "missing inherited file stops uwsgi", files: map[string]string{"uwsgi.yaml": "uwsgi:\n  inherit: nothere.ini\n  socket: :1\n"}, args: "--yaml uwsgi.yaml", fails: "uwsgi.yaml"},
}

// uwsgiShown runs uwsgi on a configuration with --show-config and a
// --chdir that fails, so that uwsgi prints its options and exits before it
// opens a socket or starts a worker; it returns the options shown (nil and
// the output when uwsgi stopped before showing them).
func uwsgiShown(t *testing.T, bin, dir string, args, env []string) ([][2]string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	argv := append([]string{"--show-config", "--chdir", "/nonexistent-djleak-oracle"}, args...)
	cmd := exec.CommandContext(ctx, bin, argv...)
	cmd.Dir = dir
	cmd.Env = env
	out, _ := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("uwsgi %s did not stop", strings.Join(args, " "))
	}
	_, rest, ok := bytes.Cut(out, []byte("\n[uwsgi]\n"))
	if !ok {
		return nil, string(out)
	}
	body, _, ok := bytes.Cut(rest, []byte(";end of configuration"))
	if !ok {
		t.Fatalf("uwsgi's configuration is not terminated:\n%s", out)
	}
	var opts [][2]string
	for _, line := range strings.Split(strings.TrimSuffix(string(body), "\n"), "\n") {
		k, v, ok := strings.Cut(line, " = ")
		if !ok {
			t.Fatalf("uwsgi shows %q", line)
		}
		opts = append(opts, [2]string{k, v})
	}
	// Leave out the battery's own two options (after the environment's).
	var rest2 [][2]string
	seen := map[string]bool{}
	for _, kv := range opts {
		if (kv[0] == "show-config" || kv[0] == "chdir") && !seen[kv[0]] {
			seen[kv[0]] = true
			continue
		}
		rest2 = append(rest2, kv)
	}
	if !seen["show-config"] || !seen["chdir"] {
		t.Fatalf("uwsgi shows %v", opts)
	}
	return rest2, string(out)
}

// TestUWSGIConfigOracle resolves each invocation with the model and runs
// the real uwsgi on the same files: the options (every value, in order)
// must be those uwsgi shows, and a configuration uwsgi refuses must be a
// problem of the model.
func TestUWSGIConfigOracle(t *testing.T) {
	bin := "/usr/bin/uwsgi"
	_, err := os.Stat(bin)
	frontendtest.Need(t, "uwsgi", err == nil)
	if len(uwsgiConfCases) < 20 {
		t.Errorf("the configuration oracle has %d invocations, want at least 20", len(uwsgiConfCases))
	}
	for _, c := range uwsgiConfCases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			files := map[string]string{}
			for n, text := range c.files {
				text = strings.ReplaceAll(text, "{{DIR}}", dir)
				files[n] = text
				p := filepath.Join(dir, n)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			env := append([]string{"PATH=/usr/bin:/bin"}, c.env...)
			args := strings.Fields(strings.ReplaceAll(c.args, "{{DIR}}", dir))
			shown, out := uwsgiShown(t, bin, dir, args, env)

			s := &Server{Kind: UWSGI}
			at := source.NewFile("Procfile", []byte("web: uwsgi "+c.args+"\n")).LineSpan(1)
			uwsgiFlags(s, args, at)
			ld := &uwsgiLoader{
				read: func(rel string) []byte {
					if t, ok := files[rel]; ok {
						return []byte(t)
					}
					return nil
				},
				envKnown: true, cwdKnown: true, cwdRun: dir,
			}
			for _, e := range env {
				k, v, _ := strings.Cut(e, "=")
				ld.env = append(ld.env, [2]string{k, v})
			}
			cfg := ld.resolve(s.uwsgiArgs, at)
			if c.fails != "" {
				if shown != nil {
					t.Fatalf("uwsgi accepted the configuration: %v", shown)
				}
				found := false
				for _, p := range cfg.Problems {
					if p.At.Path == c.fails && p.At.Start.Line > 0 {
						found = true
					}
				}
				if !found {
					t.Errorf("uwsgi refuses the configuration, the model reports %v\n%s", cfg.Problems, out)
				}
				return
			}
			if shown == nil {
				t.Fatalf("uwsgi showed no configuration:\n%s", out)
			}
			switch {
			case c.warns == "" && len(cfg.Problems) > 0:
				t.Errorf("problems with a configuration uwsgi accepts: %v", cfg.Problems)
			case c.warns != "" && (len(cfg.Problems) == 0 || cfg.Problems[0].At.Path != c.warns):
				t.Errorf("problems %v, want one in %s", cfg.Problems, c.warns)
			}
			var got [][2]string
			for _, o := range cfg.Options {
				if len(o.Undecided) > 0 {
					t.Errorf("%s = %s: undecided %v with everything known", o.Key, o.Value, o.Undecided)
				}
				got = append(got, [2]string{o.Key, o.Value})
			}
			if !slices.Equal(got, shown) {
				t.Errorf("options differ\nmodel: %v\nuwsgi: %v", got, shown)
			}
			// The listeners the model derives are uwsgi's.
			s.UWSGI = cfg
			s.applyUWSGI()
			var want, have []string
			for _, kv := range shown {
				if uwsgiListeners[kv[0]] != "" {
					addr, _, _ := strings.Cut(kv[1], ",")
					want = append(want, uwsgiAddr(addr))
				}
			}
			for _, b := range append(append([]Setting(nil), s.Binds...), s.Sockets...) {
				have = append(have, b.Value)
			}
			if strings.Join(sortedCopy(want), " ") != strings.Join(sortedCopy(have), " ") {
				t.Errorf("listeners %v, uwsgi's options open %v", have, want)
			}
		})
	}
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
