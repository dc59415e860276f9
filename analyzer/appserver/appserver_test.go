package appserver

import (
	"fmt"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
)

// brief is one line per server: kind, file:line, and what the model holds.
func brief(servers []*Server) string {
	var b strings.Builder
	for _, s := range servers {
		fmt.Fprintf(&b, "%s %s:%d", s.Kind, s.At.Path, s.At.Start.Line)
		for _, x := range s.Binds {
			fmt.Fprintf(&b, " bind=%s@%d", x.Value, x.At.Start.Line)
		}
		for _, x := range s.Sockets {
			fmt.Fprintf(&b, " socket=%s@%d", x.Value, x.At.Start.Line)
		}
		if s.ForwardedAllowIPs != nil {
			fmt.Fprintf(&b, " allow=%s@%s:%d", s.ForwardedAllowIPs.Value, s.ForwardedAllowIPs.At.Path, s.ForwardedAllowIPs.At.Start.Line)
		}
		if s.ProxyHeaders != nil {
			fmt.Fprintf(&b, " proxy=%s", s.ProxyHeaders.Value)
		}
		if s.SchemeHeaders != nil {
			fmt.Fprintf(&b, " scheme=%v", s.SchemeHeaders.Pairs)
		}
		if s.HeaderMap != nil {
			fmt.Fprintf(&b, " header_map=%s", s.HeaderMap.Value)
		}
		if s.Version != nil {
			fmt.Fprintf(&b, " version=%s@%s", s.Version, s.Version.At.Path)
		}
		if c := s.Container; c != nil {
			fmt.Fprintf(&b, " in=%s", c.Name)
			for _, p := range c.Published {
				fmt.Fprintf(&b, " published=%s@%d", p.Container, p.At.Start.Line)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestCollect reads every place the model knows through the project pass.
func TestCollect(t *testing.T) {
	p := analyzertest.Load(t, `
-- docker-compose.yml --
services:
  web:
    build: .
    environment:
      FORWARDED_ALLOW_IPS: "*"
    ports:
      - "8000:8000"
      - "127.0.0.1:9000:9000"
  asgi:
    image: mysite
    entrypoint: ["uvicorn"]
    command: ["mysite.asgi:app", "--host", "0.0.0.0", "--no-proxy-headers"]
    ports:
      - target: 8001
        published: 8001
  prod:
    build:
      context: .
      dockerfile: docker/prod.Dockerfile
    ports:
      - "8100:8100"
  ws:
    image: mysite
    command: daphne -e tcp:port=9001:interface=0.0.0.0 --proxy-headers mysite.asgi:application
    environment:
      - DJANGO_SETTINGS_MODULE=mysite.settings
-- Dockerfile --
FROM python:3.12-slim
RUN pip install gunicorn==21.2.0 uwsgi
COPY uwsgi.ini gunicorn.conf.py /srv/
CMD gunicorn mysite.wsgi \
    --bind 0.0.0.0:8000 \
    -c /srv/gunicorn.conf.py
-- docker/prod.Dockerfile --
FROM python:3.12-slim
CMD ["gunicorn", "mysite.wsgi", "-b", "0.0.0.0:8100"]
-- gunicorn.conf.py --
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
header_map = "refuse"
-- Procfile --
web: cd src && FORWARDED_ALLOW_IPS=127.0.0.2 uvicorn mysite.asgi:app --uds /run/app.sock
worker: uwsgi deploy/uwsgi.ini
-- deploy/uwsgi.ini --
[uwsgi]
; comment
http = :8080
socket = 0.0.0.0:3031
[other]
socket = :4000
-- deploy/app.yaml --
uwsgi:
  http-socket: 127.0.0.1:8081
  socket:
    - /run/a.sock
    - 127.0.0.1:3032
-- deploy/app.service --
[Unit]
Description=gunicorn daemon
[Service]
Environment="FORWARDED_ALLOW_IPS=*"
ExecStart=/srv/venv/bin/gunicorn --bind unix:/run/gunicorn.sock mysite.wsgi
-- requirements/base.txt --
Django>=4.2
gunicorn>=20.0
`)
	got := brief(analyzer.Fact(p, Pass))
	for _, line := range []string{
		"gunicorn Dockerfile:4 bind=0.0.0.0:8000@4 allow=*@docker-compose.yml:5 scheme=[[X-FORWARDED-PROTO https]] header_map=refuse version===21.2.0@Dockerfile in=Compose service web published=8000@7",
		"uvicorn Procfile:1 bind=unix:/run/app.sock@1 allow=127.0.0.2@Procfile:1",
		"uwsgi Procfile:2 bind=:8080@3 socket=0.0.0.0:3031@4",
		// gunicorn reads gunicorn.conf.py when no -c names another file.
		"gunicorn deploy/app.service:5 bind=unix:/run/gunicorn.sock@5 allow=*@deploy/app.service:4 scheme=[[X-FORWARDED-PROTO https]] header_map=refuse version===21.2.0@Dockerfile",
		"uwsgi deploy/app.yaml:1 bind=127.0.0.1:8081@2 socket=unix:/run/a.sock@4 socket=127.0.0.1:3032@5",
		"uvicorn docker-compose.yml:12 bind=0.0.0.0:8000@12 proxy=off in=Compose service asgi published=8001@14",
		"daphne docker-compose.yml:24 bind=0.0.0.0:9001@24 proxy=on in=Compose service ws",
		"gunicorn docker/prod.Dockerfile:2 bind=0.0.0.0:8100@2 scheme=[[X-FORWARDED-PROTO https]] header_map=refuse version===21.2.0@Dockerfile in=Compose service prod published=8100@21",
	} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("missing %q in\n%s", line, got)
		}
	}
	if n := strings.Count(got, "\n"); n != 8 {
		t.Errorf("%d servers, want 8:\n%s", n, got)
	}
}

// TestVersionPins reads gunicorn pins in the forms projects write them.
func TestVersionPins(t *testing.T) {
	for _, c := range []struct {
		file, text string
		want       string
		release    int
	}{
		{"requirements.txt", "gunicorn==20.1.0\n", "==20.1.0", -1},
		{"requirements.txt", "gunicorn[gevent] >= 22.0\n", ">=22.0", 1},
		{"requirements-prod.in", "gunicorn~=21.2\n", "~=21.2", -1},
		{"requirements.txt", "gunicorn<22\n", "<22", -1},
		{"requirements.txt", "gunicorn>=20\n", ">=20", 0},
		{"pyproject.toml", "[tool.poetry.dependencies]\ngunicorn = \"^22.0.0\"\n", "^22.0.0", 1},
		{"pyproject.toml", "[tool.poetry.dependencies]\ngunicorn = {version = \"^21.2\", extras = [\"gevent\"]}\n", "^21.2", -1},
		{"pyproject.toml", "[project]\ndependencies = [\"gunicorn>=23.0\"]\n", ">=23.0", 1},
		{"Pipfile", "[packages]\ngunicorn = \"==22.0.0\"\n", "==22.0.0", 1},
		{"Dockerfile", "FROM python\nRUN pip install --no-cache-dir gunicorn==20.1.0\nCMD gunicorn app:app\n", "==20.1.0", -1},
	} {
		p := analyzertest.Load(t, "-- "+c.file+" --\n"+c.text+"-- Procfile --\nweb: gunicorn app:app\n")
		v := gunicornVersion(p)
		if v == nil || v.String() != c.want || v.Release(22) != c.release {
			t.Errorf("%s %q: version %v (release %d), want %s (%d)", c.file, c.text, v, v.Release(22), c.want, c.release)
		}
	}
	p := analyzertest.Load(t, "-- requirements.txt --\ngunicorn\n-- Procfile --\nweb: gunicorn app:app\n")
	if v := gunicornVersion(p); v != nil {
		t.Errorf("an unpinned gunicorn has version %v", v)
	}
	s := analyzer.Fact(p, Pass)[0]
	if u, unknown := s.Underscores(); u != Joined || !unknown {
		t.Errorf("unpinned gunicorn: %v, unknown %v; want joined, unknown", u, unknown)
	}
}

func TestQuotedWords(t *testing.T) {
	for in, want := range map[string]string{
		`"GUNICORN_CMD_ARGS=--bind 0.0.0.0:80 -w 2" A=1`: "GUNICORN_CMD_ARGS=--bind 0.0.0.0:80 -w 2|A=1",
		`A="b c"  D='e\f'`: `A=b c|D=e\f`,
		`A=b\ c`:           "A=b c",
	} {
		if got := strings.Join(quotedWords(in), "|"); got != want {
			t.Errorf("quotedWords(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestConfigLinking links command lines to the configuration they name.
func TestConfigLinking(t *testing.T) {
	p := analyzertest.Load(t, `
-- Procfile --
web: gunicorn -c config/web.py mysite.wsgi
api: gunicorn -c python:mysite.gunicorn_api mysite.wsgi
copied: gunicorn -c /srv/gunicorn.conf.py mysite.wsgi
-- config/web.py --
bind = "127.0.0.1:8001"
-- mysite/gunicorn_api.py --
bind = "127.0.0.1:8002"
-- deploy/gunicorn.conf.py --
import os
port = os.environ["PORT"]
bind = f"127.0.0.1:{port}"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
-- other/gunicorn.conf.py --
bind = "127.0.0.1:8004"
-- deploy/app.service --
[Service]
ExecStart=/usr/bin/gunicorn -c /etc/app/deploy/gunicorn.conf.py mysite.wsgi
`)
	got := brief(analyzer.Fact(p, Pass))
	for _, line := range []string{
		"gunicorn Procfile:1 bind=127.0.0.1:8001@1\n",
		"gunicorn Procfile:2 bind=127.0.0.1:8002@1\n",
		"gunicorn Procfile:3\n", // two gunicorn.conf.py: neither is taken
		"gunicorn deploy/app.service:2 bind=127.0.0.1:{…}@3 allow=*@deploy/gunicorn.conf.py:4\n",
		"gunicorn other/gunicorn.conf.py:1 bind=127.0.0.1:8004@1\n",
	} {
		if !strings.Contains(got, line) {
			t.Errorf("missing %q in\n%s", line, got)
		}
	}
	if n := strings.Count(got, "\n"); n != 5 {
		t.Errorf("%d servers, want 5:\n%s", n, got)
	}
}

func TestSchemeSpoofs(t *testing.T) {
	g := &Server{Kind: Gunicorn}
	u := &Server{Kind: UWSGI}
	uv := &Server{Kind: Uvicorn}
	all := []string{"X-FORWARDED-PROTOCOL", "X-FORWARDED-PROTO", "X-FORWARDED-SSL"}
	for _, c := range []struct {
		s              *Server
		peer           string
		set, forgeable []string
		want           string
	}{
		{g, "127.0.0.1", nil, all, "X-FORWARDED-PROTOCOL X-FORWARDED-PROTO X-FORWARDED-SSL"},
		{g, "127.0.0.1", []string{"X-FORWARDED-PROTO"}, []string{"X-FORWARDED-PROTOCOL", "X-FORWARDED-SSL"}, ""},
		{g, AnyPeer, nil, all, ""}, // the proxy's address is not trusted
		{g, "unix", nil, []string{"X-FORWARDED-SSL"}, "X-FORWARDED-SSL"},
		{u, AnyPeer, []string{"X-Forwarded-Proto"}, []string{"X-Forwarded-Ssl"}, ""},
		{u, AnyPeer, []string{"X-Forwarded-Ssl"}, []string{"X-Forwarded-Proto"}, "X-Forwarded-Proto"},
		{uv, "127.0.0.1", nil, []string{"X-Forwarded-Proto"}, "X-Forwarded-Proto"},
		{uv, "127.0.0.2", nil, []string{"X-Forwarded-Proto"}, ""},
	} {
		if got := strings.Join(c.s.SchemeSpoofs(c.peer, c.set, c.forgeable), " "); got != c.want {
			t.Errorf("%s from %s, set %v, forgeable %v: %q, want %q", c.s.Kind, c.peer, c.set, c.forgeable, got, c.want)
		}
	}
}

// TestUWSGIResolution resolves uwsgi configurations through the project
// pass where uwsgi's run time is unknown: an image's environment, a
// section of a file copied under another directory, %d includes, an
// unset variable (undecided, not empty) and files that include each other.
func TestUWSGIResolution(t *testing.T) {
	p := analyzertest.Load(t, `
-- Dockerfile --
FROM python:3.12-slim
ENV UWSGI_HTTP_SOCKET=127.0.0.1:8000
CMD ["uwsgi", "--ini", "/srv/app/uwsgi.ini:prod"]
-- deploy/uwsgi.ini --
[uwsgi]
socket = :1
[prod]
ini = %dbase.ini
socket = 0.0.0.0:$(PORT)
http = %(host):9090
-- deploy/base.ini --
[uwsgi]
host = 0.0.0.0
-- loop/a.ini --
[uwsgi]
ini = %db.ini
socket = /run/a.sock
-- loop/b.ini --
[uwsgi]
ini = %da.ini
-- remote/r.ini --
[uwsgi]
ini = http://config.example/app.ini
`)
	servers := analyzer.Fact(p, Pass)
	got := brief(servers)
	for _, line := range []string{
		"uwsgi Dockerfile:3 bind=127.0.0.1:8000@3 bind=0.0.0.0:9090@6 socket=0.0.0.0:{…}@5\n",
		"uwsgi loop/a.ini:1 socket=unix:/run/a.sock@3\n",
		"uwsgi loop/b.ini:1 socket=unix:/run/a.sock@3\n",
	} {
		if !strings.Contains(got, line) {
			t.Errorf("missing %q in\n%s", line, got)
		}
	}
	if n := strings.Count(got, "\n"); n != 4 {
		t.Errorf("%d servers, want 4 (base.ini is part of the Dockerfile's):\n%s", n, got)
	}
	for _, s := range servers {
		switch s.At.Path {
		case "Dockerfile":
			if ps := s.UWSGI.Problems; len(ps) != 0 {
				t.Errorf("Dockerfile: problems %v", ps)
			}
			sock := s.UWSGI.Values("socket")
			if len(sock) != 1 || strings.Join(sock[0].Undecided, ",") != "$(PORT)" {
				t.Errorf("socket %+v, want one undecided on $(PORT)", sock)
			}
		case "remote/r.ini":
			ps := s.UWSGI.Problems
			if len(ps) != 1 || !strings.Contains(ps[0].Msg, "which is no file of the project") || ps[0].At.Start.Line != 2 {
				t.Errorf("remote/r.ini: problems %v, want the URL include at line 2", ps)
			}
		case "loop/a.ini", "loop/b.ini":
			ps := s.UWSGI.Problems
			if len(ps) != 1 || !strings.Contains(ps[0].Msg, "again while reading it") || ps[0].At.Start.Line != 2 {
				t.Errorf("%s: problems %v, want the include cycle at line 2", s.At.Path, ps)
			}
		}
	}
}

// TestCommandNames: a server starts from a command line under any name
// Debian installs it as (gunicorn3, uwsgi-core, uwsgi_python311), and
// only from a line that runs a command: a systemd unit's Description= or
// a Dockerfile's LABEL that names a server starts none.
func TestCommandNames(t *testing.T) {
	p := analyzertest.Load(t, `
-- lib/systemd/system/app.service --
[Unit]
Description=LAVA server gunicorn
[Service]
ExecStart=/usr/bin/gunicorn3 lava_server.wsgi --workers 4
-- lib/systemd/system/worker.service --
[Service]
ExecStart=-uwsgi_python311 --http-socket 127.0.0.1:8081 --module mysite.wsgi
-- Dockerfile --
FROM debian:bookworm
LABEL description="runs uwsgi behind nginx"
HEALTHCHECK CMD uvicorn --version
CMD ["uwsgi-core", "--plugin", "python3", "--http-socket", ":9090"]
`)
	got := brief(analyzer.Fact(p, Pass))
	want := "uwsgi Dockerfile:4 bind=:9090@4\n" +
		"gunicorn lib/systemd/system/app.service:4\n" +
		"uwsgi lib/systemd/system/worker.service:2 bind=127.0.0.1:8081@2\n"
	if got != want {
		t.Errorf("servers:\n%s\nwant:\n%s", got, want)
	}
}
