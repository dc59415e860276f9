package ngxmodel_test

// The access-log oracle: for each configuration below, AccessLogs predicts
// which access log files a request handled in a given location (or `if`
// block) is written to, and whether the line holds the query string; a
// real nginx then serves the request and the log files say what happened.
// The static side reads nginxtest's generated nginx.conf itself (with the
// real ports swapped for the dummy ones findServer expects), so the
// harness's own http-level `access_log {{DIR}}/access.log;` is part of
// both sides.
//
// Each probe's request path carries a marker (/m<N>x) and its query string
// a secret (Q<N>secret); a log "got the line" when it holds the marker, and
// "holds the query string" when it holds the secret. After each probe a
// request to the sync server (whose log is written strictly after the
// probe's, nginx running one worker) tells when all of the probe's lines
// are on disk.

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/djleak/djleak/analyzer/ngxmodel/nginxtest"
)

// logProbe is one request: the location that handles it (its path, or
// "if:PATH" for the `if` block inside location PATH) and how to reach it.
type logProbe struct {
	loc  string
	path string // request path prefix inside the location, e.g. "/api/"
	port int    // {{PORTn}}; default 1
	host string
	hdrs []nginxtest.Header
}

type logCase struct {
	name   string
	conf   string // http{} content; servers listen on 127.0.0.1:{{PORTn}}
	probes []logProbe
}

// syncServer is added to every case: its log line marks that nginx has
// finished the previous request.
const syncServer = `
server {
    listen 127.0.0.1:{{PORT9}};
    access_log {{DIR}}/sync.log;
    location / {
        return 204;
    }
}`

var logCases = []logCase{
	{
		name: "http-level format with $request_uri next to the harness's combined log",
		conf: `
log_format uri '$remote_addr "$request_uri" $status';
access_log {{DIR}}/uri.log uri;
server {
    listen 127.0.0.1:{{PORT1}};
    location / {
        proxy_pass http://{{BACKEND}};
    }
}`,
		probes: []logProbe{{loc: "/", path: "/"}},
	},
	{
		name: "server-level access_log replaces the http-level ones",
		conf: `
server {
    listen 127.0.0.1:{{PORT1}};
    access_log {{DIR}}/server.log;
    location / {
        proxy_pass http://{{BACKEND}};
    }
}`,
		probes: []logProbe{{loc: "/", path: "/"}},
	},
	{
		name: "access_log off silences its level's other lines",
		conf: `
server {
    listen 127.0.0.1:{{PORT1}};
    access_log {{DIR}}/server.log;
    location /quiet/ {
        access_log {{DIR}}/quiet.log;
        access_log off;
        proxy_pass http://{{BACKEND}};
    }
    location / {
        proxy_pass http://{{BACKEND}};
    }
}`,
		probes: []logProbe{{loc: "/quiet/", path: "/quiet/"}, {loc: "/", path: "/"}},
	},
	{
		name: "nested locations: inherited from the outer location, or replaced",
		conf: `
log_format path '$remote_addr $uri $status';
server {
    listen 127.0.0.1:{{PORT1}};
    location /api/ {
        access_log {{DIR}}/api.log path;
        proxy_pass http://{{BACKEND}};
        location /api/inner/ {
            proxy_pass http://{{BACKEND}};
        }
        location /api/own/ {
            access_log {{DIR}}/own.log;
            proxy_pass http://{{BACKEND}};
        }
    }
}`,
		probes: []logProbe{
			{loc: "/api/", path: "/api/"},
			{loc: "/api/inner/", path: "/api/inner/"},
			{loc: "/api/own/", path: "/api/own/"},
		},
	},
	{
		name: "if block inheriting proxy_pass: own access_log, or the location's",
		conf: `
server {
    listen 127.0.0.1:{{PORT1}};
    location /a/ {
        access_log {{DIR}}/a.log;
        proxy_pass http://{{BACKEND}};
        if ($http_x_debug) {
            access_log {{DIR}}/debug.log;
        }
    }
    location /b/ {
        access_log {{DIR}}/b.log;
        proxy_pass http://{{BACKEND}};
        if ($http_x_debug) {
            add_header X-Oracle-Loc b-if;
        }
    }
}`,
		probes: []logProbe{
			{loc: "if:/a/", path: "/a/", hdrs: hdr("X-Debug", "1")},
			{loc: "/a/", path: "/a/"},
			{loc: "if:/b/", path: "/b/", hdrs: hdr("X-Debug", "1")},
		},
	},
	{
		name: "formats with and without the query string",
		conf: `
log_format nouri '$remote_addr "$request_method $uri $server_protocol" $status';
log_format args '$remote_addr $uri?$args';
log_format qs escape=json '{"uri":"$uri","q":"$query_string"}';
log_format full '$remote_addr "$request"';
server {
    listen 127.0.0.1:{{PORT1}};
    access_log {{DIR}}/nouri.log nouri;
    access_log {{DIR}}/args.log args;
    access_log {{DIR}}/qs.log qs;
    access_log {{DIR}}/full.log full;
    location / {
        proxy_pass http://{{BACKEND}};
    }
}`,
		probes: []logProbe{{loc: "/", path: "/"}},
	},
	{
		name: "servers by port and by name; a server without access_log inherits http's",
		conf: `
server {
    listen 127.0.0.1:{{PORT1}};
    server_name one.test;
    access_log {{DIR}}/one.log;
    location / {
        proxy_pass http://{{BACKEND}};
    }
}
server {
    listen 127.0.0.1:{{PORT1}};
    server_name two.test;
    location / {
        proxy_pass http://{{BACKEND}};
    }
}
server {
    listen 127.0.0.1:{{PORT2}};
    access_log {{DIR}}/port2.log;
    location / {
        proxy_pass http://{{BACKEND}};
    }
}`,
		probes: []logProbe{
			{loc: "/", path: "/", host: "one.test"},
			{loc: "/", path: "/", host: "two.test"},
			{loc: "/", path: "/", port: 2},
		},
	},
	{
		name: "uwsgi and fastcgi locations log like proxy ones",
		conf: `
log_format args '$uri $args';
server {
    listen 127.0.0.1:{{PORT1}};
    location /u/ {
        access_log {{DIR}}/u.log args;
        include {{DIR}}/uwsgi_params;
        uwsgi_pass {{UWSGI}};
    }
    location /f/ {
        fastcgi_pass {{FASTCGI}};
        include {{DIR}}/fastcgi_params;
    }
}`,
		probes: []logProbe{{loc: "/u/", path: "/u/"}, {loc: "/f/", path: "/f/"}},
	},
}

func TestAccessLogOracle(t *testing.T) {
	nginxtest.Require(t)
	extra := map[string]string{}
	for _, name := range []string{"uwsgi_params", "fastcgi_params"} {
		text, err := nginxtest.SystemFile(name)
		if err != nil {
			t.Fatalf("system file %s: %v", name, err)
		}
		extra[name] = text
	}
	for _, c := range logCases {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			runLogCase(t, c, extra)
		})
	}
}

// logSeen is what one log file recorded of one request.
type logSeen struct{ line, query bool }

func runLogCase(t *testing.T, c logCase, extra map[string]string) {
	httpBE := nginxtest.StartHTTPBackend(t)
	uwsgiBE := nginxtest.StartUWSGIBackend(t)
	fcgiBE := nginxtest.StartFastCGIBackend(t)
	srv := nginxtest.StartConfig(t, nginxtest.Config{HTTP: c.conf + syncServer, ExtraFiles: extra,
		HTTPBackend: httpBE, UWSGI: uwsgiBE, FastCGI: fcgiBE})

	// The static side reads the generated configuration, with the real
	// ports swapped for the dummy ones.
	conf := srv.ConfText
	for n := 1; n <= 9; n++ {
		if strings.Contains(c.conf+syncServer, fmt.Sprintf("{{PORT%d}}", n)) {
			conf = strings.ReplaceAll(conf, fmt.Sprintf("127.0.0.1:%d;", srv.Port(n)), fmt.Sprintf("127.0.0.1:%d;", dummyPort(n)))
		}
	}
	// Paths in the instance directory become project-relative, so that
	// `include {{DIR}}/uwsgi_params;` finds the copy shipped beside it.
	conf = strings.ReplaceAll(conf, srv.Dir+"/", "")
	archive := "-- nginx/nginx.conf --\n" + conf + "\n"
	for name, text := range extra {
		archive += "-- nginx/" + name + " --\n" + text + "\n"
	}
	m := loadModel(t, archive)

	for i, pr := range c.probes {
		n := i + 1
		op := oracleProbe{up: pr.loc, port: pr.port, host: pr.host}
		if op.port == 0 {
			op.port = 1
		}
		u, err := findUpstream(m, stripIf(op))
		if err != nil {
			t.Fatalf("probe %d: %v", n, err)
		}
		scope := u.Scope
		if strings.HasPrefix(pr.loc, "if:") {
			scope = nil
			for _, sc := range u.Scopes() {
				if sc.Kind == "if" {
					scope = sc
					break
				}
			}
			if scope == nil {
				t.Fatalf("probe %d: Scopes() of %s has no if block", n, upstreamLabel(u))
			}
		}
		want := map[string]logSeen{}
		for _, l := range m.AccessLogs(scope) {
			if l.Dir == nil {
				t.Fatalf("probe %d: the model predicts nginx's default log, but the harness always sets one", n)
			}
			if !l.Known() {
				t.Fatalf("probe %d: format %s of %s is unknown to the model", n, l.Name, l.Dir)
			}
			want[filepath.Base(l.Dir.Arg(0))] = logSeen{line: true, query: l.QueryVar() != ""}
		}

		hdrs := append([]nginxtest.Header(nil), pr.hdrs...)
		if pr.host != "" {
			hdrs = append(hdrs, nginxtest.Header{Name: "Host", Value: pr.host})
		}
		marker, secret := fmt.Sprintf("/m%dx", n), fmt.Sprintf("Q%dsecret", n)
		path := strings.TrimSuffix(pr.path, "/") + marker + "?tok=" + secret
		resp := srv.Fetch(t, nginxtest.Req{Port: srv.Port(op.port), Path: path, Headers: hdrs})
		if resp.Status != 200 {
			t.Fatalf("probe %d (%s): status %d, want 200; body: %s", n, path, resp.Status, resp.Body)
		}
		syncLogs(t, srv, n)

		got := map[string]logSeen{}
		files, err := filepath.Glob(filepath.Join(srv.Dir, "*.log"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			name := filepath.Base(f)
			if name == "error.log" || name == "sync.log" {
				continue
			}
			text, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s := logSeen{line: strings.Contains(string(text), marker), query: strings.Contains(string(text), secret)}
			if s.line || s.query {
				got[name] = s
			}
		}
		var names []string
		for name := range want {
			names = append(names, name)
		}
		for name := range got {
			if _, ok := want[name]; !ok {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		for _, name := range names {
			if want[name] != got[name] {
				t.Errorf("probe %d (%s at %s): %s: model predicts %+v, nginx wrote %+v", n, path, pr.loc, name, want[name], got[name])
			}
		}
		if len(want) == 0 && len(got) == 0 {
			t.Logf("probe %d: no log, as predicted", n)
		}
	}
}

// stripIf turns "if:PATH" into the location path findUpstream wants: an
// `if` without its own *_pass is not an upstream of its own.
func stripIf(p oracleProbe) oracleProbe {
	p.up = strings.TrimPrefix(p.up, "if:")
	return p
}

// syncLogs waits until the sync server has logged request n, which nginx
// (one worker, requests in turn) does only after the probe's own lines.
func syncLogs(t *testing.T, srv *nginxtest.Server, n int) {
	t.Helper()
	path := "/sync" + strconv.Itoa(n) + "x"
	if resp := srv.Fetch(t, nginxtest.Req{Port: srv.Port(9), Path: path}); resp.Status != 204 {
		t.Fatalf("sync request: status %d", resp.Status)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		text, _ := os.ReadFile(filepath.Join(srv.Dir, "sync.log"))
		if strings.Contains(string(text), path+" ") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sync server's log never recorded %s:\n%s", path, text)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
