package trustmap_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/djleak/djleak/analyzer"
	"github.com/djleak/djleak/analyzer/analyzertest"
	"github.com/djleak/djleak/analyzer/driver"
	"github.com/djleak/djleak/analyzer/frontend"
	"github.com/djleak/djleak/analyzer/trustmap"
	"github.com/djleak/djleak/parsers/source"
	"github.com/djleak/djleak/rules"
)

// build loads an archive, runs every rule and draws the map.
func build(t *testing.T, archive string) (*trustmap.Map, *analyzer.Project) {
	t.Helper()
	return draw(t, analyzertest.Load(t, archive))
}

// draw runs every rule on p and draws its map, checked against the schema.
func draw(t *testing.T, p *analyzer.Project) (*trustmap.Map, *analyzer.Project) {
	t.Helper()
	m, _ := drawWithFindings(t, p)
	return m, p
}

func drawWithFindings(t *testing.T, p *analyzer.Project) (*trustmap.Map, []*analyzer.Finding) {
	t.Helper()
	fs, err := analyzer.RunWith(p, rules.All(), analyzer.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := trustmap.Build(p, fs, rules.All())
	validate(t, m)
	return m, fs
}

// grid renders the matrix as one line per group and per cell:
// "route | KEY source [RULES]".
func grid(m *trustmap.Map) string {
	var b strings.Builder
	for _, d := range m.Deployments {
		fmt.Fprintf(&b, "deployment %q columns", d.Name)
		for _, c := range d.Columns {
			fmt.Fprintf(&b, " %s(%d reads)", c.Key, len(c.Reads))
		}
		b.WriteString("\n")
		for _, g := range d.Groups {
			fmt.Fprintf(&b, "group %s\n", g.Label)
			for _, r := range g.Rows {
				for i, c := range r.Cells {
					var ids []string
					for _, f := range c.Findings {
						ids = append(ids, f.RuleID)
					}
					fmt.Fprintf(&b, "  %s | %s %s %v\n", r.Label, d.Columns[i].Key, c.Label(), ids)
				}
			}
		}
	}
	return b.String()
}

func check(t *testing.T, got, want string) {
	t.Helper()
	if strings.TrimSpace(got) != strings.TrimSpace(want) {
		t.Errorf("map:\n%s\nwant:\n%s", got, want)
	}
}

const middleware = `
-- mysite/middleware.py --
class MtlsClientInfoMiddleware:
    def process_request(self, request):
        verify = request.META.get('HTTP_X_CLIENT_VERIFY', '')
        if verify == 'SUCCESS':
            request.client_dn = request.META.get('HTTP_X_CLIENT_DN', '')
`

// The seed's mistake: the identity headers are set at the server level and
// a location's own proxy_set_header drops them. A second server on port 80
// passes to the app without setting them at all.
func TestNginxShadowedAndPlain(t *testing.T) {
	m, _ := build(t, `
-- nginx/api.conf --
server {
    listen 443 ssl;
    server_name api.example.com;
    ssl_certificate /etc/ssl/server.crt;
    ssl_certificate_key /etc/ssl/server.key;
    ssl_verify_client on;
    ssl_client_certificate /etc/ssl/ca.pem;
    proxy_set_header X-Client-Verify $ssl_client_verify;
    proxy_set_header X-Client-DN $ssl_client_s_dn;
    location / {
        proxy_pass http://127.0.0.1:8000;
        proxy_set_header Host $host;
    }
    location /static/ {
        proxy_pass http://127.0.0.1:8000;
    }
}
server {
    listen 80;
    server_name api.example.com;
    location / {
        proxy_pass http://127.0.0.1:8000;
    }
}
`+middleware)
	check(t, grid(m), `
deployment "" columns HTTP_X_CLIENT_DN(1 reads) HTTP_X_CLIENT_VERIFY(1 reads)
group *:443 TLS, client certificate required (CA /etc/ssl/ca.pem)
  server api.example.com, location / | HTTP_X_CLIENT_DN client can forge [NGX201]
  server api.example.com, location / | HTTP_X_CLIENT_VERIFY client can forge [NGX201]
  server api.example.com, location /static/ | HTTP_X_CLIENT_DN from certificate (verified) []
  server api.example.com, location /static/ | HTTP_X_CLIENT_VERIFY from certificate (verified) []
group *:80 plain HTTP
  server api.example.com, location / | HTTP_X_CLIENT_DN client can forge [NGX202]
  server api.example.com, location / | HTTP_X_CLIENT_VERIFY client can forge [NGX202]
`)
}

// haproxyHead starts an HAProxy configuration up to its frontend line.
const haproxyHead = `
-- haproxy/haproxy.cfg --
defaults
    mode http
    timeout client 30s
frontend fe_tls
`

// HAProxy: one frontend routes /health to a backend that does not set the
// headers. Both routes start at the frontend line; each finding belongs to
// the route it names.
func TestHAProxyRoutesSharingAFrontend(t *testing.T) {
	m, _ := build(t, haproxyHead+`    bind :443 ssl crt /etc/haproxy/site.pem ca-file /etc/haproxy/ca.pem verify required
    use_backend health if { path_beg /health }
    default_backend app
backend app
    http-request set-header X-Client-Verify %[ssl_c_verify]
    http-request set-header X-Client-DN %{+Q}[ssl_c_s_dn]
    server app1 127.0.0.1:8000
backend health
    server app1 127.0.0.1:8000
`+middleware)
	check(t, grid(m), `
deployment "" columns HTTP_X_CLIENT_DN(1 reads) HTTP_X_CLIENT_VERIFY(1 reads)
group *:443 TLS, client certificate required (CA /etc/haproxy/ca.pem)
  frontend fe_tls (bind :443) → backend health | HTTP_X_CLIENT_DN client can forge [HAP202]
  frontend fe_tls (bind :443) → backend health | HTTP_X_CLIENT_VERIFY client can forge [HAP202]
  frontend fe_tls (bind :443) → backend app | HTTP_X_CLIENT_DN from certificate (verified) []
  frontend fe_tls (bind :443) → backend app | HTTP_X_CLIENT_VERIFY from certificate (verified) []
`)
}

// Two front ends in one project: rows name their front end; an
// environment key the code reads is its own column. nginx passes the
// client's headers over uwsgi too (as HTTP_* params).
func TestTwoFrontEnds(t *testing.T) {
	m, _ := build(t, haproxyHead+`    bind :8443 ssl crt /etc/haproxy/site.pem ca-file /etc/haproxy/ca.pem verify required
    http-request del-header X-Client-DN
    http-request set-header X-Client-DN %{+Q}[ssl_c_s_dn]
    default_backend app
backend app
    server app1 127.0.0.1:8000
-- nginx/app.conf --
server {
    listen 443 ssl;
    ssl_certificate /etc/ssl/server.crt;
    ssl_certificate_key /etc/ssl/server.key;
    ssl_verify_client optional_no_ca;
    location / {
        uwsgi_pass 127.0.0.1:8001;
        uwsgi_param SSL_CLIENT_S_DN $ssl_client_s_dn;
    }
}
-- app/views.py --
def view(request):
    return request.META.get('SSL_CLIENT_S_DN') or request.headers.get('X-Client-DN')
`)
	check(t, grid(m), `
deployment "" columns HTTP_X_CLIENT_DN(1 reads) SSL_CLIENT_S_DN(1 reads)
group *:443 TLS, client certificate not verified
  nginx server, location / | HTTP_X_CLIENT_DN client can forge [NGX202]
  nginx server, location / | SSL_CLIENT_S_DN from certificate (unverified) []
group *:8443 TLS, client certificate required (CA /etc/haproxy/ca.pem)
  HAProxy frontend fe_tls (bind :8443) → backend app | HTTP_X_CLIENT_DN from certificate (verified) []
  HAProxy frontend fe_tls (bind :8443) → backend app | SSL_CLIENT_S_DN not sent []
`)
}

// Without a front end the Django reads still make columns.
func TestNoFrontEnd(t *testing.T) {
	m, _ := build(t, middleware)
	check(t, grid(m), `deployment "" columns HTTP_X_CLIENT_DN(1 reads) HTTP_X_CLIENT_VERIFY(1 reads)`)
	var b bytes.Buffer
	if err := m.WriteText(&b, trustmap.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"No route passes to the application", "mysite/middleware.py:5 guarded", "mysite/middleware.py:3 unguarded", "0 routes, 2 identity names: 0 cells a client can forge"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, b.String())
		}
	}
}

func seed(t *testing.T) (*trustmap.Map, *analyzer.Project) {
	t.Helper()
	root, _ := filepath.Abs("../../testdata/seed")
	p, err := driver.Load(driver.Options{Paths: []string{root}, Root: root})
	if err != nil {
		t.Fatal(err)
	}
	return draw(t, p)
}

func TestSeedText(t *testing.T) {
	m, _ := seed(t)
	var plain, color bytes.Buffer
	if err := m.WriteText(&plain, trustmap.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := m.WriteText(&color, trustmap.TextOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	want := `*:443 TLS, client certificate required (CA /etc/ssl/certs/ca-chain.pem)
  ROUTE                               AT                 X-Client-DN                      X-Client-Fingerprint             X-Client-Verify
  server api.example.com, location /  nginx/api.conf:13  client can forge [NGX201]        client can forge [NGX201]        client can forge [NGX201]
  Django reads                                           mysite/middleware.py:13 guarded  mysite/middleware.py:14 guarded  mysite/middleware.py:11 unguarded

1 route, 3 identity names: 3 cells a client can forge, 3 reported by djleak.
`
	if plain.String() != want {
		t.Errorf("text:\n%s\nwant:\n%s", plain.String(), want)
	}
	if strings.Contains(plain.String(), "\x1b[") {
		t.Error("plain output has escape sequences")
	}
	// Colour changes nothing but the escapes; forgeable cells are red.
	stripped := strings.NewReplacer("\x1b[0m", "", "\x1b[1m", "", "\x1b[1;31m", "", "\x1b[31m", "", "\x1b[32m", "", "\x1b[33m", "", "\x1b[2m", "").Replace(color.String())
	if stripped != want {
		t.Errorf("coloured text differs beyond escapes:\n%s", stripped)
	}
	if !strings.Contains(color.String(), "\x1b[1;31mclient can forge [NGX201]\x1b[0m") {
		t.Errorf("forgeable cell not red:\n%q", color.String())
	}
}

// A table wider than the terminal becomes one paragraph per route.
func TestSeedTextNarrow(t *testing.T) {
	m, _ := seed(t)
	var b bytes.Buffer
	if err := m.WriteText(&b, trustmap.TextOptions{Width: 80}); err != nil {
		t.Fatal(err)
	}
	want := `*:443 TLS, client certificate required (CA /etc/ssl/certs/ca-chain.pem)
  server api.example.com, location /  nginx/api.conf:13
    X-Client-DN           client can forge [NGX201]
    X-Client-Fingerprint  client can forge [NGX201]
    X-Client-Verify       client can forge [NGX201]

Django reads
  X-Client-DN           mysite/middleware.py:13 guarded
  X-Client-Fingerprint  mysite/middleware.py:14 guarded
  X-Client-Verify       mysite/middleware.py:11 unguarded

1 route, 3 identity names: 3 cells a client can forge, 3 reported by djleak.
`
	if b.String() != want {
		t.Errorf("narrow text:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	if err := m.WriteText(&b, trustmap.TextOptions{Width: 200}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "  ROUTE  ") {
		t.Errorf("wide terminal: no table:\n%s", b.String())
	}
}

func TestSeedJSON(t *testing.T) {
	m, _ := seed(t)
	var b bytes.Buffer
	if err := m.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var doc trustmap.JSONMap
	dec := json.NewDecoder(&b)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != trustmap.JSONVersion || len(doc.Deployments) != 1 {
		t.Fatalf("doc: %+v", doc)
	}
	d := doc.Deployments[0]
	if d.Summary != (trustmap.JSONSummary{Routes: 1, Names: 3, Forgeable: 3, Reported: 3}) {
		t.Errorf("summary %+v", d.Summary)
	}
	r := d.Groups[0].Routes[0]
	if r.Front != "nginx" || r.At == nil || r.At.Path != "nginx/api.conf" || r.At.Line != 13 || len(r.Cells) != 3 {
		t.Fatalf("route %+v", r)
	}
	for i, c := range r.Cells {
		if c.Key != d.Columns[i].Key || !c.Forgeable || c.Source != "forgeable" || len(c.Findings) != 1 || c.Findings[0].Rule != "NGX201" || c.Findings[0].Fingerprint == "" {
			t.Errorf("cell %d: %+v", i, c)
		}
		if len(c.Shadowed) != 1 || c.Shadowed[0].Path != "nginx/api.conf" {
			t.Errorf("cell %d shadowed: %+v", i, c.Shadowed)
		}
	}
	if g := d.Columns[2]; g.Key != "HTTP_X_CLIENT_VERIFY" || len(g.Reads) != 1 || g.Reads[0].Guard != "unguarded" || g.Reads[0].Line != 11 {
		t.Errorf("verify column %+v", g)
	}
}

func TestHTMLLinks(t *testing.T) {
	m, p := seed(t)
	out := t.TempDir()
	var b bytes.Buffer
	if err := m.WriteHTML(&b, trustmap.HTMLOptions{Root: p.Root, LinkBase: out}); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	// Config links are relative to the page and resolve to the file.
	rel, _ := filepath.Rel(out, filepath.Join(p.Root, "nginx", "api.conf"))
	href := filepath.ToSlash(rel) + "#L13"
	if !strings.Contains(html, `href="`+href+`"`) {
		t.Errorf("no link %q in page", href)
	}
	if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(strings.TrimSuffix(href, "#L13")))); err != nil {
		t.Errorf("link %s does not resolve: %v", href, err)
	}
	for _, bad := range []string{"<script", "http-equiv", `src="http`, `href="http://`, "@import", "url("} {
		if strings.Contains(html, bad) {
			t.Errorf("page is not self-contained: has %q", bad)
		}
	}
}

// fakeRoutes feeds a front end registered only in these tests, so that the
// map's handling of every verdict, deployments and answered routes is
// tested on routes built by hand.
var fakeRoutes []*frontend.Route

const fakeFront frontend.Kind = "fake"

func init() {
	frontend.Register(&frontend.Adapter{Kind: fakeFront, Routes: func(*analyzer.Project) ([]*frontend.Route, bool) {
		return fakeRoutes, len(fakeRoutes) > 0
	}})
}

func fakeRoute(deployment, label string, line int, ls []frontend.Listener, names map[string]frontend.Name) *frontend.Route {
	var keys []string
	for k := range names {
		keys = append(keys, k)
	}
	r := frontend.NewRoute(func(k string) frontend.Name {
		if n, ok := names[k]; ok {
			return n
		}
		return frontend.Name{Source: frontend.NotSent}
	}, keys)
	r.Front, r.Deployment, r.Label, r.Listeners, r.Pass = fakeFront, deployment, label, ls, frontend.PassHTTP
	r.At = source.Location{Path: "front/" + deployment + ".conf", Start: source.Pos{Line: line, Column: 1}}
	return r
}

func TestDeploymentsAndVerdicts(t *testing.T) {
	at := func(line int) source.Location {
		return source.Location{Path: "front/a.conf", Start: source.Pos{Line: line, Column: 5}}
	}
	tls := []frontend.Listener{{Addr: "*:443", TLS: true, ClientCert: frontend.CertOptional, CA: "/ca.pem"}}
	plain := []frontend.Listener{{Addr: "*:80"}}
	both := []frontend.Listener{plain[0], tls[0]}
	under := at(2)
	answered := at(40)
	a1 := fakeRoute("a", "route one", 10, tls, map[string]frontend.Name{
		"HTTP_X_CLIENT_DN":     {Source: frontend.Verified, At: at(11), Optional: true},
		"HTTP_X_CLIENT_VERIFY": {Source: frontend.Cleared, At: at(12)},
		"HTTP_X_REAL_IP":       {Source: frontend.ServerValue, At: at(13)}, // not identity: no column
	})
	a2 := fakeRoute("a", "route two", 20, both, map[string]frontend.Name{
		"HTTP_X_CLIENT_DN": {Source: frontend.Unverified, At: at(21), Underscore: &under},
		"HTTP_X_TENANT":    {Source: frontend.Verified, At: at(22)}, // from a certificate: a column
	})
	a3 := fakeRoute("a", "route three", 30, plain, map[string]frontend.Name{
		"HTTP_X_CLIENT_DN": {Source: frontend.Forgeable, Why: "the client's header passes", Condition: "a condition"},
	})
	a4 := fakeRoute("a", "answered", 39, plain, nil)
	a4.Answered = &answered
	b1 := fakeRoute("b", "other app", 5, nil, map[string]frontend.Name{
		"SSL_CLIENT_S_DN": {Source: frontend.Verified},
	})
	fakeRoutes = []*frontend.Route{a1, a2, a3, a4, b1}
	defer func() { fakeRoutes = nil }()

	m, p := build(t, `
-- app/views.py --
def view(request):
    return request.META.get('HTTP_X_CLIENT_DN')
`)
	check(t, grid(m), `
deployment "a" columns HTTP_X_CLIENT_DN(1 reads) HTTP_X_CLIENT_VERIFY(0 reads) HTTP_X_TENANT(0 reads)
group *:443 TLS, client certificate optional (CA /ca.pem)
  route one | HTTP_X_CLIENT_DN from certificate (verified) []
  route one | HTTP_X_CLIENT_VERIFY cleared []
  route one | HTTP_X_TENANT not sent []
group *:443 TLS, client certificate optional (CA /ca.pem) + *:80 plain HTTP
  route two | HTTP_X_CLIENT_DN client can forge []
  route two | HTTP_X_CLIENT_VERIFY not sent []
  route two | HTTP_X_TENANT from certificate (verified) []
group *:80 plain HTTP
  route three | HTTP_X_CLIENT_DN client can forge []
  route three | HTTP_X_CLIENT_VERIFY not sent []
  route three | HTTP_X_TENANT not sent []
deployment "b" columns HTTP_X_CLIENT_DN(1 reads) SSL_CLIENT_S_DN(0 reads)
group listener unknown
  other app | HTTP_X_CLIENT_DN not sent []
  other app | SSL_CLIENT_S_DN from certificate (verified) []
`)
	if c := m.Deployments[0].Counts(); c != (trustmap.Counts{Routes: 3, Names: 3, Forgeable: 2}) {
		t.Errorf("counts %+v", c)
	}
	two := m.Deployments[0].Groups[1].Rows[0].Cells[0]
	if note := two.Note(); !strings.Contains(note, "underscore spelling") || !strings.Contains(note, "from certificate (unverified)") {
		t.Errorf("underscore note: %q", note)
	}
	if note := m.Deployments[0].Groups[0].Rows[0].Cells[0].Note(); !strings.Contains(note, "without a certificate") {
		t.Errorf("optional note: %q", note)
	}

	var text bytes.Buffer
	if err := m.WriteText(&text, trustmap.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Deployment a\n", "Deployment b\n", "not a route: answered (front/a.conf:39) answers every request itself at front/a.conf:40", "3 routes, 3 identity names: 2 cells a client can forge, 0 reported by djleak."} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	var js bytes.Buffer
	if err := m.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var doc trustmap.JSONMap
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Deployments) != 2 || len(doc.Deployments[0].Answered) != 1 || doc.Deployments[0].Answered[0].Answered.Line != 40 {
		t.Errorf("json deployments: %+v", doc.Deployments)
	}
	if c := doc.Deployments[0].Groups[1].Routes[0].Cells[0]; c.Source != "unverified" || !c.Forgeable || c.Label != "client can forge" {
		t.Errorf("underscore cell: %+v", c)
	}
	var page bytes.Buffer
	if err := m.WriteHTML(&page, trustmap.HTMLOptions{Root: p.Root}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<h2>Deployment a</h2>`, `<h2>Deployment b</h2>`, `data-source="unverified"`, `data-source="cleared"`, `class="cell src-forgeable" data-key="HTTP_X_CLIENT_DN" data-source="forgeable" data-forgeable="true"`, `href="front/a.conf#L40"`} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// Text from the project cannot drive the terminal.
func TestTextControlCharacters(t *testing.T) {
	fakeRoutes = []*frontend.Route{fakeRoute("x\x1b[2J", "route\x1b]0;owned\x07\nnext", 1, []frontend.Listener{{Addr: "*:80\t"}}, map[string]frontend.Name{
		"HTTP_X_CLIENT_DN": {Source: frontend.Forgeable},
	})}
	defer func() { fakeRoutes = nil }()
	m, _ := build(t, middleware)
	var b bytes.Buffer
	if err := m.WriteText(&b, trustmap.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(b.String(), "\x1b\x07\t") {
		t.Errorf("control characters in the text output:\n%q", b.String())
	}
	if !strings.Contains(b.String(), "route\ufffd]0;owned\ufffd next") {
		t.Errorf("label not kept readable:\n%q", b.String())
	}
}

// Text from the project is escaped in the page.
func TestHTMLEscapes(t *testing.T) {
	fakeRoutes = []*frontend.Route{fakeRoute("d", `<img src=x onerror="alert(1)">`, 1, []frontend.Listener{{Addr: "*:80"}}, map[string]frontend.Name{
		"HTTP_X_CLIENT_DN": {Source: frontend.Forgeable, Why: `the "client" <script>`},
	})}
	defer func() { fakeRoutes = nil }()
	m, p := build(t, middleware)
	var b bytes.Buffer
	if err := m.WriteHTML(&b, trustmap.HTMLOptions{Root: p.Root}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, bad := range []string{"<img", "<script"} {
		if strings.Contains(page, bad) {
			t.Errorf("page has unescaped %q", bad)
		}
	}
	if !strings.Contains(page, "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;") {
		t.Errorf("label not shown escaped:\n%s", page)
	}
}

func TestMentionsWholeNames(t *testing.T) {
	for _, c := range []struct {
		msg  string
		name string
		want bool
	}{
		{"a client's own X-Client-DN reaches the app", "X-Client-DN", true},
		{"a client's own x-client-dn reaches the app", "X-Client-DN", true},
		{"X-Client-DN-Hash is forged", "X-Client-DN", false},
		{"the X-Client-DN header", "X-Client", false},
		{"reads HTTP_X_CLIENT_DN_RAW", "HTTP_X_CLIENT_DN", false},
		{"`X-Client-DN`", "X-Client-DN", true},
	} {
		if got := trustmap.Mentions(c.msg, []string{c.name}); got != c.want {
			t.Errorf("Mentions(%q, %q) = %v", c.msg, c.name, got)
		}
	}
}

// Findings at a Django read (DJL302: a guard that proves nothing) are
// shown with the read, under its column.
func TestReadFindings(t *testing.T) {
	data, err := os.ReadFile("../../rules/testdata/fixtures/hap_seed.txtar")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := build(t, string(data))
	var text bytes.Buffer
	if err := m.WriteText(&text, trustmap.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "mysite/middleware.py:5 wrongly guarded [DJL302]") {
		t.Errorf("read finding missing:\n%s", text.String())
	}
	var js bytes.Buffer
	if err := m.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var doc trustmap.JSONMap
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	rd := doc.Deployments[0].Columns[0].Reads[0]
	if doc.Deployments[0].Columns[0].Key != "HTTP_X_CLIENT_DN" || len(rd.Findings) != 1 || rd.Findings[0].Rule != "DJL302" {
		t.Errorf("json read: %+v", rd)
	}
}

// A suppressed finding stays linked, marked, and is not counted as reported.
func TestSuppressedFinding(t *testing.T) {
	m, _ := build(t, `
-- nginx/app.conf --
server {
    listen 80;
    location / {  # djleak: ignore[NGX202] -- only reachable from the VPN
        proxy_pass http://127.0.0.1:8000;
    }
}
`+middleware)
	var text bytes.Buffer
	if err := m.WriteText(&text, trustmap.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"client can forge [NGX202 suppressed]", "2 cells a client can forge, 0 reported by djleak."} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
}

// What djleak could not read is named, so a map with holes says so.
func TestUnreadFiles(t *testing.T) {
	m, p := build(t, `
-- nginx/app.conf --
server {
    listen 443 ssl;
    include snippets/missing.conf;
    location / {
        proxy_pass http://127.0.0.1:8000;
-- nginx/ok.conf --
server {
    listen 80;
    location / {
        proxy_pass http://127.0.0.1:8000;
    }
}
`+middleware)
	var ids []string
	for _, f := range m.Unread {
		ids = append(ids, fmt.Sprintf("%s %s:%d", f.RuleID, f.Location.Path, f.Location.Start.Line))
	}
	if !slices.ContainsFunc(ids, func(s string) bool { return strings.HasPrefix(s, "NGX001 nginx/app.conf:") }) ||
		!slices.Contains(ids, "NGX002 nginx/app.conf:3") {
		t.Fatalf("unread: %v", ids)
	}
	var text, js, page bytes.Buffer
	if err := m.WriteText(&text, trustmap.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "Incomplete: the map leaves out what djleak could not read:\n  nginx/app.conf:") {
		t.Errorf("text:\n%s", text.String())
	}
	if err := m.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var doc trustmap.JSONMap
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil || len(doc.Unread) != len(ids) {
		t.Errorf("json unread: %v %+v", err, doc.Unread)
	}
	if err := m.WriteHTML(&page, trustmap.HTMLOptions{Root: p.Root}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), `<div class="unread">`) {
		t.Error("page does not say it is incomplete")
	}
}

// Every identity-header finding of a front end (the x2xx rules of NGX, HAP,
// CDY, …) in the rule fixtures is linked from some cell of the map, so no
// reported forgery is missing from the picture.
func TestEveryIdentityFindingHasACell(t *testing.T) {
	files, err := filepath.Glob("../../rules/testdata/fixtures/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	// The app servers' WSG2xx rules judge X-Forwarded-* trust and header
	// joining in the app server, not a route's identity names.
	identityRule := regexp.MustCompile(`^(NGX|HAP|CDY|APC)2\d\d$`)
	// Findings the map cannot show yet, with the reason. The nginx adapter
	// lists a route's keys by identity name (HTTP_X_CLIENT_*, SSL_CLIENT_*)
	// or certificate value, so a param spelled like a header
	// (uwsgi_param X-Client-Verify) that NGX203 reports is no column.
	gaps := map[string]bool{
		"ngx203_params.txtar NGX203 nginx/app.conf:7":  true,
		"ngx203_params.txtar NGX203 nginx/app.conf:17": true,
	}
	checked := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			m, fs := drawWithFindings(t, analyzertest.Load(t, string(data)))
			linked := map[*analyzer.Finding]bool{}
			for _, d := range m.Deployments {
				for _, g := range d.Groups {
					for _, r := range g.Rows {
						for _, c := range r.Cells {
							for _, f := range c.Findings {
								linked[f] = true
							}
						}
					}
				}
			}
			for _, f := range fs {
				if identityRule.MatchString(f.RuleID) {
					checked++
					if gaps[fmt.Sprintf("%s %s %s:%d", filepath.Base(file), f.RuleID, f.Location.Path, f.Location.Start.Line)] {
						if linked[f] {
							t.Errorf("%s %s:%d is linked now: drop it from the gaps", f.RuleID, f.Location.Path, f.Location.Start.Line)
						}
						continue
					}
					if !linked[f] {
						t.Errorf("%s %s:%d is in no cell: %s", f.RuleID, f.Location.Path, f.Location.Start.Line, f.Message)
					}
				}
			}
		})
	}
	if checked < 10 {
		t.Errorf("only %d identity findings in the fixtures", checked)
	}
	t.Logf("%d identity findings, each in a cell", checked)
}
