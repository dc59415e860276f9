package nginxtest

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// mtlsConf is a TLS server that asks for an optional client certificate
// from the PKI's CA and forwards the verification result and subject DN.
const mtlsConf = `
server {
    listen 127.0.0.1:{{PORT1}} ssl;
    {{SSL}}
    ssl_verify_client optional;
    ssl_client_certificate {{CA}};
    location / {
        proxy_pass http://{{BACKEND}};
        proxy_set_header X-Client-Verify $ssl_client_verify;
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
}
`

func TestMutualTLSProxy(t *testing.T) {
	Require(t)
	pki := NewPKI(t)
	be := StartHTTPBackend(t)
	s := Start(t, mtlsConf, nil, pki, be, nil)
	port := s.Port(1)

	t.Run("valid certificate", func(t *testing.T) {
		be.Reset()
		if st := s.Request(t, port, true, "/", nil, ValidCert); st != 200 {
			t.Fatalf("status = %d, want 200", st)
		}
		got := be.Last()
		if v := got.Get("X-Client-Verify"); v != "SUCCESS" {
			t.Errorf("X-Client-Verify = %q, want SUCCESS", v)
		}
		if dn := got.Get("X-Client-DN"); dn != "CN=client,O=djleak-test" {
			t.Errorf("X-Client-DN = %q, want CN=client,O=djleak-test (RFC 2253 order)", dn)
		}
		// nginx's default upstream request: HTTP/1.0, Host $proxy_host,
		// Connection: close; proxy_set_header values come first.
		if got.Proto != "HTTP/1.0" || got.Get("Host") != be.Addr || got.Get("Connection") != "close" {
			t.Errorf("upstream request = %q; want HTTP/1.0, Host %s, Connection: close", got.Raw, be.Addr)
		}
		if got.Headers[0].Name != "X-Client-Verify" {
			t.Errorf("first upstream header = %q, want X-Client-Verify", got.Headers[0].Name)
		}
	})

	t.Run("no certificate", func(t *testing.T) {
		be.Reset()
		if st := s.Request(t, port, true, "/", nil, NoCert); st != 200 {
			t.Fatalf("status = %d, want 200", st)
		}
		got := be.Last()
		if v := got.Get("X-Client-Verify"); v != "NONE" {
			t.Errorf("X-Client-Verify = %q, want NONE", v)
		}
		// proxy_set_header with an empty value sends no header at all.
		if got.Has("X-Client-DN") {
			t.Errorf("X-Client-DN sent with empty $ssl_client_s_dn: %q", got.Raw)
		}
	})

	t.Run("untrusted certificate is refused", func(t *testing.T) {
		be.Reset()
		resp := s.Fetch(t, Req{Port: port, TLS: true, ClientCert: RogueCert})
		if resp.Status != 400 {
			t.Fatalf("status = %d, want 400", resp.Status)
		}
		if !strings.Contains(resp.Body, "The SSL certificate error") {
			t.Errorf("body = %q, want nginx's SSL certificate error page", resp.Body)
		}
		if n := be.Count(); n != 0 {
			t.Errorf("backend saw %d requests, want 0", n)
		}
		if log := s.ErrorLog(); !strings.Contains(log, "client SSL certificate verify error") {
			t.Errorf("error log lacks the verify error:\n%s", log)
		}
	})

	t.Run("forged headers", func(t *testing.T) {
		for _, cert := range []string{NoCert, ValidCert} {
			be.Reset()
			st := s.Request(t, port, true, "/", []Header{
				{"X-Client-Foo", "evil"},
				{"X-Client-Foo", "evil2"},
				{"X-Client-DN", "CN=admin"},
				{"x-client-verify", "SUCCESS"},
				{"X_Client_DN", "evil"},
				{"x-Lower-Case", "1"},
			}, cert)
			if st != 200 {
				t.Fatalf("cert %q: status = %d, want 200", cert, st)
			}
			got := be.Last()
			// Unrelated headers pass unchanged, duplicates and spelling kept.
			if v := got.Values("X-Client-Foo"); len(v) != 2 || v[0] != "evil" || v[1] != "evil2" {
				t.Errorf("cert %q: X-Client-Foo = %q, want [evil evil2]", cert, v)
			}
			if !hasRaw(got, "x-Lower-Case", "1") {
				t.Errorf("cert %q: x-Lower-Case not passed verbatim: %q", cert, got.Raw)
			}
			// proxy_set_header replaces same-named client headers (any case),
			// even when the value is empty and the header is then omitted.
			if v := got.Values("X-Client-Verify"); len(v) != 1 || v[0] == "SUCCESS" && cert == NoCert {
				t.Errorf("cert %q: X-Client-Verify = %q, want only nginx's value", cert, v)
			}
			for _, v := range got.Values("X-Client-DN") {
				if v == "CN=admin" {
					t.Errorf("cert %q: forged X-Client-DN reached the backend", cert)
				}
			}
			// ignore_invalid_headers on (default) drops names with "_".
			if got.Has("X_Client_DN") {
				t.Errorf("cert %q: X_Client_DN reached the backend: %q", cert, got.Raw)
			}
		}
	})
}

func TestUnderscoresInHeaders(t *testing.T) {
	Require(t)
	be := StartHTTPBackend(t)
	s := Start(t, `
server {
    listen 127.0.0.1:{{PORT1}};
    location / { proxy_pass http://{{BACKEND}}; }
}
server {
    listen 127.0.0.1:{{PORT2}};
    underscores_in_headers on;
    location / {
        proxy_pass http://{{BACKEND}};
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
}
server {
    listen 127.0.0.1:{{PORT3}};
    ignore_invalid_headers off;
    location / { proxy_pass http://{{BACKEND}}; }
}
`, nil, nil, be, nil)
	forged := []Header{{"X_Client_DN", "evil"}, {"X-Client-DN", "forged"}}

	if st := s.Request(t, s.Port(1), false, "/", forged, NoCert); st != 200 {
		t.Fatalf("default: status = %d", st)
	}
	if got := be.Last(); got.Has("X_Client_DN") || got.Get("X-Client-DN") != "forged" {
		t.Errorf("default: want X_Client_DN dropped and X-Client-DN passed, got %q", got.Raw)
	}

	// underscores_in_headers on: the name reaches the backend verbatim, and
	// proxy_set_header X-Client-DN does not suppress it (nginx matches the
	// lower-cased name, where "_" and "-" differ).
	if st := s.Request(t, s.Port(2), false, "/", forged, NoCert); st != 200 {
		t.Fatalf("underscores_in_headers on: status = %d", st)
	}
	if got := be.Last(); !hasRaw(got, "X_Client_DN", "evil") || got.Has("X-Client-DN") {
		t.Errorf("underscores_in_headers on: want X_Client_DN: evil and no X-Client-DN, got %q", got.Raw)
	}

	// ignore_invalid_headers off also lets it through.
	if st := s.Request(t, s.Port(3), false, "/", forged, NoCert); st != 200 {
		t.Fatalf("ignore_invalid_headers off: status = %d", st)
	}
	if got := be.Last(); !hasRaw(got, "X_Client_DN", "evil") {
		t.Errorf("ignore_invalid_headers off: want X_Client_DN: evil, got %q", got.Raw)
	}
}

func TestOptionalNoCA(t *testing.T) {
	Require(t)
	pki := NewPKI(t)
	be := StartHTTPBackend(t)
	s := Start(t, `
server {
    listen 127.0.0.1:{{PORT1}} ssl;
    {{SSL}}
    ssl_verify_client optional_no_ca;
    ssl_trusted_certificate {{CA}};
    location / {
        proxy_pass http://{{BACKEND}};
        proxy_set_header X-Client-Verify $ssl_client_verify;
        proxy_set_header X-Client-DN $ssl_client_s_dn;
    }
}
`, nil, pki, be, nil)
	for _, tc := range []struct{ cert, verify string }{
		{ValidCert, "SUCCESS"},
		{RogueCert, "FAILED:unable to verify the first certificate"},
	} {
		if st := s.Request(t, s.Port(1), true, "/", nil, tc.cert); st != 200 {
			t.Fatalf("%s: status = %d, want 200", tc.cert, st)
		}
		got := be.Last()
		if v := got.Get("X-Client-Verify"); v != tc.verify {
			t.Errorf("%s: X-Client-Verify = %q, want %q", tc.cert, v, tc.verify)
		}
		// The subject is forwarded whether or not it verified.
		if dn := got.Get("X-Client-DN"); dn != "CN=client,O=djleak-test" {
			t.Errorf("%s: X-Client-DN = %q", tc.cert, dn)
		}
	}
}

func TestUWSGI(t *testing.T) {
	Require(t)
	pki := NewPKI(t)
	uw := StartUWSGIBackend(t)
	s := Start(t, `
server {
    listen 127.0.0.1:{{PORT1}} ssl;
    {{SSL}}
    ssl_verify_client optional;
    ssl_client_certificate {{CA}};
    location / {
        uwsgi_pass {{UWSGI}};
        uwsgi_param SSL_CLIENT_VERIFY $ssl_client_verify;
        uwsgi_param HTTP_X_CLIENT_DN $ssl_client_s_dn;
        uwsgi_param CONTENT_LENGTH $content_length;
    }
}
server {
    listen 127.0.0.1:{{PORT2}};
    underscores_in_headers on;
    location /plain { uwsgi_pass {{UWSGI}}; }
    location /set {
        uwsgi_pass {{UWSGI}};
        uwsgi_param HTTP_X_CLIENT_DN $ssl_client_s_dn;
    }
}
`, nil, pki, nil, uw)

	t.Run("params and HTTP_ vars", func(t *testing.T) {
		st := s.Request(t, s.Port(1), true, "/app?x=1", []Header{
			{"X-Foo", "1"},
			{"X-Client-DN", "CN=admin"},
			{"SSL-Client-Verify", "SUCCESS"},
			{"X-Dup", "a"}, {"X-Dup", "b"},
		}, ValidCert)
		if st != 200 {
			t.Fatalf("status = %d, want 200", st)
		}
		got := uw.Last()
		want := map[string]string{
			"SSL_CLIENT_VERIFY":      "SUCCESS",
			"HTTP_X_FOO":             "1",
			"HTTP_X_CLIENT_DN":       "CN=client,O=djleak-test",
			"HTTP_SSL_CLIENT_VERIFY": "SUCCESS", // the forged header stays in the HTTP_ namespace
			"HTTP_HOST":              "localhost",
		}
		for k, v := range want {
			if got.Vars[k] != v {
				t.Errorf("%s = %q, want %q (vars %v)", k, got.Vars[k], v, got.VarList)
			}
		}
		// uwsgi_param HTTP_X_CLIENT_DN suppresses the client's X-Client-DN.
		if v := got.VarValues("HTTP_X_CLIENT_DN"); len(v) != 1 {
			t.Errorf("HTTP_X_CLIENT_DN values = %q, want exactly nginx's", v)
		}
		// Duplicate headers become duplicate vars (nginx < 1.23.0 does not
		// join them).
		if v := got.VarValues("HTTP_X_DUP"); !(len(v) == 2 && v[0] == "a" && v[1] == "b") && !(len(v) == 1 && v[0] == "a, b") {
			t.Errorf("HTTP_X_DUP values = %q", v)
		}
		if got.Modifier1 != 0 || got.Modifier2 != 0 {
			t.Errorf("modifiers = %d/%d, want 0/0", got.Modifier1, got.Modifier2)
		}
		// Configured params precede the HTTP_ vars of client headers.
		if got.VarList[0].Name != "SSL_CLIENT_VERIFY" {
			t.Errorf("first var = %q, want SSL_CLIENT_VERIFY", got.VarList[0].Name)
		}
	})

	t.Run("empty param is still sent", func(t *testing.T) {
		if st := s.Request(t, s.Port(1), true, "/", []Header{{"X-Client-DN", "CN=admin"}}, NoCert); st != 200 {
			t.Fatalf("status = %d", st)
		}
		got := uw.Last()
		if v := got.VarValues("HTTP_X_CLIENT_DN"); len(v) != 1 || v[0] != "" {
			t.Errorf("HTTP_X_CLIENT_DN values = %q, want one empty value", v)
		}
		if got.Vars["SSL_CLIENT_VERIFY"] != "NONE" {
			t.Errorf("SSL_CLIENT_VERIFY = %q, want NONE", got.Vars["SSL_CLIENT_VERIFY"])
		}
	})

	t.Run("body", func(t *testing.T) {
		resp := s.Fetch(t, Req{Port: s.Port(1), TLS: true, Method: "POST", Path: "/", Body: "hello=world", ClientCert: ValidCert})
		if resp.Status != 200 || resp.Body != "ok" {
			t.Fatalf("response = %d %q, want 200 ok", resp.Status, resp.Body)
		}
		if got := uw.Last(); got.Body != "hello=world" || got.Vars["CONTENT_LENGTH"] != "11" {
			t.Errorf("body = %q, CONTENT_LENGTH = %q", got.Body, got.Vars["CONTENT_LENGTH"])
		}
	})

	t.Run("underscore and dash collide", func(t *testing.T) {
		forged := []Header{{"X_Client_DN", "evil"}, {"X-Client-DN", "forged"}}
		if st := s.Request(t, s.Port(2), false, "/plain", forged, NoCert); st != 200 {
			t.Fatalf("status = %d", st)
		}
		if v := uw.Last().VarValues("HTTP_X_CLIENT_DN"); len(v) != 2 || v[0] != "evil" || v[1] != "forged" {
			t.Errorf("HTTP_X_CLIENT_DN values = %q, want [evil forged]", v)
		}
		// A uwsgi_param of that name suppresses both spellings.
		if st := s.Request(t, s.Port(2), false, "/set", forged, NoCert); st != 200 {
			t.Fatalf("status = %d", st)
		}
		if v := uw.Last().VarValues("HTTP_X_CLIENT_DN"); len(v) != 1 || v[0] != "" {
			t.Errorf("HTTP_X_CLIENT_DN values = %q, want [\"\"]", v)
		}
	})
}

func TestUWSGISystemParams(t *testing.T) {
	Require(t)
	params, err := SystemFile("uwsgi_params")
	if err != nil {
		t.Skipf("no system uwsgi_params: %v", err)
	}
	uw := StartUWSGIBackend(t)
	s := Start(t, `
server {
    listen 127.0.0.1:{{PORT1}};
    location / { include {{DIR}}/uwsgi_params; uwsgi_pass {{UWSGI}}; }
}
`, map[string]string{"uwsgi_params": params}, nil, nil, uw)
	if st := s.Request(t, s.Port(1), false, "/a/b?c=d", []Header{{"X-Foo", "1"}}, NoCert); st != 200 {
		t.Fatalf("status = %d", st)
	}
	got := uw.Last()
	for k, v := range map[string]string{"REQUEST_METHOD": "GET", "REQUEST_URI": "/a/b?c=d", "PATH_INFO": "/a/b", "QUERY_STRING": "c=d", "REMOTE_ADDR": "127.0.0.1", "HTTP_X_FOO": "1"} {
		if got.Vars[k] != v {
			t.Errorf("%s = %q, want %q", k, got.Vars[k], v)
		}
	}
}

func TestFastCGI(t *testing.T) {
	Require(t)
	pki := NewPKI(t)
	fc := StartFastCGIBackend(t)
	s := StartConfig(t, Config{HTTP: `
upstream fcgi {
    server {{FASTCGI}};
    keepalive 2;
}
server {
    listen 127.0.0.1:{{PORT1}} ssl;
    {{SSL}}
    ssl_verify_client optional;
    ssl_client_certificate {{CA}};
    location / {
        fastcgi_pass fcgi;
        fastcgi_keep_conn on;
        fastcgi_param SSL_CLIENT_VERIFY $ssl_client_verify;
        fastcgi_param CONTENT_LENGTH $content_length;
    }
}
`, PKI: pki, FastCGI: fc})
	for i := 0; i < 3; i++ { // several requests over a kept-alive connection
		resp := s.Fetch(t, Req{Port: s.Port(1), TLS: true, Method: "POST", Body: "n=" + fmt.Sprint(i),
			Headers: []Header{{"X-Foo", "1"}, {"X-Client-DN", "CN=admin"}}, ClientCert: ValidCert})
		if resp.Status != 200 || resp.Body != "ok" {
			t.Fatalf("request %d: %d %q, want 200 ok", i, resp.Status, resp.Body)
		}
		got := fc.Last()
		if got.Vars["SSL_CLIENT_VERIFY"] != "SUCCESS" || got.Vars["HTTP_X_FOO"] != "1" || got.Body != "n="+fmt.Sprint(i) {
			t.Errorf("request %d: vars %v body %q", i, got.VarList, got.Body)
		}
		// Without a fastcgi_param of that name the client's header arrives.
		if got.Vars["HTTP_X_CLIENT_DN"] != "CN=admin" {
			t.Errorf("request %d: HTTP_X_CLIENT_DN = %q, want the forged CN=admin", i, got.Vars["HTTP_X_CLIENT_DN"])
		}
	}
}

func TestHTTPKeepAliveUpstream(t *testing.T) {
	Require(t)
	be := StartHTTPBackend(t)
	s := Start(t, `
upstream app { server {{BACKEND}}; keepalive 2; }
server {
    listen 127.0.0.1:{{PORT1}};
    location / {
        proxy_pass http://app;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_request_buffering off;
    }
}
`, nil, nil, be, nil)
	for i := 0; i < 3; i++ {
		resp := s.Fetch(t, Req{Port: s.Port(1), Method: "PUT", Path: "/x", Body: strings.Repeat("z", 1000+i)})
		if resp.Status != 200 {
			t.Fatalf("request %d: status %d", i, resp.Status)
		}
		if got := be.Last(); got.Proto != "HTTP/1.1" || len(got.Body) != 1000+i {
			t.Errorf("request %d: %s with %d body bytes", i, got.RequestLine, len(got.Body))
		}
	}
}

func TestCheck(t *testing.T) {
	Require(t)
	out, ok := Check(t, `server { listen 127.0.0.1:{{PORT1}}; bogus_directive on; }`, nil, nil)
	if ok {
		t.Fatalf("Check accepted an unknown directive: %s", out)
	}
	if !strings.Contains(out, `unknown directive "bogus_directive"`) {
		t.Errorf("output does not name the problem: %s", out)
	}

	pki := NewPKI(t)
	out, ok = Check(t, mtlsConf, nil, pki) // {{BACKEND}} needs no backend here
	if !ok || !strings.Contains(out, "test is successful") {
		t.Errorf("Check rejected a valid configuration: %s", out)
	}

	out, ok = Check(t, `include {{DIR}}/snippet.conf;`, map[string]string{
		"snippet.conf": `server { listen 127.0.0.1:{{PORT2}}; location / { proxy_pass http://{{BACKEND}}; proxy_set_header; } }`,
	}, nil)
	if ok || !strings.Contains(out, `invalid number of arguments in "proxy_set_header"`) || !strings.Contains(out, "snippet.conf:1") {
		t.Errorf("Check on an included file: ok=%v output=%s", ok, out)
	}
}

func TestParallelInstances(t *testing.T) {
	Require(t)
	pki := NewPKI(t)
	for i := 0; i < 4; i++ {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			be := StartHTTPBackend(t)
			s := Start(t, mtlsConf, nil, pki, be, nil)
			tag := fmt.Sprint("instance-", i)
			if st := s.Request(t, s.Port(1), true, "/", []Header{{"X-Tag", tag}}, ValidCert); st != 200 {
				t.Fatalf("status = %d", st)
			}
			if got := be.Last().Get("X-Tag"); got != tag {
				t.Errorf("X-Tag = %q, want %q", got, tag)
			}
		})
	}
}

// hasRaw reports whether r has a header spelled exactly name with value.
func hasRaw(r Received, name, value string) bool {
	for _, h := range r.Headers {
		if h.Name == name && h.Value == value {
			return true
		}
	}
	return false
}

// ---- tests that need no nginx ----

func TestRenderPlaceholders(t *testing.T) {
	pki := &PKI{CACert: "/p/ca.pem", ServerCert: "/p/s.pem", ServerKey: "/p/s.key"}
	be := &Backend{Addr: "127.0.0.1:1234"}
	in, err := render(Config{
		HTTP:        "listen 127.0.0.1:{{PORT1}}; {{SSL}} ssl_client_certificate {{CA}}; proxy_pass http://{{BACKEND}}; include {{DIR}}/x;",
		ExtraFiles:  map[string]string{"x": "listen 127.0.0.1:{{PORT2}};"},
		PKI:         pki,
		HTTPBackend: be,
	}, "/d", map[int]int{1: 1111, 2: 2222}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"listen 127.0.0.1:1111;",
		"ssl_certificate /p/s.pem; ssl_certificate_key /p/s.key;",
		"ssl_client_certificate /p/ca.pem;",
		"proxy_pass http://127.0.0.1:1234;",
		"include /d/x;",
		"pid /d/nginx.pid;",
		"uwsgi_temp_path /d/temp_uwsgi;",
	} {
		if !strings.Contains(in.conf, want) {
			t.Errorf("nginx.conf lacks %q:\n%s", want, in.conf)
		}
	}
	if in.files["x"] != "listen 127.0.0.1:2222;" {
		t.Errorf("extra file = %q", in.files["x"])
	}

	if _, err := render(Config{HTTP: "uwsgi_pass {{UWSGI}}; {{CA}}"}, "/d", nil, false); err == nil ||
		!strings.Contains(err.Error(), "{{UWSGI}}") || !strings.Contains(err.Error(), "{{CA}}") {
		t.Errorf("missing values: err = %v", err)
	}
	if in, err := render(Config{HTTP: "uwsgi_pass {{UWSGI}};"}, "/d", nil, true); err != nil || !strings.Contains(in.conf, "uwsgi_pass "+unusedBackend+";") {
		t.Errorf("check mode: err = %v", err)
	}
	if _, err := render(Config{HTTP: "{{NOPE}}"}, "/d", nil, false); err == nil || !strings.Contains(err.Error(), "{{NOPE}}") {
		t.Errorf("unknown placeholder: err = %v", err)
	}
	if _, err := render(Config{ExtraFiles: map[string]string{"../x": ""}}, "/d", nil, false); err == nil {
		t.Errorf("extra file outside the directory accepted")
	}
	if got := usedPorts(Config{HTTP: "{{PORT3}} {{PORT1}} {{PORT3}}"}); fmt.Sprint(got) != "[1 3]" {
		t.Errorf("usedPorts = %v", got)
	}
}

func TestHTTPBackendRaw(t *testing.T) {
	be := StartHTTPBackend(t)
	c, err := net.DialTimeout("tcp4", be.Addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "POST /a HTTP/1.1\r\nHost: x\r\nX_Under: 1\r\nX-Dup: a\r\nX-Dup: b\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\n"+
		"GET /b HTTP/1.1\r\nHost: y\r\nConnection: close\r\n\r\n")
	br := bufio.NewReader(c)
	all, _ := io.ReadAll(br)
	if n := bytes.Count(all, []byte("HTTP/1.1 200 OK")); n != 2 {
		t.Fatalf("got %d responses: %q", n, all)
	}
	reqs := be.All()
	if len(reqs) != 2 {
		t.Fatalf("recorded %d requests", len(reqs))
	}
	if r := reqs[0]; r.Body != "abc" || !hasRaw(r, "X_Under", "1") || len(r.Values("x-dup")) != 2 || r.Header().Get("X_under") != "1" {
		t.Errorf("first request = %+v", r)
	}
	if r := be.Last(); r.URI != "/b" || r.Get("host") != "y" {
		t.Errorf("last request = %+v", r)
	}
}

func TestUWSGIBackendRaw(t *testing.T) {
	be := StartUWSGIBackend(t)
	var vars bytes.Buffer
	for _, kv := range [][2]string{{"REQUEST_METHOD", "POST"}, {"HTTP_X", "1"}, {"HTTP_X", "2"}, {"CONTENT_LENGTH", "4"}, {"EMPTY", ""}} {
		for _, s := range kv {
			binary.Write(&vars, binary.LittleEndian, uint16(len(s)))
			vars.WriteString(s)
		}
	}
	c, err := net.DialTimeout("tcp4", be.Addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	hdr := []byte{5, 0, 0, 7}
	binary.LittleEndian.PutUint16(hdr[1:], uint16(vars.Len()))
	c.Write(append(append(hdr, vars.Bytes()...), "body"...))
	resp, _ := io.ReadAll(c)
	if !strings.HasPrefix(string(resp), "HTTP/1.1 200 OK\r\n") || !strings.HasSuffix(string(resp), "\r\n\r\nok") {
		t.Errorf("response = %q", resp)
	}
	r := be.Last()
	if r.Modifier1 != 5 || r.Modifier2 != 7 || r.Body != "body" || r.Vars["HTTP_X"] != "2" || len(r.VarValues("HTTP_X")) != 2 || r.Vars["EMPTY"] != "" || len(r.VarList) != 5 {
		t.Errorf("received = %+v", r)
	}
}

func TestFastCGIBackendRaw(t *testing.T) {
	be := StartFastCGIBackend(t)
	c, err := net.DialTimeout("tcp4", be.Addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	long := strings.Repeat("v", 300) // needs the 4-byte length form
	params := append([]byte{3, byte(len("x")), 'K', 'E', 'Y', 'x'}, []byte{4, 0x80, 0, 1, 44, 'L', 'O', 'N', 'G'}...)
	params = append(params, long...)
	writeFCGIRecord(c, fcgiBeginRequest, 1, []byte{0, 1, 0, 0, 0, 0, 0, 0})
	writeFCGIRecord(c, fcgiParams, 1, params)
	writeFCGIRecord(c, fcgiParams, 1, nil)
	writeFCGIRecord(c, fcgiStdin, 1, []byte("in"))
	writeFCGIRecord(c, fcgiStdin, 1, nil)
	br := bufio.NewReader(c)
	var stdout []byte
	for {
		typ, id, content, err := readFCGIRecord(br)
		if err != nil {
			t.Fatalf("reading response: %v", err)
		}
		if id != 1 {
			t.Errorf("request id %d", id)
		}
		if typ == fcgiStdout {
			stdout = append(stdout, content...)
		}
		if typ == fcgiEndRequest {
			break
		}
	}
	if !strings.HasPrefix(string(stdout), "Status: 200 OK\r\n") {
		t.Errorf("stdout = %q", stdout)
	}
	if r := be.Last(); r.Vars["KEY"] != "x" || r.Vars["LONG"] != long || r.Body != "in" {
		t.Errorf("received = %+v", r)
	}
}

// fatalTB records the first Fatalf instead of ending the test, so failure
// paths of Start can be checked.
type fatalTB struct {
	testing.TB
	msg string
}

type fatalSentinel struct{}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(fatalSentinel{})
}

// catchFatal runs fn with a fatalTB and returns the Fatalf message.
func catchFatal(t *testing.T, fn func(tb testing.TB)) (msg string) {
	f := &fatalTB{TB: t}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(fatalSentinel); !ok {
				panic(r)
			}
			msg = f.msg
		}
	}()
	fn(f)
	return ""
}

func TestStartRejectsBadConfig(t *testing.T) {
	Require(t)
	msg := catchFatal(t, func(tb testing.TB) {
		Start(tb, "server { listen 127.0.0.1:{{PORT1}}; location / { return 200 } }", nil, nil, nil, nil)
	})
	if !strings.Contains(msg, "nginx rejected the configuration") || !strings.Contains(msg, "unexpected \"}\"") || !strings.Contains(msg, "return 200 }") {
		t.Errorf("Fatalf message = %q", msg)
	}
	msg = catchFatal(t, func(tb testing.TB) {
		Start(tb, "server { listen 127.0.0.1:{{PORT1}}; location / { uwsgi_pass {{UWSGI}}; } }", nil, nil, nil, nil)
	})
	if !strings.Contains(msg, "{{UWSGI}}") {
		t.Errorf("Fatalf message = %q", msg)
	}
}

func TestStartReportsPortClash(t *testing.T) {
	Require(t)
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := ln.Addr().(*net.TCPAddr).Port
	dir := instanceDir(t)
	in, err := render(Config{HTTP: "server { listen 127.0.0.1:{{PORT1}}; }"}, dir, map[int]int{1: taken}, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.write(); err != nil {
		t.Fatal(err)
	}
	s := &Server{Dir: dir, ports: in.ports}
	retry, err := s.start()
	defer s.stop()
	if err == nil || !retry || !strings.Contains(err.Error(), "Address already in use") {
		t.Errorf("start on a taken port: retry=%v err=%v", retry, err)
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	Require(t)
	before := runtime.NumGoroutine()
	t.Run("instance", func(t *testing.T) {
		pki := NewPKI(t)
		be, uw := StartHTTPBackend(t), StartUWSGIBackend(t)
		s := Start(t, mtlsConf+`server { listen 127.0.0.1:{{PORT2}}; location / { uwsgi_pass {{UWSGI}}; } }`, nil, pki, be, uw)
		s.Request(t, s.Port(1), true, "/", nil, ValidCert)
		s.Request(t, s.Port(2), false, "/", nil, NoCert)
	})
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after cleanup, %d before", n, before)
	}
}

// Do tries an exchange that times out again, and returns the timeout only
// when every attempt timed out; a closed connection is returned at once.
func TestDoRetriesTimeouts(t *testing.T) {
	defer func(d time.Duration) { requestTimeout = d }(requestTimeout)
	requestTimeout = time.Second
	serve := func(t *testing.T, answer func(n int) string) (int, *atomic.Int32) {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		var conns atomic.Int32
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				n := int(conns.Add(1))
				go func() {
					defer c.Close()
					bufio.NewReader(c).ReadString('\n')
					switch a := answer(n); a {
					case "silent":
						time.Sleep(2 * requestTimeout)
					case "close":
					default:
						io.WriteString(c, a)
					}
				}()
			}
		}()
		return ln.Addr().(*net.TCPAddr).Port, &conns
	}
	ok := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
	s := &Server{}

	port, conns := serve(t, func(n int) string {
		if n < timeoutAttempts {
			return "silent"
		}
		return ok
	})
	resp, err := s.Do(Req{Port: port})
	if err != nil || resp.Body != "ok" || conns.Load() != timeoutAttempts {
		t.Errorf("slow twice, then answering: %v %q after %d connections", err, resp.Body, conns.Load())
	}

	port, conns = serve(t, func(int) string { return "silent" })
	if _, err := s.Do(Req{Port: port}); !isTimeout(err) || conns.Load() != timeoutAttempts {
		t.Errorf("never answering: %v after %d connections, want a timeout after %d", err, conns.Load(), timeoutAttempts)
	}

	port, conns = serve(t, func(int) string { return "close" })
	if _, err := s.Do(Req{Port: port}); err == nil || isTimeout(err) || conns.Load() != 1 {
		t.Errorf("closing: %v after %d connections, want one non-timeout error", err, conns.Load())
	}
}
